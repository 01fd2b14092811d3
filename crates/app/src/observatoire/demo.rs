//! The demonstration study: a fictional barometer of associations' partnerships, two waves of
//! generated microdata (a sample over-representing employer associations, as quota samples
//! often do), calibrated by raking on two margins and published through the same use cases as
//! an analyst's. Every figure is fictional and labelled « démonstration ».

use alliances_domain::comptes::Role;
use alliances_domain::observatoire::etude::VagueSaisie;
use alliances_store::observatoire::{self as store, NouvelleEtude};

use super::etudes::{ObservatoireError, ReglagesSaisie};
use crate::comptes::CurrentUser;
use crate::{now, App, AppError};

const QUESTIONNAIRE: &str = include_str!("../../../../data/observatoire/demo-questionnaire.toml");

/// Population margins of the demonstration (orders of magnitude of France's associations:
/// about 1.5 million, one in ten employing staff; the urban / rural split is invented).
const MARGES: &str = r#"{"population": 1500000, "margins": {
  "employeuse": {"oui": 150000, "non": 1350000},
  "territoire": {"urbain": 975000, "rural": 525000}}}"#;

/// (label, dates, respondents, share with a partnership for employer / other associations)
const VAGUES: [(&str, &str, &str, usize, f64, f64); 2] = [
    ("Vague 2025", "2025-01-06", "2025-02-14", 1200, 0.71, 0.52),
    ("Vague 2026", "2026-01-05", "2026-02-13", 1300, 0.76, 0.58),
];

struct Alea(u64);

impl Alea {
    fn suivant(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A wave's microdata as a CSV file, reproducible from its seed.
fn microdonnees(seed: u64, n: usize, p_employeuse: f64, p_autre: f64) -> String {
    let mut a = Alea(seed);
    let mut out =
        String::from("id,employeuse,territoire,partenariat,nombre,motivations,importance\n");
    for i in 0..n {
        // Employer associations answer far more than their 10 %: 35 % of the sample.
        let employeuse = a.suivant() < 0.35;
        let urbain = a.suivant() < if employeuse { 0.72 } else { 0.6 };
        let p = if employeuse { p_employeuse } else { p_autre } + if urbain { 0.03 } else { -0.04 };
        let partenariat = a.suivant() < p;
        let (nombre, motivations) = if partenariat {
            let nombre = 1 + (a.suivant() * if employeuse { 12.0 } else { 5.0 }) as u32;
            let mut m = Vec::new();
            for (id, q) in [
                ("ressources", 0.62),
                ("competences", 0.41),
                ("impact", 0.55),
                ("visibilite", 0.28),
            ] {
                if a.suivant() < q {
                    m.push(id);
                }
            }
            if m.is_empty() {
                m.push("impact");
            }
            (nombre.to_string(), m.join("|"))
        } else {
            (String::new(), String::new())
        };
        let importance = 1 + (a.suivant().powf(0.6) * 5.0).min(4.999) as u32;
        out.push_str(&format!(
            "demo-{i},{},{},{},{nombre},{motivations},{importance}\n",
            if employeuse { "oui" } else { "non" },
            if urbain { "urbain" } else { "rural" },
            if partenariat { "oui" } else { "non" },
        ));
    }
    out
}

impl App {
    /// Loads the demonstration study once (nothing when one is there). Returns the waves
    /// published.
    pub async fn charger_demo_observatoire(&self) -> Result<usize, AppError> {
        if store::count_demo(&self.db).await? > 0 {
            return Ok(0);
        }
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_etude(
            &mut tx,
            &NouvelleEtude {
                titre: "Baromètre des partenariats des associations (démonstration)",
                population: "associations",
                description: "Étude fictive de démonstration : deux vagues d'un baromètre auprès des associations, échantillons par quotas calés sur le caractère employeur et le territoire d'action. Les chiffres sont générés, ils ne décrivent aucune réalité.",
                producteur: "Observatoire Alliances (démonstration)",
                demo: true,
                cree_par: None,
            },
            now(),
        )
        .await?;
        tx.commit()
            .await
            .map_err(alliances_store::StoreError::from)?;
        let analyste = CurrentUser {
            id: 0,
            email: String::new(),
            name: "démonstration".into(),
            verified: true,
            roles: vec![Role::AnalysteObservatoire],
        };
        let erreur = |e: ObservatoireError| {
            AppError::Internal(format!("démonstration de l'observatoire : {e:?}"))
        };
        for (i, (libelle, debut, fin, n, p_emp, p_autre)) in VAGUES.iter().enumerate() {
            let numero = self
                .creer_vague(
                    &analyste,
                    id,
                    &VagueSaisie {
                        libelle: (*libelle).into(),
                        debut: (*debut).into(),
                        fin: (*fin).into(),
                        mode: "en-ligne".into(),
                        plan: "quotas".into(),
                        questionnaire: QUESTIONNAIRE.into(),
                        domaines: "employeuse,territoire".into(),
                        seuil: String::new(),
                    },
                )
                .await
                .map_err(erreur)?;
            let csv = microdonnees(2025 + i as u64, *n, *p_emp, *p_autre);
            self.importer_microdonnees(&analyste, id, numero, csv.as_bytes(), "id", "")
                .await
                .map_err(erreur)?;
            self.regler_calage(
                &analyste,
                id,
                numero,
                &ReglagesSaisie {
                    marges: MARGES.into(),
                    methode: "raking".into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(erreur)?;
            self.caler_vague(&analyste, id, numero)
                .await
                .map_err(erreur)?;
            self.publier_vague(&analyste, id, numero)
                .await
                .map_err(erreur)?;
        }
        Ok(VAGUES.len())
    }
}

//! Population margins, and the calibration model they define on a data set.
//!
//! The margins file is `{"population": N, "margins": {"VARIABLE": {"CATEGORY": total, …}, …}}`.
//! Each VARIABLE names a categorical column of the data; to calibrate on a crossing of
//! variables, the data carries the crossed column (e.g. `region_taille` = `"84|moyenne"`).
//! Every margin must sum to `N`.
//!
//! Checked against the data ([`ModeleCalage::new`]), the margins give the calibration variables
//! `x_k`: one indicator per category of every margin, so `Σ_k w_k x_k = T` reads « the weights
//! of the respondents of each category sum to its population total ». The respondents are
//! grouped into the cells of the cross-classification of the margins: `x_k` is the same for
//! every respondent of a cell, so calibration only needs the sum of the design weights of each
//! cell.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::donnees::{ErreurDonnees, Jeu};

/// Why margins were refused, on their own or against the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErreurMarges {
    #[error("margins file: {0}")]
    Json(String),
    #[error("margins: the population must be a positive number (got {0})")]
    Population(f64),
    #[error("margins: no margin given")]
    AucuneMarge,
    #[error("margin « {0} » has no category")]
    MargeVide(String),
    #[error("margin « {variable} », category « {modalite} »: the total must be a non-negative number (got {total})")]
    Total {
        variable: String,
        modalite: String,
        total: f64,
    },
    #[error("margin « {variable} » sums to {somme} but the population is {population} (gap {ecart:+}, {ecart_relatif:.3e} relative): the margins disagree")]
    TotauxDiscordants {
        variable: String,
        somme: f64,
        population: f64,
        ecart: f64,
        ecart_relatif: f64,
    },
    #[error(transparent)]
    Donnees(#[from] ErreurDonnees),
    #[error("margin « {variable} » does not cover categories present in the data: {}", liste(.modalites))]
    ModalitesNonCouvertes {
        variable: String,
        modalites: Vec<(String, usize)>,
    },
    #[error("margin « {variable} »: category « {modalite} » has a population total of {total} but no respondent in the data")]
    ModaliteVide {
        variable: String,
        modalite: String,
        total: f64,
    },
    #[error("margin « {variable} »: category « {modalite} » has {n} respondents but a population total of 0")]
    TotalNul {
        variable: String,
        modalite: String,
        n: usize,
    },
    #[error("design weights: {0}")]
    Poids(String),
}

fn liste(m: &[(String, usize)]) -> String {
    m.iter()
        .map(|(c, n)| format!("« {c} » ({n} respondents)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One margin: the population total of each category of a variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Marge {
    pub variable: String,
    pub totaux: Vec<(String, f64)>,
}

/// Population margins.
#[derive(Debug, Clone, PartialEq)]
pub struct Marges {
    pub population: f64,
    pub marges: Vec<Marge>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MargesJson {
    population: f64,
    margins: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Relative gap between a margin's sum and the population above which they disagree.
pub const ECART_TOTAUX: f64 = 1e-6;

impl Marges {
    /// Reads and checks the JSON form.
    pub fn lire_json(texte: &str) -> Result<Self, ErreurMarges> {
        let j: MargesJson =
            serde_json::from_str(texte).map_err(|e| ErreurMarges::Json(e.to_string()))?;
        let marges = Marges {
            population: j.population,
            marges: j
                .margins
                .into_iter()
                .map(|(variable, t)| Marge {
                    variable,
                    totaux: t.into_iter().collect(),
                })
                .collect(),
        };
        marges.verifier()?;
        Ok(marges)
    }

    /// The JSON form.
    pub fn vers_json(&self) -> serde_json::Value {
        let margins: serde_json::Map<String, serde_json::Value> = self
            .marges
            .iter()
            .map(|m| {
                (
                    m.variable.clone(),
                    serde_json::Value::Object(
                        m.totaux
                            .iter()
                            .map(|(c, t)| (c.clone(), serde_json::json!(t)))
                            .collect(),
                    ),
                )
            })
            .collect();
        serde_json::json!({"population": self.population, "margins": margins})
    }

    /// Checks the margins on their own: positive population, non-negative totals, every
    /// margin summing to the population (relative gap at most [`ECART_TOTAUX`]).
    pub fn verifier(&self) -> Result<(), ErreurMarges> {
        let n = self.population;
        if !(n.is_finite() && n > 0.0) {
            return Err(ErreurMarges::Population(n));
        }
        if self.marges.is_empty() {
            return Err(ErreurMarges::AucuneMarge);
        }
        for m in &self.marges {
            if m.totaux.is_empty() {
                return Err(ErreurMarges::MargeVide(m.variable.clone()));
            }
            for (c, t) in &m.totaux {
                if !(t.is_finite() && *t >= 0.0) {
                    return Err(ErreurMarges::Total {
                        variable: m.variable.clone(),
                        modalite: c.clone(),
                        total: *t,
                    });
                }
            }
            let somme: f64 = m.totaux.iter().map(|(_, t)| t).sum();
            let ecart = somme - n;
            if ecart.abs() > ECART_TOTAUX * n {
                return Err(ErreurMarges::TotauxDiscordants {
                    variable: m.variable.clone(),
                    somme,
                    population: n,
                    ecart,
                    ecart_relatif: ecart / n,
                });
            }
        }
        Ok(())
    }
}

/// One calibration variable of the model: the categories kept (present in the data) and
/// their totals; its parameters are `debut .. debut + modalites.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableCalage {
    pub nom: String,
    pub modalites: Vec<String>,
    pub totaux: Vec<f64>,
    pub debut: usize,
}

/// The margins checked against a data set: calibration variables, the cell of every
/// respondent, the design weights.
#[derive(Debug, Clone)]
pub struct ModeleCalage {
    pub variables: Vec<VariableCalage>,
    /// Number of parameters (categories of all margins).
    pub p: usize,
    /// Population total of each parameter.
    pub totaux: Vec<f64>,
    /// Design weights `d_k`.
    pub d: Vec<f64>,
    /// Cell of each respondent.
    pub cellules: Vec<u32>,
    /// For each cell, the parameter of each variable (row-major: `cellule × variables`).
    pub parametres_cellule: Vec<u32>,
    /// Sum of the design weights of each cell.
    pub d_cellule: Vec<f64>,
    /// Respondents per cell.
    pub n_cellule: Vec<u32>,
}

impl ModeleCalage {
    /// Checks the margins against the data and builds the model. `d`: the design weights
    /// (positive, finite), one per row.
    ///
    /// Errors: a margin variable that is not a column, a missing value in it (line named), a
    /// category of the data that the margin does not list (all named, with their counts), a
    /// category with a positive total but no respondent, a category with respondents but a
    /// zero total. A category absent from the data with a zero total is dropped.
    pub fn new(jeu: &Jeu, marges: &Marges, d: Vec<f64>) -> Result<Self, ErreurMarges> {
        marges.verifier()?;
        let n = jeu.n();
        if d.len() != n {
            return Err(ErreurMarges::Poids(format!(
                "{} weights for {n} rows",
                d.len()
            )));
        }
        if let Some(i) = d.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
            return Err(ErreurMarges::Poids(format!(
                "line {}: the design weight must be a positive number (got {})",
                jeu.ligne(i),
                d[i]
            )));
        }
        let mut variables = Vec::new();
        let mut totaux = Vec::new();
        let mut codes_par_variable: Vec<Vec<u32>> = Vec::new();
        for m in &marges.marges {
            let col = jeu.categorielle_complete(&m.variable)?;
            let mut compte = vec![0usize; col.modalites.len()];
            for &c in &col.codes {
                compte[c as usize] += 1;
            }
            let index: HashMap<&str, usize> = m
                .totaux
                .iter()
                .enumerate()
                .map(|(i, (c, _))| (c.as_str(), i))
                .collect();
            let non_couvertes: Vec<(String, usize)> = col
                .modalites
                .iter()
                .zip(&compte)
                .filter(|(c, _)| !index.contains_key(c))
                .map(|(c, &k)| (c.to_string(), k))
                .collect();
            if !non_couvertes.is_empty() {
                return Err(ErreurMarges::ModalitesNonCouvertes {
                    variable: m.variable.clone(),
                    modalites: non_couvertes,
                });
            }
            // Categories of the margin present in the data, in the margin's order.
            let mut dans_donnees = vec![usize::MAX; m.totaux.len()];
            for (k, c) in col.modalites.iter().enumerate() {
                dans_donnees[index[c]] = k;
            }
            let debut = totaux.len();
            let mut modalites = Vec::new();
            let mut tots = Vec::new();
            let mut parametre_du_code = vec![0u32; col.modalites.len()];
            for (i, (c, t)) in m.totaux.iter().enumerate() {
                let k = dans_donnees[i];
                if k == usize::MAX {
                    if *t > 0.0 {
                        return Err(ErreurMarges::ModaliteVide {
                            variable: m.variable.clone(),
                            modalite: c.clone(),
                            total: *t,
                        });
                    }
                    continue;
                }
                if *t == 0.0 {
                    return Err(ErreurMarges::TotalNul {
                        variable: m.variable.clone(),
                        modalite: c.clone(),
                        n: compte[k],
                    });
                }
                parametre_du_code[k] = (debut + modalites.len()) as u32;
                modalites.push(c.clone());
                tots.push(*t);
            }
            codes_par_variable.push(
                col.codes
                    .iter()
                    .map(|&c| parametre_du_code[c as usize])
                    .collect(),
            );
            totaux.extend_from_slice(&tots);
            variables.push(VariableCalage {
                nom: m.variable.clone(),
                modalites,
                totaux: tots,
                debut,
            });
        }
        let p = totaux.len();
        let (cellules, parametres_cellule) = cellules(&codes_par_variable, n);
        let nc = parametres_cellule.len() / variables.len();
        let mut d_cellule = vec![0.0; nc];
        let mut n_cellule = vec![0u32; nc];
        for (&c, &dk) in cellules.iter().zip(&d) {
            d_cellule[c as usize] += dk;
            n_cellule[c as usize] += 1;
        }
        Ok(ModeleCalage {
            variables,
            p,
            totaux,
            d,
            cellules,
            parametres_cellule,
            d_cellule,
            n_cellule,
        })
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.d.len()
    }

    /// Number of cells.
    pub fn nombre_cellules(&self) -> usize {
        self.d_cellule.len()
    }

    /// Number of calibration variables (margins).
    pub fn m(&self) -> usize {
        self.variables.len()
    }

    /// The parameters (one per margin) of cell `c`.
    #[inline]
    pub fn parametres(&self, c: usize) -> &[u32] {
        let m = self.m();
        &self.parametres_cellule[c * m..(c + 1) * m]
    }

    /// `Σ_k v_k x_k`: the total of `v` in every category of every margin.
    pub fn totaux_par_parametre(&self, v: &[f64]) -> Vec<f64> {
        let mut par_cellule = vec![0.0; self.nombre_cellules()];
        for (&c, &x) in self.cellules.iter().zip(v) {
            par_cellule[c as usize] += x;
        }
        let mut t = vec![0.0; self.p];
        for (c, s) in par_cellule.iter().enumerate() {
            for &j in self.parametres(c) {
                t[j as usize] += s;
            }
        }
        t
    }

    /// `Σ_cells a_c x_c x_c'` (row-major `p × p`).
    pub fn matrice(&self, a: &[f64]) -> Vec<f64> {
        let p = self.p;
        let mut mat = vec![0.0; p * p];
        for (c, &ac) in a.iter().enumerate() {
            if ac == 0.0 {
                continue;
            }
            let params = self.parametres(c);
            for &i in params {
                for &j in params {
                    mat[i as usize * p + j as usize] += ac;
                }
            }
        }
        mat
    }
}

/// Groups rows by their combination of parameters: returns each row's cell and, per cell, its
/// parameters. Mixed-radix keys are compacted after each variable (dense table when small,
/// hash map otherwise), so any number of margins works.
fn cellules(codes: &[Vec<u32>], n: usize) -> (Vec<u32>, Vec<u32>) {
    let mut cellule = vec![0u32; n];
    let mut nc: usize = 1;
    for cj in codes {
        // Local category index of this margin = parameter − smallest parameter of the margin.
        let base = cj.iter().copied().min().unwrap_or(0);
        let k = cj
            .iter()
            .copied()
            .max()
            .map_or(1, |m| (m - base) as usize + 1);
        let produit = nc.saturating_mul(k);
        let mut suivant = 0u32;
        if produit <= (4 * n).max(1 << 16) {
            let mut table = vec![u32::MAX; produit];
            for (c, &x) in cellule.iter_mut().zip(cj) {
                let cle = *c as usize * k + (x - base) as usize;
                if table[cle] == u32::MAX {
                    table[cle] = suivant;
                    suivant += 1;
                }
                *c = table[cle];
            }
        } else {
            let mut table: HashMap<u64, u32> = HashMap::new();
            for (c, &x) in cellule.iter_mut().zip(cj) {
                let cle = *c as u64 * k as u64 + u64::from(x - base);
                let id = *table.entry(cle).or_insert_with(|| {
                    suivant += 1;
                    suivant - 1
                });
                *c = id;
            }
        }
        nc = suivant as usize;
    }
    let m = codes.len();
    let mut params = vec![u32::MAX; nc * m];
    for (i, &c) in cellule.iter().enumerate() {
        let c = c as usize;
        if params[c * m] == u32::MAX {
            for (j, cj) in codes.iter().enumerate() {
                params[c * m + j] = cj[i];
            }
        }
    }
    (cellule, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jeu() -> Jeu {
        let mut j = Jeu::vide(6);
        j.ajouter_textes("a", &["x", "y", "x", "y", "x", "z"].map(Some))
            .unwrap();
        j.ajouter_textes("b", &["1", "1", "2", "2", "1", "2"].map(Some))
            .unwrap();
        j
    }

    #[test]
    fn builds_cells_and_checks_coverage() {
        let m = Marges::lire_json(
            r#"{"population": 60, "margins": {"a": {"x": 30, "y": 20, "z": 10, "w": 0}, "b": {"1": 25, "2": 35}}}"#,
        )
        .unwrap();
        let modele = ModeleCalage::new(&jeu(), &m, vec![1.0; 6]).unwrap();
        assert_eq!(modele.p, 5); // w dropped
        assert_eq!(modele.nombre_cellules(), 5);
        assert_eq!(modele.d_cellule.iter().sum::<f64>(), 6.0);
        let t = modele.totaux_par_parametre(&[1.0; 6]);
        assert_eq!(t, vec![3.0, 2.0, 1.0, 3.0, 3.0]);

        let pas_z = Marges::lire_json(
            r#"{"population": 60, "margins": {"a": {"x": 30, "y": 30}, "b": {"1": 25, "2": 35}}}"#,
        )
        .unwrap();
        let e = ModeleCalage::new(&jeu(), &pas_z, vec![1.0; 6]).unwrap_err();
        assert!(e.to_string().contains("« z » (1 respondents)"), "{e}");

        let vide = Marges::lire_json(
            r#"{"population": 60, "margins": {"a": {"x": 30, "y": 20, "z": 5, "w": 5}, "b": {"1": 25, "2": 35}}}"#,
        )
        .unwrap();
        assert!(matches!(
            ModeleCalage::new(&jeu(), &vide, vec![1.0; 6]),
            Err(ErreurMarges::ModaliteVide { .. })
        ));
    }

    #[test]
    fn disagreeing_totals_are_refused_with_the_gap() {
        let e = Marges::lire_json(
            r#"{"population": 60, "margins": {"a": {"x": 30, "y": 31}, "b": {"1": 25, "2": 35}}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(e, ErreurMarges::TotauxDiscordants { ref variable, ecart, .. } if variable == "a" && ecart == 1.0),
            "{e}"
        );
    }
}

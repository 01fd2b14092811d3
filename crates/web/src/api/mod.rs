//! The JSON API under `/api/v1`, documented by an OpenAPI 3.1 document generated from the code.

pub mod alliances;
pub mod bibliotheque;
pub mod compte;
pub mod contacts;
pub mod ingenieries;
pub mod kits;
pub mod observatoire;
pub mod organisations;
pub mod recherche;
pub mod relation;
pub mod territoires;

use crate::problem::{FieldError, Problem};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "API Alliances",
        description = "Données publiques d'Alliances : le référentiel territorial officiel (régions, départements, EPCI, communes), puis les organisations, alliances, kits, ingénieries et l'observatoire. Champs en français, à la manière de l'API Découpage administratif. Erreurs au format application/problem+json.",
        license(name = "Licence Ouverte 2.0 (données)", url = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
        version = "1"
    ),
    paths(
        territoires::recherche,
        territoires::commune,
        territoires::communes,
        territoires::epci,
        territoires::epci_communes,
        territoires::departement,
        territoires::departement_communes,
        territoires::region,
        territoires::region_departements,
        territoires::referentiel,
        territoires::tableau,
        compte::moi,
        organisations::recherche,
        organisations::suggestions,
        organisations::organisation,
        organisations::creer,
        organisations::modifier,
        organisations::ressources,
        organisations::ressource,
        organisations::ressource_creer,
        organisations::ressource_modifier,
        organisations::ressource_supprimer,
        relation::partenaires,
        relation::partenaires_ressource,
        contacts::envoyer,
        contacts::liste,
        kits::liste,
        kits::definition,
        kits::score,
        kits::mes_resultats,
        kits::resultat,
        alliances::liste,
        alliances::alliance,
        alliances::experimentations,
        ingenieries::liste,
        ingenieries::aide,
        ingenieries::couverture,
        ingenieries::un,
        bibliotheque::liste,
        bibliotheque::un,
        bibliotheque::exemples,
        bibliotheque::exemple,
        recherche::recherche,
        observatoire::chiffres_publies,
        observatoire::etudes,
        observatoire::vague,
    ),
    components(schemas(
        Problem,
        FieldError,
        organisations::Organisation,
        organisations::OrganisationResume,
        organisations::OrganisationSaisie,
        organisations::Ressource,
        organisations::RessourceSaisie,
        organisations::Lieu,
        organisations::Provenance,
        organisations::ResultatsOrganisations,
        organisations::FacettesOrganisations,
        organisations::FacetteFraicheur,
        organisations::Suggestion,
        relation::ResultatsPartenaires,
        relation::Partenaire,
        relation::OrganisationPartenaire,
        relation::RaisonPartenaire,
        contacts::DemandeContact,
        contacts::DemandeContactSaisie,
        contacts::OrganisationContact,
        contacts::ResultatsDemandesContact,
        kits::KitResume,
        kits::KitDefinition,
        kits::DimensionKit,
        kits::NiveauKit,
        kits::SectionKit,
        kits::QuestionKit,
        kits::OptionKit,
        kits::ConditionKit,
        kits::RecommandationKit,
        kits::LienKit,
        kits::ReponsesKit,
        kits::ResultatKit,
        kits::ScoreDimension,
        kits::NiveauAtteint,
        kits::Recommandation,
        kits::PassationResume,
        kits::SujetPassation,
        kits::ResultatPassation,
        kits::ComparaisonPairs,
        alliances::AllianceResume,
        alliances::AllianceDetail,
        alliances::MembreAlliance,
        alliances::IndicateurAlliance,
        alliances::ValeurIndicateur,
        alliances::ConditionSante,
        alliances::Experimentation,
        ingenieries::Dispositif,
        recherche::ResultatsRecherche,
        recherche::ResultatRecherche,
        recherche::FacettesRecherche,
        ingenieries::Aide,
        ingenieries::ReponsesAide,
        ingenieries::Couverture,
        ingenieries::CouvertureDepartement,
        bibliotheque::RessourceResume,
        bibliotheque::RessourceDetail,
        bibliotheque::LienRessource,
        bibliotheque::OrganisationCitee,
        bibliotheque::CasExemple,
        observatoire::ChiffrePublie,
        observatoire::EtudeApi,
        observatoire::VagueApi,
        observatoire::ResultatsApi,
        observatoire::QuestionApi,
        observatoire::LigneApi,
    )),
    tags(
        (name = "territoires", description = "Le référentiel territorial officiel"),
        (name = "organisations", description = "L'annuaire des organisations : recherche à facettes, fiches, offres et besoins ; écriture avec un jeton « lecture et écriture »"),
        (name = "kits", description = "Les kits d'autodiagnostic : catalogue, définitions, calcul d'un résultat sans rien enregistrer ; avec un jeton, ses propres passations et résultats"),
        (name = "alliances", description = "Les alliances publiques : liste filtrée par territoire, ODD, type, forme et stade ; une alliance avec ses membres, ses indicateurs partagés (valeurs validées) et son tableau de santé ; le registre des expérimentations"),
        (name = "ingenieries", description = "Les dispositifs d'accompagnement : services, publics, couverture, relais ; « qui peut m'aider ici ? » ; la couverture d'un service par département"),
        (name = "ressources", description = "La bibliothèque de ressources : méthodes, exemples inspirants (cas structurés : territoire, acteurs, besoin, réalisation, résultats, enseignements), données, outils (dont les kits), formations ; filtres par famille, thème, ODD, public et territoire"),
        (name = "observatoire", description = "L'observatoire des partenariats : les chiffres publiés des études passées (agrégats, avec leur source), et les résultats pondérés des vagues d'enquête publiées (estimations, intervalles de confiance, méthodologie ; jamais les microdonnées)"),
        (name = "recherche", description = "La recherche globale : organisations, alliances, dispositifs, ressources, exemples et territoires en une requête, avec facettes par type, profil et ODD, filtre territorial et tolérance aux fautes de frappe sur les noms"),
        (name = "comptes", description = "Le compte derrière un jeton d'API")
    ),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme (`jeton`) used by authenticated operations.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jeton",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Jeton d'API créé depuis « Mon compte »"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
pub(crate) fn csv_champ(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV download named `nom`.
pub(crate) fn csv(nom: &str, contenu: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{nom}\""),
            ),
        ],
        contenu,
    )
        .into_response()
}

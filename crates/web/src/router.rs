//! Every route of the server, in one readable list.

use crate::state::AppState;
use crate::{api, pages, system};
use axum::routing::{get, post};
use axum::Router;

pub fn routes(state: AppState) -> Router {
    Router::new()
        // Pages
        .route("/", get(pages::accueil::accueil))
        .route("/territoires", get(pages::territoires::recherche))
        .route(
            "/territoires/{niveau}/{code}",
            get(pages::territoires::fiche),
        )
        .route("/api", get(pages::api_doc::api_doc))
        .route("/annuaire", get(pages::annuaire::recherche))
        // Global search and the profile entry points
        .route("/recherche", get(pages::recherche::recherche))
        .route("/je-suis/{profil}", get(pages::recherche::profil))
        // Alliances
        .route("/alliances", get(pages::alliances::liste))
        .route(
            "/alliances/nouvelle",
            get(pages::alliances::nouvelle).post(pages::alliances::nouvelle_post),
        )
        .route("/alliances/{id}", get(pages::alliances::fiche))
        .route(
            "/alliances/{id}/modifier",
            get(pages::alliances::modifier).post(pages::alliances::modifier_post),
        )
        .route(
            "/alliances/{id}/membres",
            get(pages::alliances::membres).post(pages::alliances::proposer),
        )
        .route(
            "/alliances/{id}/membres/{mid}/role",
            post(pages::alliances::membre_role),
        )
        .route(
            "/alliances/{id}/membres/{mid}/retrait",
            post(pages::alliances::membre_retrait),
        )
        .route(
            "/alliances/{id}/membres/{mid}/reponse",
            post(pages::alliances::membre_reponse),
        )
        .route(
            "/alliances/{id}/membres/{mid}/objectifs",
            get(pages::alliances::objectifs).post(pages::alliances::objectifs_post),
        )
        .route(
            "/alliances/{id}/fonctions",
            post(pages::alliances::fonctions),
        )
        .route(
            "/alliances/{id}/agenda",
            get(pages::alliances::agenda).post(pages::alliances::agenda_post),
        )
        .route(
            "/alliances/{id}/agenda/accord",
            post(pages::alliances::agenda_accord),
        )
        .route(
            "/alliances/{id}/indicateurs",
            get(pages::alliances::indicateurs),
        )
        .route(
            "/alliances/{id}/indicateurs/nouveau",
            get(pages::alliances::indicateur_nouveau)
                .post(pages::alliances::indicateur_nouveau_post),
        )
        .route(
            "/alliances/{id}/indicateurs/{iid}/valeur",
            get(pages::alliances::valeur).post(pages::alliances::valeur_post),
        )
        .route(
            "/alliances/{id}/valeurs/{vid}",
            post(pages::alliances::statuer),
        )
        .route("/alliances/{id}/actions", get(pages::alliances::actions))
        .route(
            "/alliances/{id}/actions/nouvelle",
            get(pages::alliances::action_nouvelle).post(pages::alliances::action_nouvelle_post),
        )
        .route(
            "/alliances/{id}/actions/{aid}/modifier",
            get(pages::alliances::action_modifier).post(pages::alliances::action_modifier_post),
        )
        .route("/alliances/{id}/journal", get(pages::alliances::journal))
        .route(
            "/alliances/{id}/evaluation",
            get(pages::alliances::evaluation_page).post(pages::alliances::evaluation),
        )
        .route(
            "/alliances/export.csv",
            get(api::alliances::export_alliances),
        )
        .route(
            "/alliances/{id}/indicateurs.csv",
            get(api::alliances::export_valeurs),
        )
        .route(
            "/alliances/{id}/experimentations/nouvelle",
            get(pages::experimentations::nouveau).post(pages::experimentations::nouveau_post),
        )
        .route("/experimentations", get(pages::experimentations::registre))
        // Observatoire
        .route("/observatoire", get(pages::observatoire::page))
        .route(
            "/observatoire/regions/{code}",
            get(pages::observatoire::region),
        )
        .route(
            "/observatoire/chiffres-publies.csv",
            get(api::observatoire::export),
        )
        .route(
            "/observatoire/etudes/nouvelle",
            get(pages::observatoire_etudes::etude_nouvelle)
                .post(pages::observatoire_etudes::etude_nouvelle_post),
        )
        .route(
            "/observatoire/etudes/{id}",
            get(pages::observatoire_etudes::etude),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/nouvelle",
            get(pages::observatoire_etudes::vague_nouvelle)
                .post(pages::observatoire_etudes::vague_nouvelle_post),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}",
            get(pages::observatoire_etudes::vague),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}/resultats.csv",
            get(api::observatoire::resultats_csv),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}/gestion",
            get(pages::observatoire_etudes::gestion),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}/microdonnees",
            post(pages::observatoire_etudes::microdonnees),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}/reglages",
            post(pages::observatoire_etudes::reglages),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}/invitations",
            post(pages::observatoire_etudes::invitations),
        )
        .route(
            "/observatoire/etudes/{id}/vagues/{n}/{action}",
            post(pages::observatoire_etudes::action),
        )
        .route(
            "/observatoire/enquete/{jeton}",
            get(pages::observatoire_etudes::enquete).post(pages::observatoire_etudes::enquete_post),
        )
        // Resource library (« bibliothèque »)
        .route("/ressources", get(pages::bibliotheque::liste))
        .route("/ressources/export.csv", get(api::bibliotheque::export))
        .route(
            "/ressources/nouvelle",
            get(pages::bibliotheque::nouvelle).post(pages::bibliotheque::nouvelle_post),
        )
        .route(
            "/ressources/evenements",
            get(pages::bibliotheque::evenements),
        )
        .route(
            "/ressources/evenements.ics",
            get(pages::bibliotheque::calendrier),
        )
        .route(
            "/ressources/evenements/nouveau",
            get(pages::bibliotheque::evenement_nouveau)
                .post(pages::bibliotheque::evenement_nouveau_post),
        )
        .route(
            "/ressources/evenements/{id}/modifier",
            get(pages::bibliotheque::evenement_modifier)
                .post(pages::bibliotheque::evenement_modifier_post),
        )
        .route("/ressources/{id}", get(pages::bibliotheque::fiche))
        .route(
            "/ressources/{id}/modifier",
            get(pages::bibliotheque::modifier).post(pages::bibliotheque::modifier_post),
        )
        .route("/exemples", get(pages::bibliotheque::exemples))
        .route("/exemples/{id}", get(pages::bibliotheque::exemple))
        .route(
            "/exemples/{id}/moderation",
            post(pages::bibliotheque::moderer),
        )
        // Ingénieries
        .route("/ingenieries", get(pages::ingenieries::liste))
        .route("/ingenieries/aide", get(pages::ingenieries::aide))
        .route(
            "/ingenieries/couverture",
            get(pages::ingenieries::couverture),
        )
        .route(
            "/ingenieries/couverture.csv",
            get(api::ingenieries::export_couverture),
        )
        .route("/ingenieries/export.csv", get(api::ingenieries::export))
        .route(
            "/ingenieries/programmes",
            get(pages::ingenieries::programmes),
        )
        .route(
            "/ingenieries/veille",
            get(pages::veille::liste).post(pages::veille::creer),
        )
        .route("/ingenieries/veille/{id}", get(pages::veille::veille))
        .route(
            "/ingenieries/veille/{id}/membres",
            post(pages::veille::membre),
        )
        .route(
            "/ingenieries/veille/{id}/seances",
            post(pages::veille::seance),
        )
        .route(
            "/ingenieries/veille/{id}/elements",
            post(pages::veille::element),
        )
        .route(
            "/ingenieries/veille/{id}/elements/{eid}/commentaires",
            post(pages::veille::commentaire),
        )
        .route(
            "/ingenieries/{id}/programmes/nouveau",
            get(pages::ingenieries::programme_nouveau)
                .post(pages::ingenieries::programme_nouveau_post),
        )
        .route(
            "/ingenieries/nouveau",
            get(pages::ingenieries::nouveau).post(pages::ingenieries::nouveau_post),
        )
        .route("/ingenieries/{id}", get(pages::ingenieries::fiche))
        .route(
            "/ingenieries/{id}/modifier",
            get(pages::ingenieries::modifier).post(pages::ingenieries::modifier_post),
        )
        .route(
            "/ingenieries/{id}/orientations",
            post(pages::ingenieries::orienter),
        )
        .route(
            "/ingenieries/orientations/{oid}",
            post(pages::ingenieries::avancer),
        )
        .route(
            "/experimentations/export.csv",
            get(api::alliances::export_experimentations),
        )
        .route(
            "/experimentations/{id}",
            get(pages::experimentations::dossier),
        )
        .route(
            "/experimentations/{id}/modifier",
            get(pages::experimentations::modifier).post(pages::experimentations::modifier_post),
        )
        .route(
            "/experimentations/{id}/etape",
            post(pages::experimentations::etape),
        )
        .route(
            "/alliances/{id}/journal/nouvelle",
            get(pages::alliances::entree_nouvelle).post(pages::alliances::entree_nouvelle_post),
        )
        .route("/kits", get(pages::kits::liste))
        .route("/kits/resultats/{cle}", get(pages::kits::resultat))
        .route("/kits/groupes/{cle}", get(pages::kits::groupe))
        .route(
            "/kits/groupes/rejoindre/{jeton}",
            get(pages::kits::rejoindre).post(pages::kits::rejoindre_suite),
        )
        .route("/kits/{id}", get(pages::kits::kit))
        .route("/kits/{id}/passations", post(pages::kits::commencer))
        .route("/kits/{id}/groupes", post(pages::kits::creer_groupe))
        .route(
            "/kits/{id}/passation/anonyme",
            get(pages::kits::anonyme).post(pages::kits::anonyme_suite),
        )
        .route(
            "/kits/{id}/passation/{cle}",
            get(pages::kits::passation).post(pages::kits::passation_suite),
        )
        .route("/compte/resultats", get(pages::kits::mes_resultats))
        .route(
            "/organisations/nouvelle",
            get(pages::annuaire::nouvelle).post(pages::annuaire::nouvelle_post),
        )
        .route("/organisations/{id}", get(pages::annuaire::organisation))
        .route(
            "/organisations/{id}/modifier",
            get(pages::annuaire::modifier).post(pages::annuaire::modifier_post),
        )
        .route(
            "/organisations/{id}/confirmation",
            post(pages::annuaire::confirmer),
        )
        .route(
            "/organisations/{id}/ressources",
            post(pages::annuaire::ressource_post),
        )
        .route(
            "/organisations/{id}/ressources/{rid}/suppression",
            post(pages::annuaire::ressource_suppression),
        )
        .route(
            "/organisations/{id}/revendication",
            post(pages::annuaire::revendication),
        )
        .route(
            "/organisations/{id}/signalement",
            post(pages::annuaire::signalement),
        )
        .route(
            "/organisations/{id}/membres",
            get(pages::membres::membres).post(pages::membres::inviter),
        )
        .route(
            "/organisations/{id}/membres/{user}/retrait",
            post(pages::membres::retirer),
        )
        .route("/organisations/{id}/journal", get(pages::membres::journal))
        .route(
            "/invitations/{token}",
            get(pages::membres::invitation).post(pages::membres::accepter),
        )
        // Accounts
        .route("/compte", get(pages::compte::compte))
        .route(
            "/compte/inscription",
            get(pages::compte::inscription).post(pages::compte::inscription_post),
        )
        .route(
            "/compte/inscription/merci",
            get(pages::compte::inscription_merci),
        )
        .route(
            "/compte/verification/{token}",
            get(pages::compte::verification).post(pages::compte::verification_post),
        )
        .route(
            "/compte/connexion",
            get(pages::compte::connexion).post(pages::compte::connexion_post),
        )
        .route("/compte/deconnexion", post(pages::compte::deconnexion))
        .route(
            "/compte/mot-de-passe-oublie",
            get(pages::compte::oubli).post(pages::compte::oubli_post),
        )
        .route(
            "/compte/reinitialisation/{token}",
            get(pages::compte::reinitialisation).post(pages::compte::reinitialisation_post),
        )
        .route(
            "/compte/email",
            get(pages::compte::email).post(pages::compte::email_post),
        )
        .route(
            "/compte/email/confirmation/{token}",
            get(pages::compte::email_confirmation).post(pages::compte::email_confirmation_post),
        )
        .route("/compte/jetons", post(pages::compte::jeton_creer))
        .route(
            "/compte/jetons/{id}/revocation",
            post(pages::compte::jeton_revoquer),
        )
        .route("/compte/donnees", get(pages::compte::donnees))
        .route(
            "/compte/suppression",
            get(pages::compte::suppression).post(pages::compte::suppression_post),
        )
        .route("/confidentialite", get(pages::compte::confidentialite))
        // Administration
        .route("/admin", get(pages::admin::admin))
        .route("/admin/courriels", get(pages::admin::courriels))
        .route("/admin/journal", get(pages::admin::journal))
        .route("/admin/moderation", get(pages::moderation::moderation))
        .route(
            "/admin/moderation/doublons/{id}",
            post(pages::moderation::doublon),
        )
        .route(
            "/admin/moderation/revendications/{id}",
            post(pages::moderation::revendication),
        )
        .route(
            "/admin/moderation/signalements/{id}",
            post(pages::moderation::signalement),
        )
        .route(
            "/admin/catalyseurs",
            get(pages::admin::catalyseurs).post(pages::admin::catalyseurs_post),
        )
        .route("/admin/utilisateurs/{id}/roles", post(pages::admin::role))
        // JSON API
        .route("/api/openapi.json", get(system::openapi))
        .route("/api/v1/territoires", get(api::territoires::recherche))
        .route("/api/v1/communes", get(api::territoires::communes))
        .route("/api/v1/communes/{code}", get(api::territoires::commune))
        .route("/api/v1/epcis/{siren}", get(api::territoires::epci))
        .route(
            "/api/v1/epcis/{siren}/communes",
            get(api::territoires::epci_communes),
        )
        .route(
            "/api/v1/departements/{code}",
            get(api::territoires::departement),
        )
        .route(
            "/api/v1/departements/{code}/communes",
            get(api::territoires::departement_communes),
        )
        .route("/api/v1/regions/{code}", get(api::territoires::region))
        .route(
            "/api/v1/regions/{code}/departements",
            get(api::territoires::region_departements),
        )
        .route("/api/v1/referentiel", get(api::territoires::referentiel))
        .route(
            "/api/v1/territoires/{niveau}/{code}/tableau",
            get(api::territoires::tableau),
        )
        .route("/api/v1/moi", get(api::compte::moi))
        .route("/api/v1/alliances", get(api::alliances::liste))
        .route("/api/v1/recherche", get(api::recherche::recherche))
        .route("/api/v1/ingenieries", get(api::ingenieries::liste))
        .route("/api/v1/ressources", get(api::bibliotheque::liste))
        .route("/api/v1/ressources/{id}", get(api::bibliotheque::un))
        .route("/api/v1/exemples", get(api::bibliotheque::exemples))
        .route("/api/v1/exemples/{id}", get(api::bibliotheque::exemple))
        .route(
            "/api/v1/observatoire/chiffres-publies",
            get(api::observatoire::chiffres_publies),
        )
        .route(
            "/api/v1/observatoire/etudes",
            get(api::observatoire::etudes),
        )
        .route(
            "/api/v1/observatoire/etudes/{id}/vagues/{n}",
            get(api::observatoire::vague),
        )
        .route("/api/v1/ingenieries/aide", get(api::ingenieries::aide))
        .route(
            "/api/v1/ingenieries/couverture",
            get(api::ingenieries::couverture),
        )
        .route("/api/v1/ingenieries/{id}", get(api::ingenieries::un))
        .route("/api/v1/alliances/{id}", get(api::alliances::alliance))
        .route(
            "/api/v1/experimentations",
            get(api::alliances::experimentations),
        )
        .route("/api/v1/kits", get(api::kits::liste))
        .route("/api/v1/kits/resultats", get(api::kits::mes_resultats))
        .route("/api/v1/kits/resultats/{cle}", get(api::kits::resultat))
        .route("/api/v1/kits/{id}", get(api::kits::definition))
        .route("/api/v1/kits/{id}/score", post(api::kits::score))
        .merge(api::organisations::routes())
        .merge(api::contacts::routes())
        .merge(api::relation::routes())
        .merge(pages::relation::routes())
        .merge(pages::contacts::routes())
        .merge(pages::imports::routes())
        // Operations and assets
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/static/{file}", get(system::static_file))
        .fallback(system::fallback)
        .with_state(state)
}

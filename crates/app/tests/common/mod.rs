//! What the app's test files share: a fresh database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL) opened by the app, verified users without platform roles, organisations
//! created through the use case (their creator is the owner).
#![allow(dead_code)]

use alliances_app::comptes::CurrentUser;
use alliances_app::App;
use alliances_domain::annuaire::OrganisationSaisie;
use std::sync::Arc;

pub async fn app() -> (Arc<App>, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), guard)
}

/// A verified user (named after the address) without any platform role.
pub async fn user(app: &App, email: &str) -> CurrentUser {
    let (id, _) = app
        .create_user_with_role(
            email,
            email,
            alliances_domain::comptes::Role::OperateurDispositif,
            "http://x/",
        )
        .await
        .unwrap();
    let mut u = app.current_user(id).await.unwrap().unwrap();
    u.roles.clear();
    u
}

/// An organisation of this profile in this commune, owned by `owner`.
pub async fn organisation_de_profil(
    app: &App,
    owner: &CurrentUser,
    nom: &str,
    profil: &str,
    commune: &str,
) -> i64 {
    let s = OrganisationSaisie {
        nom: nom.into(),
        profil: profil.into(),
        code_commune: Some(commune.into()),
        ..Default::default()
    };
    app.creer_organisation(owner, &s).await.unwrap().0
}

/// An association in this commune, owned by `owner`.
pub async fn organisation(app: &App, owner: &CurrentUser, nom: &str, commune: &str) -> i64 {
    organisation_de_profil(app, owner, nom, "association", commune).await
}

//! Use cases of Alliances shared by the web server and the CLI: opening the platform (database,
//! migrations, referential, indexes), the territorial referential, the change feed.

pub mod alliances;
pub mod annuaire;
pub mod bibliotheque;
pub mod catalyseurs;
pub mod comptes;
pub mod config;
pub mod contacts;
pub mod donnees;
pub mod geo;
pub mod ingenieries;
pub mod jetons;
pub mod kits;
pub mod limites;
pub mod mail;
pub mod moderation;
pub mod observatoire;
pub mod politique;
pub mod recherche_globale;
pub mod relation;
pub mod sessions_cache;
pub mod tableaux;
mod territoires;
pub mod worker;

pub use alliances_store::audit::AuditEntry;
/// Whether the database can be used right now (unreachable, disk full), for the web layer.
pub use alliances_store::db::{indisponibilite, Indisponibilite};
pub use territoires::Territoires;

use alliances_store::{changes, territoires as store_territoires, Db, StoreError};
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Geo(#[from] geo::GeoError),
    #[error(transparent)]
    Referentiel(#[from] alliances_domain::territoires::ReferentielError),
    #[error("kits invalides :\n{0}")]
    Kits(String),
    #[error("erreur interne : {0}")]
    Internal(String),
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The running platform: the database and the in-memory indexes derived from it.
pub struct App {
    pub db: Db,
    territoires: ArcSwap<Territoires>,
    /// Where this instance stands in the change feed (guarded by `refresh_lock` in use).
    curseur: std::sync::Mutex<changes::Curseur>,
    /// Per-instance rate limits (sign-up, login, reset, API).
    pub limiter: limites::RateLimiter,
    /// Per-instance cache of resolved sessions, invalidated by the account use cases and the
    /// change feed.
    pub session_cache: sessions_cache::SessionCache,
    /// Full-text and faceted search over the organisations (tantivy), kept fresh by the change
    /// feed.
    pub organisations: alliances_search::organisations::OrgIndex,
    refresh_lock: tokio::sync::Mutex<()>,
    /// Answers of recent searches, dropped whenever the index changes.
    pub cache_recherche: annuaire::recherche::CacheRecherche,
    /// Rows of import batches this process committed, indexed from memory by the refresh.
    lots_ecrits: annuaire::index::LotsEcrits,
    /// Every version of every kit served (checked as a whole at start).
    kits: ArcSwap<kits::Catalogue>,
    /// The list of public alliances, rebuilt when the change feed reports an alliance change.
    alliances_liste: ArcSwap<alliances::liste::ListeAlliances>,
    /// The support schemes and their coverage, rebuilt when the change feed reports a scheme.
    dispositifs: ArcSwap<ingenieries::IndexDispositifs>,
    /// The site's public URL, for the links of e-mails sent by use cases (set by `serve`).
    url_publique: ArcSwap<String>,
    /// Computed alliance pages (emptied by every alliance write; 5 s for other instances').
    pub vues_alliances: alliances::cache::VuesAlliances,
    /// The matching index of « mise en relation », kept fresh by the change feed.
    relation: relation::index::IndexPartage,
    /// The small index of the global search (alliances, schemes, library, territories), built
    /// on first use and kept fresh by the change feed (`recherche_globale.rs`).
    recherche_globale: tokio::sync::OnceCell<alliances_search::globale::IndexGlobal>,
    /// The territory dashboards' counters, kept up to date by the change feed.
    tableaux: tableaux::TableauxPartages,
}

impl App {
    /// Connects, migrates, loads the shipped referential when the database has none, and builds
    /// the indexes.
    pub async fn open(database_url: &str, max_connections: u32) -> Result<Arc<App>, AppError> {
        let db = Db::connect(database_url, max_connections).await?;
        db.migrate().await?;
        if store_territoires::count_all(&db).await? == 0 {
            let shipped = geo::shipped()?;
            if store_territoires::load_if_empty(&db, || shipped, now()).await? {
                tracing::info!("referential loaded from the shipped copy (data/territoires)");
            }
        }
        // Broken shipped figures stop the start too.
        observatoire::chiffres_publies()?;
        // A broken kit stops the start: never serve half of one.
        let kits = kits::Catalogue::embarques().map_err(|e| AppError::Kits(e.to_string()))?;
        // Read before the indexes are built: what commits meanwhile is applied again, harmlessly.
        let seq = changes::depart(&db, now()).await?;
        let territoires = Territoires::load(&db).await?;
        let organisations = annuaire::index::build(&db, &territoires.referentiel)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let alliances_liste = alliances::liste::ListeAlliances::construire(
            &alliances_store::alliances::toutes(&db).await?,
            &territoires.referentiel,
        );
        let dispositifs = ingenieries::IndexDispositifs::construire(
            alliances_store::ingenieries::tous(&db).await?,
            &territoires.referentiel,
        );
        let relation = relation::index::IndexPartage::default();
        relation.reconstruire(&db, &territoires.referentiel).await?;
        let tableaux = tableaux::TableauxPartages::default();
        tableaux.remplacer(
            tableaux::synchro::construire(
                &db,
                &territoires.referentiel,
                kits.dernier(relation::index::KIT_MATURITE)
                    .map(|k| k.as_ref()),
            )
            .await?,
        );
        Ok(Arc::new(App {
            tableaux,
            relation,
            db,
            territoires: ArcSwap::from_pointee(territoires),
            curseur: std::sync::Mutex::new(changes::Curseur::depuis(seq)),
            limiter: limites::RateLimiter::default(),
            session_cache: sessions_cache::SessionCache::default(),
            organisations,
            refresh_lock: tokio::sync::Mutex::new(()),
            cache_recherche: Default::default(),
            lots_ecrits: Default::default(),
            kits: ArcSwap::from_pointee(kits),
            alliances_liste: ArcSwap::from_pointee(alliances_liste),
            dispositifs: ArcSwap::from_pointee(dispositifs),
            url_publique: ArcSwap::from_pointee("http://127.0.0.1:8080".to_string()),
            vues_alliances: Default::default(),
            recherche_globale: Default::default(),
        }))
    }

    /// The base of the links in e-mails sent by use cases (`public_url` of the configuration).
    pub fn definir_url_publique(&self, url: &str) {
        self.url_publique
            .store(Arc::new(url.trim_end_matches('/').to_string()));
    }

    pub fn url_publique(&self) -> Arc<String> {
        self.url_publique.load_full()
    }

    /// The list of public alliances (a cheap snapshot).
    pub fn alliances_liste(&self) -> Arc<alliances::liste::ListeAlliances> {
        self.alliances_liste.load_full()
    }

    /// The current referential and its indexes (a cheap snapshot).
    pub fn territoires(&self) -> Arc<Territoires> {
        self.territoires.load_full()
    }

    /// Replaces the referential in the database (all or nothing) and in memory.
    pub async fn replace_referentiel(
        &self,
        data: &alliances_domain::territoires::ReferentielData,
    ) -> Result<(), AppError> {
        // Build first: an inconsistent referential never reaches the database.
        alliances_domain::territoires::Referentiel::build(data.clone())?;
        store_territoires::replace(&self.db, data, now()).await?;
        self.refresh().await?;
        Ok(())
    }

    /// Applies the changes written since the last call (by this or another instance) to the
    /// in-memory indexes; returns how many changes were read.
    pub async fn refresh(&self) -> Result<usize, AppError> {
        // One refresh at a time: the feed is applied in order.
        let _serial = self.refresh_lock.lock().await;
        self.session_cache.purge(now());
        let mut curseur = self.curseur.lock().expect("feed cursor").clone();
        let batch = changes::suivants(&self.db, &mut curseur, 1000).await?;
        // The database answered: requests may use it again (see `db::indisponibilite`).
        alliances_store::db::joignable();
        if let Some((seq, depuis)) = curseur.en_attente() {
            if depuis.as_secs() >= 30 && depuis.as_secs() % 30 == 0 {
                tracing::warn!(
                    seq,
                    secondes = depuis.as_secs(),
                    "change feed: waiting for a transaction that took number {seq} to end"
                );
            }
        }
        let Some(last) = batch.last().map(|c| c.seq) else {
            *self.curseur.lock().expect("feed cursor") = curseur;
            return Ok(0);
        };
        self.session_cache.apply_changes(&batch);
        if batch.iter().any(|c| c.entity == "referentiel") {
            let fresh = Territoires::load(&self.db).await?;
            self.territoires.store(Arc::new(fresh));
            tracing::info!("referential reloaded after change {last}");
            // Territory terms of every organisation depend on the referential.
            let docs = annuaire::index::all_docs(&self.db, &self.territoires().referentiel).await?;
            self.organisations
                .rebuild(docs.into_iter())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            self.cache_recherche.invalider();
        } else {
            // Imports announce a whole batch as one id range `first-last`.
            let plages: Vec<(i64, i64)> = batch
                .iter()
                .filter(|c| c.entity == annuaire::ENTITE_LOT)
                .filter_map(|c| {
                    let (a, b) = c.entity_id.split_once('-')?;
                    Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?))
                })
                .collect();
            if !plages.is_empty() {
                self.reindex_organisation_ranges(&plages).await?;
            }
            // After the ranges: a record changed after its import batch gets its latest content.
            let mut ids: Vec<i64> = batch
                .iter()
                .filter(|c| c.entity == annuaire::ENTITE)
                .filter_map(|c| c.entity_id.parse().ok())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if !ids.is_empty() {
                self.reindex_organisations(&ids).await?;
            }
        }
        if batch
            .iter()
            .any(|c| c.entity == alliances::ENTITE || c.entity == "referentiel")
        {
            let fiches = alliances_store::alliances::toutes(&self.db).await?;
            let liste = alliances::liste::ListeAlliances::construire(
                &fiches,
                &self.territoires().referentiel,
            );
            self.alliances_liste.store(Arc::new(liste));
        }
        if batch
            .iter()
            .any(|c| c.entity == ingenieries::ENTITE || c.entity == "referentiel")
        {
            self.recharger_dispositifs().await?;
        }
        self.relation
            .suivre(&self.db, &self.territoires().referentiel, &batch)
            .await?;
        self.suivre_recherche_globale(&batch).await?;
        self.suivre_tableaux(&batch).await?;
        debug_assert_eq!(curseur.dernier, last);
        *self.curseur.lock().expect("feed cursor") = curseur;
        Ok(batch.len())
    }

    /// Tails the change feed every `every` until `shutdown` resolves.
    pub fn spawn_change_feed(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let app = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = app.refresh().await {
                    tracing::warn!(error = %e, "change feed: refresh failed, will retry");
                }
            }
        })
    }

    /// Ready to serve: the database answers and the indexes are built.
    pub async fn ready(&self) -> Result<(), AppError> {
        self.db.ping().await?;
        Ok(())
    }
}

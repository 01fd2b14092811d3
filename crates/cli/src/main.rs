//! `alliances`: the one binary of the platform. Subcommands over the shared app layer.
//!
//! Exit codes: 0 success, 1 bad input or failure (the message says what), 2 usage error.

mod bench;
mod bench_alliances;
mod bench_annuaire;
mod bench_annuaire_http;
mod bench_annuaire_io;
mod bench_ingenieries;
mod bench_kits;
mod bench_observatoire;
mod bench_outils;
mod bench_recherche;
mod bench_relation;
mod bench_tableaux;
mod kit;
mod observatoire;

use alliances_app::config::{Config, LogFormat};
use alliances_app::{geo, App};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "alliances",
    version,
    about = "Alliances — des alliances stratégiques au service du bien commun, sur tous les territoires."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; shared by every command.
#[derive(Args, Clone, Debug, Default)]
struct DbArgs {
    /// Folder of the embedded SQLite database (default ./alliances-data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH?mode=rwc or postgres://USER:PASSWORD@HOST/DB); overrides --data-dir.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Configuration file (TOML), over the defaults and under ALLIANCES_* variables and flags.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Args, Clone, Debug)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web server (pages and JSON API).
    Serve(ServeArgs),
    /// Loads the demonstration content, then runs the web server. Running it twice duplicates nothing.
    Demo(ServeArgs),
    /// Creates or upgrades the database schema, then exits.
    Migrate(DbArgs),
    /// The territorial referential.
    Geo {
        #[command(subcommand)]
        command: GeoCommand,
    },
    /// Administration: first setup.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    // --- annuaire: import and export (see the block "Annuaire: import and export" below) ---
    /// Imports into the annuaire: the RNA "waldec" export, a SIRENE establishments subset, any
    /// CSV with a mapping file. Streamed, every row validated, resumable, idempotent.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Open data exports of the annuaire (public fields only, with their licence).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    // --- end annuaire ---
    /// Kit definitions: `alliances kit check FILE|DIR`.
    Kit {
        #[command(subcommand)]
        command: kit::KitCommand,
    },
    /// Observatoire: calibration of survey weights on margins and weighted estimates
    /// (`alliances observatoire calibrate|estimate`).
    Observatoire {
        #[command(subcommand)]
        command: observatoire::ObservatoireCommand,
    },
    /// Benchmarks (results go to BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates an account with a platform role (or gives the role to an existing account) and
    /// prints a one-time link, valid 48 hours, to choose its password. No password is ever
    /// passed on the command line.
    CreateUser {
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the address before @).
        #[arg(long)]
        name: Option<String>,
        /// admin, moderateur, analyste-observatoire or operateur-dispositif.
        #[arg(long, default_value = "admin")]
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Creates an API token for an existing account and prints it (the only time it is shown):
    /// for scripts and data stewards. Revocable from the account page.
    CreateToken {
        #[arg(long)]
        email: String,
        /// What the token is for (shown on the account page).
        #[arg(long, default_value = "ligne de commande")]
        name: String,
        /// Read and write (default: read only).
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Backs the whole database up into a new file, while servers keep running. SQLite: an
    /// online, consistent copy, checked before it is kept. PostgreSQL: `pg_dump --format=custom`
    /// (the client tools of the server's version must be installed).
    Backup {
        /// The backup file to create (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Replaces the whole database with a backup made by `admin backup`. Stop every server
    /// first (on SQLite a running server is detected and the restore refused). The backup is
    /// checked before anything changes.
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Confirms that the current data is to be replaced.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum GeoCommand {
    /// Replaces the referential with a release of @etalab/decoupage-administratif: DIR is the
    /// package's data/ folder (regions.json, departements.json, epci.json, communes.json).
    /// All or nothing: a broken release leaves the current referential untouched.
    Import {
        /// The data/ folder of the npm package.
        dir: PathBuf,
        /// Vintage (year of the official geographic code); read from the package.json next to DIR when absent.
        #[arg(long)]
        millesime: Option<String>,
        /// Also writes the compact copy shipped with the sources (data/territoires) into this folder.
        #[arg(long, value_name = "DIR")]
        write_data: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn load_config(db: &DbArgs, bind: Option<&str>) -> anyhow::Result<Config> {
    let mut config = Config::load(db.config.as_deref(), std::env::vars())?;
    if let Some(d) = &db.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(u) = &db.database_url {
        config.database_url = u.clone();
    }
    if let Some(b) = bind {
        config.bind = b.to_string();
    }
    Ok(config)
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ALLIANCES_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn decrire_sauvegarde(r: &alliances_store::sauvegarde::Rapport) -> String {
    let lignes: Vec<String> = r.lignes.iter().map(|(t, n)| format!("{t} {n}")).collect();
    format!(
        "{} ({} bytes{}; rows: {})",
        r.fichier.display(),
        r.octets,
        r.migration
            .map(|m| format!(", migration {m}"))
            .unwrap_or_default(),
        lignes.join(", ")
    )
}

async fn open(config: &Config) -> anyhow::Result<std::sync::Arc<App>> {
    let url = config.effective_database_url();
    App::open(&url, config.max_connections)
        .await
        .with_context(|| {
            format!(
                "cannot open the platform on {}",
                alliances_store::db::redact_url(&url)
            )
        })
}

async fn run_server(args: ServeArgs, demo: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut config = load_config(&args.db, args.bind.as_deref())?;
    if demo {
        // The demo never sends real e-mail: everything goes to the outbox folder and page.
        config.mail_mode = alliances_app::config::MailMode::Folder;
    }
    init_logs(config.log_format);
    tracing::info!("configuration:\n{}", config.redacted());
    // Held until the server stops: `admin restore` refuses to replace a database in use.
    let _instance =
        alliances_store::sauvegarde::InstanceLock::prendre(&config.effective_database_url())?;
    let app = open(&config).await?;
    if !config.kits_dir.is_empty() {
        // Kits read from a folder replace the built-in ones; a broken file stops the start.
        let dir = std::path::Path::new(&config.kits_dir);
        let catalogue = alliances_app::kits::Catalogue::depuis_dossier(dir)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| {
                format!(
                    "kits_dir {}: the server does not start with a broken kit",
                    dir.display()
                )
            })?;
        app.remplacer_kits(catalogue);
        tracing::info!("kits read from {}", dir.display());
    }
    if demo {
        // The demonstration content grows with each module; the referential is real data, loaded
        // by `open` above; the annuaire's organisations are fictional and labelled as such.
        let loaded = app
            .charger_demo_annuaire(alliances_app::annuaire::demo::DEMO_ORGANISATIONS)
            .await
            .context("demo content: annuaire")?;
        tracing::info!(
            "demo content: territorial referential ({} territories), {} fictional organisations loaded now ({} in the index)",
            app.territoires().referentiel.len(),
            loaded,
            app.organisations.len()
        );
        let resultats = app
            .charger_demo_kits()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo content: kit results")?;
        tracing::info!("demo content: {resultats} kit results of demo organisations loaded now");
        let alliances = app
            .charger_demo_alliances(alliances_app::alliances::demo::DEMO_ALLIANCES)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo content: alliances")?;
        tracing::info!("demo content: {alliances} fictional alliances loaded now");
        let dispositifs = app
            .charger_demo_ingenieries()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo content: support schemes")?;
        tracing::info!("demo content: {dispositifs} fictional support schemes loaded now");
        let vagues = app
            .charger_demo_observatoire()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo content: observatory study")?;
        tracing::info!(
            "demo content: {vagues} waves of a fictional observatory study published now"
        );
        let bibliotheque = app
            .charger_demo_bibliotheque()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("demo content: resource library")?;
        tracing::info!(
            "demo content: {bibliotheque} fictional resources, examples and events loaded now"
        );
    }
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let feed = app.spawn_change_feed(std::time::Duration::from_millis(
        config.change_feed_poll_ms.max(100),
    ));
    // The global search's small index is built on first use: build it now, in the background.
    {
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = app.index_global().await {
                tracing::warn!(error = %e, "global search index not built (retried on first search)");
            }
        });
    }
    let mailer =
        alliances_app::mail::mailer_from_config(&config).context("e-mail configuration")?;
    let worker = app.spawn_job_worker(
        mailer,
        alliances_app::worker::default_worker_id(),
        std::time::Duration::from_millis(config.jobs_poll_ms.max(50)),
    );
    let reminders = app.spawn_rappels_fraicheur(
        config.public_url.clone(),
        std::time::Duration::from_secs(3600),
    );
    // Links in the e-mails of alliances; values due are reminded hourly.
    app.definir_url_publique(&config.public_url);
    let values_due = app.spawn_rappels_valeurs(config.public_url.clone());
    // Contact requests unanswered for 30 days are closed (checked hourly, once across instances).
    let contacts_expiry = app.spawn_demandes_sans_reponse(std::time::Duration::from_secs(3600));
    // The library's links are checked (each at most weekly) by a job queued hourly.
    let library_links = app.spawn_verification_liens(std::time::Duration::from_secs(3600));
    let outbox = (config.mail_mode == alliances_app::config::MailMode::Folder)
        .then(|| alliances_app::mail::outbox_dir(&config));
    let router = alliances_web::build_router(
        app.clone(),
        alliances_web::WebOptions {
            behind_tls: config.behind_tls,
            public_url: config.public_url.clone(),
            outbox,
            trust_forwarded_for: config.trust_forwarded_for,
        },
    );
    println!("listening on http://{addr}");
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "ready on http://{addr}"
    );
    alliances_web::serve(listener, router, shutdown_signal()).await?;
    feed.abort();
    worker.abort();
    reminders.abort();
    values_due.abort();
    contacts_expiry.abort();
    library_links.abort();
    app.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => run_server(args, false).await,
        Command::Demo(args) => run_server(args, true).await,
        Command::Migrate(db) => {
            let config = load_config(&db, None)?;
            init_logs(config.log_format);
            let app = open(&config).await?;
            println!(
                "database ready: {} ({} territories)",
                app.db.redacted_url(),
                app.territoires().referentiel.len()
            );
            Ok(())
        }
        Command::Geo {
            command:
                GeoCommand::Import {
                    dir,
                    millesime,
                    write_data,
                    db,
                },
        } => {
            let config = load_config(&db, None)?;
            init_logs(config.log_format);
            let data = geo::read_etalab(&dir, millesime.as_deref()).with_context(|| {
                format!(
                    "{} was not imported; the current referential is unchanged",
                    dir.display()
                )
            })?;
            let app = open(&config).await?;
            app.replace_referentiel(&data)
                .await
                .context("the referential was not replaced")?;
            println!(
                "referential replaced: {} ({}), {} régions, {} départements, {} EPCI, {} communes",
                data.source.source,
                data.source.millesime,
                data.regions.len(),
                data.departements.len(),
                data.epcis.len(),
                data.communes.len()
            );
            if let Some(out) = write_data {
                geo::write_compact(&data, &out)?;
                println!("compact copy written to {}", out.display());
            }
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    email,
                    name,
                    role,
                    db,
                },
        } => {
            let config = load_config(&db, None)?;
            init_logs(config.log_format);
            let role = alliances_domain::comptes::Role::from_slug(&role).with_context(|| {
                format!("unknown role « {role} »: expected admin, moderateur, analyste-observatoire or operateur-dispositif")
            })?;
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
            let app = open(&config).await?;
            let (id, link) = app
                .create_user_with_role(&email, &name, role, &config.public_url)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("account {id} ({email}) has the role {}", role.slug());
            println!("to choose its password, open within 48 hours: {link}");
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::CreateToken {
                    email,
                    name,
                    write,
                    db,
                },
        } => {
            let config = load_config(&db, None)?;
            init_logs(config.log_format);
            let app = open(&config).await?;
            let email = email.trim().to_lowercase();
            let user = alliances_store::users::by_email(&app.db, &email)
                .await?
                .with_context(|| format!("no account with the address {email}: create it first with `alliances admin create-user`"))?;
            let scope = if write {
                alliances_app::jetons::Scope::ReadWrite
            } else {
                alliances_app::jetons::Scope::Read
            };
            let (_, token) = app
                .create_api_token(user.id, &name, scope)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "token « {name} » ({}) for {email}; it is shown only now:",
                scope.as_str()
            );
            println!("{token}");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Backup { out, db },
        } => {
            let config = load_config(&db, None)?;
            init_logs(config.log_format);
            let url = config.effective_database_url();
            let rapport = alliances_store::sauvegarde::sauvegarder(&url, &out)
                .await
                .with_context(|| format!("backup into {} failed", out.display()))?;
            println!("backup written: {}", decrire_sauvegarde(&rapport));
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Restore { from, yes, db },
        } => {
            let config = load_config(&db, None)?;
            init_logs(config.log_format);
            let url = config.effective_database_url();
            if !yes {
                anyhow::bail!(
                    "a restore replaces every record of {} with the backup {}: run again with --yes to confirm",
                    alliances_store::db::redact_url(&url),
                    from.display()
                );
            }
            let rapport = alliances_store::sauvegarde::restaurer(&url, &from)
                .await
                .with_context(|| format!("restore from {} failed", from.display()))?;
            println!(
                "database restored from {}; servers rebuild their indexes when they start",
                decrire_sauvegarde(&rapport)
            );
            Ok(())
        }
        Command::Import { command } => import_command(command).await,
        Command::Export { command } => export_command(command).await,
        Command::Kit { command } => kit::run(command),
        Command::Observatoire { command } => observatoire::run(command),
        Command::Bench { command } => bench::run(command).await,
    }
}

// === Annuaire: import and export ==============================================================
// `alliances import rna|sirene|csv FILE`, `alliances export organisations`. They open the
// database alone (no search index in this process: running servers pick the imported rows up
// through the change feed), so that they start fast and stay small on large databases.

#[derive(Args, Clone, Debug)]
struct ImportArgs {
    /// The file to import (streamed: any size).
    file: PathBuf,
    /// Prints the summary as JSON on stdout (progress still goes to stderr).
    #[arg(long)]
    json: bool,
    /// Rows per committed batch: the resume point after an interruption.
    #[arg(long, value_name = "N", default_value_t = alliances_app::annuaire::import::TAILLE_LOT)]
    batch_size: usize,
    /// Reads and validates every row as the import would, prints the problems and writes
    /// nothing; exits with 1 when some rows would be rejected.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// The RNA "waldec" export (répertoire national des associations): semicolon-separated,
    /// UTF-8 or Latin-1 (detected); columns found by their header name. Running it again updates
    /// (same RNA id, then same SIRET) and never duplicates; after an interruption it resumes
    /// after the last committed batch.
    Rna(ImportArgs),
    /// A SIRENE establishments subset (INSEE StockEtablissement column names, comma-separated);
    /// see README.md for the columns read.
    Sirene(ImportArgs),
    /// Any CSV described by a mapping file (TOML: separator, encoding, column of each field,
    /// constants, source and licence; see README.md).
    Csv {
        #[command(flatten)]
        args: ImportArgs,
        /// The mapping file.
        #[arg(long, value_name = "MAPPING.toml")]
        mapping: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ExportFormat {
    Csv,
    Jsonl,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Every live organisation's public fields (never private contacts), official codes
    /// included, each row with its source and licence; merged records left out. Constant memory.
    Organisations {
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// CSV separator: `,` (default) or `;` for spreadsheets.
        #[arg(long, default_value = ",", value_parser = [",", ";"])]
        separateur: String,
        /// Output file (default: standard output).
        #[arg(long, value_name = "FILE")]
        sortie: Option<PathBuf>,
        /// Prints the summary as JSON (on stdout with --sortie, else on stderr).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// The database and the referential, without the search index.
async fn open_db(
    config: &Config,
) -> anyhow::Result<(
    alliances_store::Db,
    std::sync::Arc<alliances_app::Territoires>,
)> {
    let url = config.effective_database_url();
    let redacted = alliances_store::db::redact_url(&url);
    let db = alliances_store::Db::connect(&url, config.max_connections.max(2))
        .await
        .with_context(|| format!("cannot open the database {redacted}"))?;
    db.migrate().await.context("cannot migrate the database")?;
    if alliances_store::territoires::count_all(&db).await? == 0 {
        let shipped = geo::shipped()?;
        alliances_store::territoires::load_if_empty(&db, || shipped, alliances_app::now()).await?;
    }
    let territoires = alliances_app::Territoires::load(&db).await?;
    Ok((db, std::sync::Arc::new(territoires)))
}

/// Progress of long work on stderr: a bar with rate and ETA on a terminal, a plain line every
/// few seconds otherwise.
struct Avancement {
    barre: Option<indicatif::ProgressBar>,
    debut: Instant,
    dernier: std::sync::Mutex<Option<Instant>>,
    quoi: String,
}

impl Avancement {
    fn new(quoi: &str, total: u64, unite_octets: bool) -> Self {
        use std::io::IsTerminal;
        let barre = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(total.max(1));
            let gabarit = if unite_octets {
                "{prefix} {wide_bar} {percent:>3}% {msg} · ETA {eta}"
            } else {
                "{prefix} {wide_bar} {pos}/{len} {msg} · ETA {eta}"
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(gabarit) {
                b.set_style(style);
            }
            b.set_prefix(quoi.to_string());
            b
        });
        Avancement {
            barre,
            debut: Instant::now(),
            dernier: std::sync::Mutex::new(None),
            quoi: quoi.to_string(),
        }
    }

    /// `fait` of `total` (bytes or rows), `lignes` rows so far, `detail` for the message.
    fn montrer(&self, fait: u64, total: u64, lignes: u64, detail: &str) {
        let secondes = self.debut.elapsed().as_secs_f64().max(1e-3);
        let debit = lignes as f64 / secondes;
        if let Some(b) = &self.barre {
            b.set_length(total.max(1));
            b.set_position(fait.min(total));
            b.set_message(format!("{detail}, {debit:.0} rows/s"));
            return;
        }
        let mut dernier = self.dernier.lock().unwrap_or_else(|e| e.into_inner());
        if dernier.is_some_and(|d| d.elapsed().as_secs_f64() < 2.0) && fait < total {
            return;
        }
        *dernier = Some(Instant::now());
        let part = if total > 0 {
            fait as f64 / total as f64
        } else {
            1.0
        };
        let eta = if part > 0.0 {
            secondes * (1.0 - part) / part
        } else {
            0.0
        };
        eprintln!(
            "{}: {:.0} % — {detail}, {debit:.0} rows/s, ETA {eta:.0} s",
            self.quoi,
            part * 100.0
        );
    }

    fn finir(&self) {
        if let Some(b) = &self.barre {
            b.finish_and_clear();
        }
    }
}

/// `alliances import … --check`: the rows an import would write or reject, nothing written.
async fn verifier_import(
    prep: alliances_app::annuaire::import::Preparation,
    territoires: std::sync::Arc<alliances_app::Territoires>,
    args: &ImportArgs,
) -> anyhow::Result<()> {
    let v = tokio::task::spawn_blocking(move || {
        alliances_app::annuaire::import::verifier(
            &prep,
            &territoires.referentiel,
            alliances_app::now(),
        )
    })
    .await?
    .with_context(|| format!("{} could not be read to its end", args.file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{} ({}, {}): {} rows read, {} would be imported, {} rejected, {} warnings; nothing written",
            args.file.display(),
            v.format,
            v.encodage,
            v.lignes_lues,
            v.valides,
            v.rejetees,
            v.avertissements
        );
        for p in v.problemes.iter().take(20) {
            println!("  {p}");
        }
        if v.problemes.len() > 20 {
            println!(
                "  … and {} more (--json lists them)",
                v.problemes.len() - 20
            );
        }
    }
    if v.rejetees > 0 {
        anyhow::bail!("{} rows would be rejected", v.rejetees);
    }
    Ok(())
}

async fn import_command(command: ImportCommand) -> anyhow::Result<()> {
    use alliances_app::annuaire::import::{self, Format, Options};
    let (args, format) = match command {
        ImportCommand::Rna(a) => (a, Format::Rna),
        ImportCommand::Sirene(a) => (a, Format::Sirene),
        ImportCommand::Csv { args, mapping } => {
            let texte = std::fs::read_to_string(&mapping)
                .with_context(|| format!("cannot read the mapping file {}", mapping.display()))?;
            let f = Format::csv(&texte)
                .with_context(|| format!("mapping file {}", mapping.display()))?;
            (args, f)
        }
    };
    let config = load_config(&args.db, None)?;
    init_logs(config.log_format);
    let chemin = args.file.clone();
    let nom = chemin
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| chemin.display().to_string());
    // Checks the file before touching the database: not a CSV, missing columns… → exit 1.
    let prep = {
        let (chemin, nom) = (chemin.clone(), nom.clone());
        tokio::task::spawn_blocking(move || import::preparer(&chemin, &nom, format))
            .await?
            .with_context(|| format!("{} was not imported", args.file.display()))?
    };
    let (db, territoires) = open_db(&config).await?;
    if args.check {
        db.close().await;
        return verifier_import(prep, territoires, &args).await;
    }
    let quoi = format!("import {}", prep.format.slug());
    let avancement = Avancement::new(&quoi, prep.octets, true);
    let options = Options {
        taille_lot: args.batch_size.max(1),
        ..Options::default()
    };
    // Ctrl-C: stop after the batch being written; the same command resumes.
    let arret = options.annulation.clone();
    let veille = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            arret.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let rapport = import::importer(&db, territoires, prep, None, options, &|p| {
        avancement.montrer(
            p.octets_lus,
            p.octets_total,
            p.lignes_lues_ici,
            &format!(
                "{} rows, {} imported, {} rejected",
                p.lignes_lues, p.importees, p.rejetees
            ),
        )
    })
    .await;
    veille.abort();
    avancement.finir();
    let r = rapport.with_context(|| format!("{} was not fully imported", args.file.display()))?;
    db.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        let debit = r.lignes_lues_ici as f64 / r.secondes.max(1e-3);
        println!(
            "{} ({}, {}) → batch {}: {} rows read, {} imported ({} new, {} updated, {} unchanged), {} rejected, {} warnings, {} likely duplicates queued for review; {:.1} s, {:.0} rows/s",
            r.fichier,
            r.format,
            r.encodage,
            r.lot_id,
            r.lignes_lues,
            r.importees,
            r.creees,
            r.mises_a_jour,
            r.inchangees,
            r.rejetees,
            r.avertissements,
            r.doublons_signales,
            r.secondes,
            debit
        );
        if r.reprise_apres_ligne > 0 {
            println!(
                "resumed an interrupted import after line {}",
                r.reprise_apres_ligne
            );
        }
        if !r.problemes.is_empty() {
            println!(
                "problems (first {} of this run; the batch report is at /admin/imports):",
                r.problemes.len().min(20)
            );
            for p in r.problemes.iter().take(20) {
                println!("  {p}");
            }
        }
        if !r.termine {
            println!(
                "interrupted: run the same command again to resume after line {}",
                r.lignes_lues + 1
            );
        }
        println!(
            "running servers index the new rows through the change feed (change_feed_poll_ms)"
        );
    }
    Ok(())
}

async fn export_command(command: ExportCommand) -> anyhow::Result<()> {
    use alliances_app::annuaire::export::{self, FormatExport};
    let ExportCommand::Organisations {
        format,
        separateur,
        sortie,
        json,
        db,
    } = command;
    let config = load_config(&db, None)?;
    init_logs(config.log_format);
    let format = match format {
        ExportFormat::Csv => FormatExport::Csv {
            separateur: separateur.as_bytes().first().copied().unwrap_or(b','),
        },
        ExportFormat::Jsonl => FormatExport::Jsonl,
    };
    let (db, territoires) = open_db(&config).await?;
    let total = alliances_store::organisations::count(&db).await?.max(0) as u64;
    let avancement = Avancement::new("export", total, false);
    let debut = Instant::now();
    let progression = |n: u64| avancement.montrer(n, total, n, &format!("{n} organisations"));
    let n = match &sortie {
        Some(chemin) => {
            let f = std::fs::File::create(chemin)
                .with_context(|| format!("cannot create {}", chemin.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            export::exporter(
                &db,
                Some(&territoires.referentiel),
                format,
                &mut w,
                &progression,
            )
            .await?
        }
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            export::exporter(
                &db,
                Some(&territoires.referentiel),
                format,
                &mut w,
                &progression,
            )
            .await?
        }
    };
    avancement.finir();
    db.close().await;
    let resume = serde_json::json!({
        "organisations": n,
        "format": format.extension(),
        "sortie": sortie.as_ref().map(|p| p.display().to_string()),
        "licence": export::LICENCE,
        "secondes": debut.elapsed().as_secs_f64(),
    });
    let texte = if json {
        resume.to_string()
    } else {
        format!(
            "exported {n} organisations ({}) in {:.1} s; each row carries its source and licence (export: {})",
            format.extension(),
            debut.elapsed().as_secs_f64(),
            export::LICENCE
        )
    };
    if sortie.is_some() {
        println!("{texte}");
    } else {
        eprintln!("{texte}");
    }
    Ok(())
}
// === end Annuaire: import and export ==========================================================

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

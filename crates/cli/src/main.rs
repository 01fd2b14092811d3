//! `alliances`: the one binary of the platform. Subcommands over the shared app layer.
//!
//! Exit codes: 0 success, 1 bad input or failure (the message says what), 2 usage error.

mod bench;

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
    let app = open(&config).await?;
    if demo {
        // The demonstration content grows with each module; the referential is real data, loaded
        // by `open` above. Nothing else is demo content yet.
        tracing::info!(
            "demo content: territorial referential ({} territories)",
            app.territoires().referentiel.len()
        );
    }
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let feed = app.spawn_change_feed(std::time::Duration::from_millis(
        config.change_feed_poll_ms.max(100),
    ));
    let mailer =
        alliances_app::mail::mailer_from_config(&config).context("e-mail configuration")?;
    let worker = app.spawn_job_worker(
        mailer,
        alliances_app::worker::default_worker_id(),
        std::time::Duration::from_millis(config.jobs_poll_ms.max(50)),
    );
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
        Command::Bench { command } => bench::run(command).await,
    }
}

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

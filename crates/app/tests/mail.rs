//! E-mail delivery by the job worker, on a real database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): over SMTP to a listener on loopback written here, and to the outbox folder.

use alliances_app::comptes::{NewAccount, OutgoingEmail};
use alliances_app::config::Config;
use alliances_app::mail::{self, FolderMailer, MailError, Mailer};
use alliances_app::worker::{self, JobOutcome};
use alliances_app::{now, App};
use alliances_store::jobs;
use sqlx::Row;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD: &str = "le vélo bleu du marché";

async fn app() -> (Arc<App>, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), guard)
}

fn config(pairs: &[(&str, &str)]) -> Config {
    Config::load(
        None,
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
    .unwrap()
}

fn smtp_config(addr: SocketAddr) -> Config {
    config(&[
        ("ALLIANCES_MAIL_MODE", "smtp"),
        ("ALLIANCES_SMTP_HOST", &addr.ip().to_string()),
        ("ALLIANCES_SMTP_PORT", &addr.port().to_string()),
        ("ALLIANCES_SMTP_TLS", "none"),
        ("ALLIANCES_SMTP_TIMEOUT_SECS", "5"),
    ])
}

async fn sign_up(app: &App, email: &str, name: &str) -> String {
    app.sign_up(
        NewAccount {
            email,
            name,
            password: PASSWORD,
        },
        "http://x",
    )
    .await
    .unwrap()
    .verification_token
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct JobState {
    attempts: i64,
    max_attempts: i64,
    run_at: i64,
    done: bool,
    last_error: Option<String>,
}

async fn job_states(app: &App) -> Vec<JobState> {
    sqlx::query("SELECT attempts, max_attempts, run_at, done_at, last_error FROM jobs ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|r| JobState {
            attempts: r.get("attempts"),
            max_attempts: r.get("max_attempts"),
            run_at: r.get("run_at"),
            done: r.get::<Option<i64>, _>("done_at").is_some(),
            last_error: r.get("last_error"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A small SMTP server: enough of RFC 5321 for one client without TLS or authentication.

#[derive(Debug, Clone)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Accept,
    RefuseRecipients,
}

struct SmtpServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpServer {
    async fn start(behaviour: Behaviour) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let _ = smtp_session(stream, behaviour, store).await;
                });
            }
        });
        SmtpServer {
            addr,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn angle_address(arg: &str) -> String {
    let start = arg.find('<').map(|i| i + 1).unwrap_or(0);
    let end = arg[start..]
        .find('>')
        .map(|i| start + i)
        .unwrap_or(arg.len());
    arg[start..end].to_string()
}

async fn smtp_session(
    stream: TcpStream,
    behaviour: Behaviour,
    store: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 smtp.test ESMTP ready\r\n").await?;
    let mut mail_from = None::<String>;
    let mut rcpt_to = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = text
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-smtp.test greets you\r\n250-SIZE 1000000\r\n250 HELP\r\n",
            "HELO" => b"250 smtp.test\r\n",
            "MAIL" => {
                mail_from = Some(angle_address(&text));
                rcpt_to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" if mail_from.is_none() => b"503 5.5.1 MAIL first\r\n",
            "RCPT" if behaviour == Behaviour::RefuseRecipients => {
                b"554 5.7.1 Relay access denied\r\n"
            }
            "RCPT" => {
                rcpt_to.push(angle_address(&text));
                b"250 2.1.5 OK\r\n"
            }
            "DATA" if rcpt_to.is_empty() => b"503 5.5.1 RCPT first\r\n",
            "DATA" => {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if r.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2).
                    let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
                    data.extend_from_slice(unstuffed);
                }
                store.lock().unwrap().push(Received {
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                });
                b"250 2.0.0 OK queued\r\n"
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                w.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not recognized\r\n",
        };
        w.write_all(reply).await?;
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_verification_email_goes_out_over_smtp() {
    let server = SmtpServer::start(Behaviour::Accept).await;
    let config = smtp_config(server.addr);
    let mailer = mail::mailer_from_config(&config).unwrap();
    assert_eq!(
        mailer.describe(),
        format!("SMTP 127.0.0.1:{} (sans TLS)", server.addr.port())
    );
    let (app, _g) = app().await;
    let token = sign_up(&app, "Elodie@Asso.fr", "Élodie Martin").await;
    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 1);

    let ran = worker::run_pending_jobs_once(&app, mailer.as_ref(), "w1", now())
        .await
        .unwrap();
    assert_eq!(ran, 1);

    let got = server.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].rcpt_to, ["elodie@asso.fr"]);
    assert_eq!(got[0].mail_from, "ne-pas-repondre@alliances.localhost");
    let m = mail::parse_message(&got[0].data).unwrap();
    assert_eq!(m.to, "elodie@asso.fr");
    assert_eq!(m.from, "Alliances <ne-pas-repondre@alliances.localhost>");
    assert_eq!(
        m.subject,
        "Alliances : confirmez votre adresse e-mail / confirm your e-mail address"
    );
    assert!(
        m.body.contains("English version") && m.body.contains("To activate your Alliances account")
    );
    assert_eq!(m.content_type, "text/plain; charset=utf-8");
    assert!(
        m.body
            .contains(&format!("http://x/compte/verification/{token}")),
        "{}",
        m.body
    );
    assert!(m.body.contains("Bonjour Élodie Martin,"), "{}", m.body);

    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 0);
    let state = &job_states(&app).await[0];
    assert!(state.done && state.attempts == 1 && state.last_error.is_none());
    // Nothing left to do: a second pass runs nothing and sends nothing.
    assert_eq!(
        worker::run_pending_jobs_once(&app, mailer.as_ref(), "w1", now() + 3600)
            .await
            .unwrap(),
        0
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_refused_email_is_retried_with_backoff_until_its_attempts_run_out() {
    let server = SmtpServer::start(Behaviour::RefuseRecipients).await;
    let mailer = mail::mailer_from_config(&smtp_config(server.addr)).unwrap();
    let (app, _g) = app().await;
    sign_up(&app, "refuse@asso.fr", "Refusé").await;

    let t0 = now();
    let (_, outcome) = worker::run_next_job(&app, mailer.as_ref(), "w1", t0)
        .await
        .unwrap()
        .expect("the e-mail job runs");
    let JobOutcome::Failed {
        error,
        retry_at,
        gave_up,
    } = outcome
    else {
        panic!("a refusal must fail the job: {outcome:?}")
    };
    assert!(!gave_up);
    assert!(
        error.contains(&format!("127.0.0.1:{}", server.addr.port())),
        "{error}"
    );
    assert!(
        error.contains("refus définitif") && error.contains("554"),
        "{error}"
    );
    let delay = worker::retry_delay(1);
    assert!((t0 + delay..=t0 + delay + 1).contains(&retry_at));

    let state = job_states(&app).await.remove(0);
    assert_eq!(state.attempts, 1);
    assert!(!state.done);
    assert_eq!(state.run_at, retry_at);
    assert_eq!(state.last_error.as_deref(), Some(error.as_str()));
    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 1);

    // Not due before its retry time.
    assert_eq!(
        worker::run_pending_jobs_once(&app, mailer.as_ref(), "w2", retry_at - 1)
            .await
            .unwrap(),
        0
    );

    // Each retry fails again, later each time, until the attempts are used up.
    let mut previous = (state.attempts, state.run_at - t0);
    loop {
        let state = job_states(&app).await.remove(0);
        let ran = worker::run_pending_jobs_once(&app, mailer.as_ref(), "w2", state.run_at)
            .await
            .unwrap();
        let after = job_states(&app).await.remove(0);
        assert!(after.attempts <= after.max_attempts, "{after:?}");
        if ran == 0 {
            assert_eq!(after.attempts, after.max_attempts);
            break;
        }
        assert_eq!(ran, 1);
        assert_eq!(after.attempts, previous.0 + 1);
        let waited = after.run_at - state.run_at;
        assert!(
            waited > previous.1,
            "backoff grows: {waited} after {}",
            previous.1
        );
        assert!(after.last_error.as_deref().unwrap().contains("554"));
        previous = (after.attempts, waited);
    }
    assert_eq!(previous.0, 5, "sign-up e-mails get five attempts");
    // Given up: still not done, never claimed again, nothing delivered.
    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 1);
    assert!(
        worker::run_next_job(&app, mailer.as_ref(), "w3", now() + 30 * 24 * 3600)
            .await
            .unwrap()
            .is_none()
    );
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_a_clear_error() {
    // A port that was just free: connections are refused.
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let mailer = mail::mailer_from_config(&smtp_config(addr)).unwrap();
    let email = OutgoingEmail {
        to: "a@b.fr".into(),
        subject: "Test".into(),
        body: "Test".into(),
    };
    match mailer.send(&email).await {
        Err(e @ MailError::Smtp { .. }) => {
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("serveur SMTP 127.0.0.1:{} : ", addr.port())),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }

    let (app, _g) = app().await;
    sign_up(&app, "personne@asso.fr", "Personne").await;
    assert_eq!(
        worker::run_pending_jobs_once(&app, mailer.as_ref(), "w1", now())
            .await
            .unwrap(),
        1
    );
    let state = job_states(&app).await.remove(0);
    assert!(!state.done && state.attempts == 1);
    assert!(state
        .last_error
        .unwrap()
        .contains(&format!("127.0.0.1:{}", addr.port())));
}

#[tokio::test]
async fn a_silent_smtp_server_times_out() {
    // Accepts connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut config = smtp_config(addr);
    config.smtp_timeout_secs = 1;
    let mailer = mail::mailer_from_config(&config).unwrap();
    let email = OutgoingEmail {
        to: "a@b.fr".into(),
        subject: "Test".into(),
        body: "Test".into(),
    };
    let started = std::time::Instant::now();
    let e = mailer.send(&email).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "serveur SMTP 127.0.0.1:{} : délai dépassé",
            addr.port()
        )),
        "{text}"
    );
    silent.abort();
}

#[tokio::test]
async fn smtp_configuration_errors_stop_at_start() {
    let no_host = config(&[("ALLIANCES_MAIL_MODE", "smtp")]);
    let e = mail::mailer_from_config(&no_host).err().expect("refused");
    assert!(e.to_string().contains("smtp_host"), "{e}");
    let bad_from = config(&[("ALLIANCES_MAIL_FROM", "Alliances <pas une adresse>")]);
    let e = mail::mailer_from_config(&bad_from).err().expect("refused");
    assert!(e.to_string().contains("mail_from"), "{e}");
    // TLS modes build without a server (the connection is made at the first e-mail).
    for tls in ["starttls", "tls"] {
        let c = config(&[
            ("ALLIANCES_MAIL_MODE", "smtp"),
            ("ALLIANCES_SMTP_HOST", "smtp.example.org"),
            ("ALLIANCES_SMTP_TLS", tls),
            ("ALLIANCES_SMTP_USERNAME", "u"),
            ("ALLIANCES_SMTP_PASSWORD", "p"),
        ]);
        mail::mailer_from_config(&c).unwrap();
    }
}

#[tokio::test]
async fn the_outbox_folder_keeps_readable_emails_newest_first() {
    let data = tempfile::tempdir().unwrap();
    let config = config(&[("ALLIANCES_DATA_DIR", data.path().to_str().unwrap())]);
    let mailer = mail::mailer_from_config(&config).unwrap();
    let outbox = mail::outbox_dir(&config);
    assert_eq!(outbox, data.path().join("outbox"));
    assert!(mail::read_outbox(&outbox, 10).unwrap().is_empty());

    // Through the worker, as in `alliances demo`.
    let (app, _g) = app().await;
    let token = sign_up(&app, "camille@asso.fr", "Camille").await;
    assert_eq!(
        worker::run_pending_jobs_once(&app, mailer.as_ref(), "w1", now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 0);

    // Directly, with non-ASCII everywhere.
    let folder = FolderMailer::new(
        &outbox,
        "Équipe Alliances <ne-pas-repondre@alliances.localhost>",
    )
    .unwrap();
    let elodie = OutgoingEmail {
        to: "elodie@exemple.fr".into(),
        subject: "Confirmez votre adresse e-mail — Élodie".into(),
        body: "Bonjour Élodie,\n\nÇa marche : « déjà vu » — 100 % = ok.\n.\nUne ligne très longue pour voir : ".to_string()
            + &"é".repeat(200)
            + "\n",
    };
    let path = folder.write(&elodie).await.unwrap();

    let names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    for n in &names {
        let (secs, rest) = n.split_once('-').unwrap();
        assert!(secs.parse::<i64>().unwrap() > 1_700_000_000, "{n}");
        assert!(rest.ends_with(".eml"), "{n}");
    }
    let raw = std::fs::read_to_string(&path).expect("UTF-8 file");
    assert!(raw.contains("\r\nMIME-Version: 1.0\r\n"), "{raw}");
    assert!(
        raw.contains("Content-Type: text/plain; charset=utf-8"),
        "{raw}"
    );
    assert!(raw.contains("\r\nSubject: "), "{raw}");
    assert!(raw.contains("Date: "), "{raw}");

    let all = mail::read_outbox(&outbox, 10).unwrap();
    assert_eq!(all.len(), 2);
    // Newest first.
    let newest = &all[0];
    assert_eq!(newest.to, "elodie@exemple.fr");
    assert_eq!(newest.subject, elodie.subject);
    assert_eq!(newest.body, elodie.body);
    assert_eq!(
        newest.from,
        "Équipe Alliances <ne-pas-repondre@alliances.localhost>"
    );
    assert!(newest.sent_at >= all[1].sent_at && newest.sent_at <= now());
    assert!(!newest.date.is_empty());
    let signup = &all[1];
    assert_eq!(signup.to, "camille@asso.fr");
    assert!(signup
        .body
        .contains(&format!("http://x/compte/verification/{token}")));

    assert_eq!(mail::read_outbox(&outbox, 1).unwrap(), all[..1]);
    assert_eq!(
        mail::read_outbox_message(&outbox, &signup.id)
            .unwrap()
            .as_ref(),
        Some(signup)
    );
    assert_eq!(mail::read_outbox_message(&outbox, "123-abc").unwrap(), None);

    // A stray file does not break the listing.
    std::fs::write(outbox.join("1-ff.eml"), b"no blank line, no headers").unwrap();
    std::fs::write(outbox.join("notes.txt"), b"x").unwrap();
    assert_eq!(mail::read_outbox(&outbox, 10).unwrap(), all);
}

#[tokio::test]
async fn unknown_jobs_and_unreadable_payloads_fail_clearly() {
    let data = tempfile::tempdir().unwrap();
    let folder = FolderMailer::new(data.path(), "a@b.fr").unwrap();
    let (app, _g) = app().await;
    let t = now();
    {
        let mut conn = app.db.pool().acquire().await.unwrap();
        jobs::enqueue(&mut conn, "fax", "{}", t, 3, t)
            .await
            .unwrap();
        jobs::enqueue(&mut conn, "email", "{\"to\":1}", t, 3, t)
            .await
            .unwrap();
    }
    let mut errors = Vec::new();
    while let Some((job, outcome)) = worker::run_next_job(&app, &folder, "w1", t).await.unwrap() {
        match outcome {
            JobOutcome::Failed { error, .. } => errors.push((job.kind, error)),
            JobOutcome::Done => panic!("{job:?} cannot succeed"),
        }
    }
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        errors[0],
        ("fax".into(), "type de tâche inconnu « fax »".into())
    );
    assert_eq!(errors[1].0, "email");
    assert!(
        errors[1]
            .1
            .contains("contenu de la tâche « email » illisible"),
        "{errors:?}"
    );
    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 2);
}

#[tokio::test]
async fn the_spawned_worker_delivers_queued_emails() {
    let data = tempfile::tempdir().unwrap();
    let outbox = data.path().join("outbox");
    let folder: Arc<dyn Mailer> = Arc::new(FolderMailer::new(&outbox, "a@b.fr").unwrap());
    let (app, _g) = app().await;
    let handle = app.spawn_job_worker(
        folder,
        worker::default_worker_id(),
        Duration::from_millis(20),
    );
    sign_up(&app, "dominique@asso.fr", "Dominique").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while jobs::pending_count(&app.db).await.unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not run the job"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.abort();
    let sent = mail::read_outbox(&outbox, 10).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "dominique@asso.fr");
}

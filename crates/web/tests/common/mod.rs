//! The test harness shared by the HTTP test files: one real server per test binary (SQLite, or
//! PostgreSQL with TEST_DATABASE_URL), browser-like clients from distinct loopback addresses,
//! the e-mails queued for an address, signed-up and logged-in browsers.
#![allow(dead_code)]

use alliances_app::comptes::OutgoingEmail;
use alliances_app::App;
use std::sync::{Arc, OnceLock};

pub struct Server {
    pub base: String,
    pub app: Arc<App>,
    pub rt: tokio::runtime::Handle,
}

pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let handle = rt.handle().clone();
            rt.block_on(async move {
                let (url, guard) = alliances_store::testing::fresh_url().await;
                let app = App::open(&url, 5).await.expect("app opens");
                let router = alliances_web::build_router(
                    app.clone(),
                    alliances_web::WebOptions {
                        public_url: "http://alliances.test".into(),
                        ..Default::default()
                    },
                );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tx.send((format!("http://{addr}"), app, handle)).unwrap();
                alliances_web::serve(listener, router, std::future::pending())
                    .await
                    .unwrap();
                drop(guard);
            });
        });
        let (base, app, rt) = rx.recv().unwrap();
        Server { base, app, rt }
    })
}

/// Each browser comes from its own loopback address (127.0.0.2, .3…), so that per-address
/// rate limits apply to it alone, as to distinct visitors.
pub fn next_address() -> std::net::IpAddr {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(2);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(
        127,
        0,
        (n / 250) as u8,
        (n % 250 + 2) as u8,
    ))
}

/// A browser-like client: keeps the session cookie, sends a same-origin `Origin` on POST.
pub struct Browser {
    pub client: reqwest::Client,
    pub cookie: Option<String>,
    pub origin: Option<String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        self.body
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string()
    }
}

impl Browser {
    pub fn new() -> Self {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(next_address())
                .build()
                .unwrap(),
            cookie: None,
            origin: Some(server().base.clone()),
        }
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", format!("alliances_session={c}")),
            None => req,
        };
        let res = req.send().await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if let Some(rest) = v.strip_prefix("alliances_session=") {
                let value = rest.split(';').next().unwrap().to_string();
                assert!(v.contains("HttpOnly") && v.contains("SameSite=Lax"), "{v}");
                self.cookie = if value.is_empty() { None } else { Some(value) };
            }
        }
        Page {
            status: res.status().as_u16(),
            location: res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string()),
            retry_after: res
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string()),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(format!("{}{}", server().base, path));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut req = self
            .client
            .post(format!("{}{}", server().base, path))
            .form(fields);
        if let Some(o) = &self.origin {
            req = req.header("origin", o);
        }
        self.send(req).await
    }

    /// GETs the form page, then POSTs it with its CSRF token.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let form = self.get(path).await;
        assert_eq!(form.status, 200, "{path}: {}", form.body);
        let csrf = form.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }
}

/// The e-mails queued for `to` and not yet read, through the job queue as a worker sees it.
/// Tests run concurrently: e-mails drained for other recipients wait in a shared mailbox.
pub async fn emails_to(to: &str) -> Vec<OutgoingEmail> {
    // Held across the drain, so that an e-mail claimed by one test always reaches the shared
    // mailbox before another test looks into it.
    static MAILBOX: tokio::sync::Mutex<Vec<OutgoingEmail>> =
        tokio::sync::Mutex::const_new(Vec::new());
    let mut mailbox = MAILBOX.lock().await;
    let app = server().app.clone();
    let drained = server()
        .rt
        .spawn(async move {
            let mut out = Vec::new();
            while let Some(job) = alliances_store::jobs::claim(&app.db, "test", i64::MAX / 4, 60)
                .await
                .unwrap()
            {
                alliances_store::jobs::complete(&app.db, job.id, "test", 1)
                    .await
                    .unwrap();
                // Other kinds (the library's link check) are not e-mails: set aside.
                if job.kind == "email" {
                    out.push(serde_json::from_str::<OutgoingEmail>(&job.payload).unwrap());
                }
            }
            out
        })
        .await
        .unwrap();
    mailbox.extend(drained);
    let (mine, others): (Vec<_>, Vec<_>) = mailbox.drain(..).partition(|m| m.to == to);
    *mailbox = others;
    mine
}

pub fn link_path(mail: &OutgoingEmail) -> String {
    let start = mail.body.find("http://alliances.test").expect("a link");
    let url = mail.body[start..].split_whitespace().next().unwrap();
    url.trim_start_matches("http://alliances.test").to_string()
}

pub const PASSWORD: &str = "le vélo bleu du marché";

pub async fn signed_up(email: &str) -> Browser {
    let mut b = Browser::new();
    let page = b
        .submit(
            "/compte/inscription",
            &[
                ("nom", "Camille Martin"),
                ("email", email),
                ("mot_de_passe", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/compte/inscription/merci")),
        "{}",
        page.body
    );
    b
}

/// Signs up, logs in, and returns the logged-in browser.
pub async fn logged_in(email: &str) -> Browser {
    let mut b = signed_up(email).await;
    let page = b
        .submit(
            "/compte/connexion",
            &[("email", email), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    b
}

/// A signed-up, verified, logged-in browser (creating organisations needs a verified address).
pub async fn verified(email: &str) -> Browser {
    let mut b = signed_up(email).await;
    let mails = emails_to(email).await;
    let link = link_path(&mails[0]);
    let page = b.get(&link).await;
    let page = b.post(&link, &[("_csrf", &page.csrf())]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = b
        .submit(
            "/compte/connexion",
            &[("email", email), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    b
}

/// The number that follows `motif` in `texte` (an id in a URL).
pub fn id_apres(texte: &str, motif: &str) -> i64 {
    texte
        .split(motif)
        .nth(1)
        .unwrap_or_else(|| panic!("{motif} absent"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// GET a path of the API without credentials: status and JSON body (Null when not JSON).
pub async fn json(path: &str) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new()
        .get(format!("{}{}", server().base, path))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A user created by the app (as an admin would, with an invitation), who sets a password
/// through « mot de passe oublié » and logs in.
pub async fn set_password_and_log_in(email: &str) -> Browser {
    let mut b = Browser::new();
    let page = b
        .submit("/compte/mot-de-passe-oublie", &[("email", email)])
        .await;
    assert!(page.status == 200 || page.status == 303, "{}", page.body);
    let mails = emails_to(email).await;
    let link = link_path(mails.last().expect("a reset e-mail"));
    let page = b.submit(&link, &[("mot_de_passe", PASSWORD)]).await;
    assert!(page.status == 200 || page.status == 303, "{}", page.body);
    let page = b
        .submit(
            "/compte/connexion",
            &[("email", email), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    b
}

/// A user holding a platform role, logged in.
pub async fn avec_role(email: &'static str, role: alliances_domain::comptes::Role) -> Browser {
    let app = server().app.clone();
    server()
        .rt
        .spawn(async move {
            app.create_user_with_role(email, email, role, "http://alliances.test/")
                .await
                .unwrap()
        })
        .await
        .unwrap();
    set_password_and_log_in(email).await
}

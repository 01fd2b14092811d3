//! Outgoing e-mail. Use cases queue an `email` job (see [`crate::worker`]); the job worker hands
//! it to a [`Mailer`]: [`SmtpMailer`] in production, [`FolderMailer`] for demos and offline use
//! (one `.eml` file per e-mail in `<data_dir>/outbox/`, listed by [`read_outbox`] for the admins'
//! outbox page).
//!
//! Both build the same RFC 5322 message: `text/plain; charset=utf-8`, headers encoded per
//! RFC 2047 when they are not ASCII, the body in 7bit when it is plain ASCII and in
//! quoted-printable otherwise (safe for every SMTP server, `8BITMIME` or not).

pub use crate::comptes::OutgoingEmail;
use crate::config::{Config, MailMode, SmtpTls};
use base64::Engine as _;
use lettre::message::header::{ContentTransferEncoding, ContentType, MIME_VERSION_1_0};
use lettre::message::{Body, Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("configuration du courrier : {0}")]
    Config(String),
    #[error("e-mail impossible à construire : {0}")]
    Message(String),
    #[error("dossier d'envoi {} : {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("serveur SMTP {host}:{port} : {what}")]
    Smtp {
        host: String,
        port: u16,
        /// What failed, with the server's reply when there is one.
        what: String,
        /// The server refused for good (5xx): retrying the same message will not help.
        permanent: bool,
    },
    #[error("e-mail stocké illisible : {0}")]
    Parse(String),
}

/// The future returned by [`Mailer::send`].
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Something that delivers e-mails. Object-safe, so the worker holds an `Arc<dyn Mailer>`;
/// call it as `mailer.send(&email).await`.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> SendFuture<'a>;
    /// Where e-mails go, for logs (never includes credentials).
    fn describe(&self) -> String;
}

/// The folder where `mail_mode = "folder"` writes e-mails: `<data_dir>/outbox`.
pub fn outbox_dir(config: &Config) -> PathBuf {
    config.data_dir.join("outbox")
}

/// The mailer chosen by the configuration. Fails on an unusable configuration (bad `mail_from`,
/// no SMTP host…), so that a misconfigured server stops at start rather than at the first e-mail.
pub fn mailer_from_config(config: &Config) -> Result<Arc<dyn Mailer>, MailError> {
    Ok(match config.mail_mode {
        MailMode::Folder => Arc::new(FolderMailer::new(outbox_dir(config), &config.mail_from)?),
        MailMode::Smtp => Arc::new(SmtpMailer::from_config(config)?),
    })
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.trim().parse().map_err(|e| {
        MailError::Config(format!(
            "mail_from « {from} » n'est pas une adresse valable ({e})"
        ))
    })
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).expect("the operating system provides randomness");
    hex::encode(b)
}

/// The RFC 5322 message for `email`, sent by `from`, dated `date`.
pub fn build_message(
    from: &Mailbox,
    email: &OutgoingEmail,
    date: SystemTime,
) -> Result<Message, MailError> {
    let to: Mailbox =
        email.to.trim().parse().map_err(|e| {
            MailError::Message(format!("destinataire « {} » invalide ({e})", email.to))
        })?;
    if email.subject.chars().any(|c| c.is_control()) {
        return Err(MailError::Message(
            "l'objet contient un caractère de contrôle".into(),
        ));
    }
    let body = Body::new_with_encoding(email.body.clone(), ContentTransferEncoding::SevenBit)
        .or_else(|_| {
            Body::new_with_encoding(email.body.clone(), ContentTransferEncoding::QuotedPrintable)
        })
        .map_err(|_| MailError::Message("corps impossible à encoder".into()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .date(date)
        .message_id(Some(format!(
            "<{}@{}>",
            random_hex(16),
            from.email.domain()
        )))
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| MailError::Message(e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Folder

/// Writes each e-mail as a file `<epoch>-<random>.eml` in a folder (created when needed); the
/// "random" part starts with the microseconds, so that names sort in writing order.
pub struct FolderMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FolderMailer {
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<FolderMailer, MailError> {
        Ok(FolderMailer {
            dir: dir.into(),
            from: parse_from(from)?,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the message and returns its path. The file appears complete or not at all
    /// (written under a hidden temporary name, synced, then renamed).
    pub async fn write(&self, email: &OutgoingEmail) -> Result<PathBuf, MailError> {
        let date = SystemTime::now();
        let message = build_message(&self.from, email, date)?;
        let since_epoch = date.duration_since(UNIX_EPOCH).unwrap_or_default();
        // `<seconds>-<microseconds><random>`: names sort in writing order, and never collide.
        let name = format!(
            "{}-{:06}{}.eml",
            since_epoch.as_secs(),
            since_epoch.subsec_micros(),
            random_hex(4)
        );
        let dir = self.dir.clone();
        let bytes = message.formatted();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &bytes))
            .await
            .map_err(|e| MailError::Folder {
                path: self.dir.clone(),
                source: std::io::Error::other(e),
            })?
    }
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, MailError> {
    let folder_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MailError::Folder { path, source }
    };
    std::fs::create_dir_all(dir).map_err(folder_err(dir))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(folder_err(&path)(e));
    }
    Ok(path)
}

impl Mailer for FolderMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> SendFuture<'a> {
        Box::pin(async move {
            let path = self.write(email).await?;
            tracing::info!(file = %path.display(), "e-mail written to the outbox folder");
            Ok(())
        })
    }

    fn describe(&self) -> String {
        format!("dossier {}", self.dir.display())
    }
}

/// An e-mail of the outbox folder, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEmail {
    /// The file name without `.eml`: `<epoch>-<microseconds><random>` (see
    /// [`read_outbox_message`]).
    pub id: String,
    /// When it was written (seconds since the Unix epoch, from the file name).
    pub sent_at: i64,
    /// The `Date` header as written (RFC 5322 form).
    pub date: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// Decoded, with `\n` line ends.
    pub body: String,
}

/// The headers and body of a message, decoded (RFC 2047 words, quoted-printable or base64).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedMessage {
    pub date: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    /// Decoded, with `\n` line ends.
    pub body: String,
}

/// The newest `limit` e-mails of the outbox folder, newest first. A folder that does not exist
/// yet is an empty outbox; a file that cannot be decoded is skipped (and logged).
pub fn read_outbox(dir: &Path, limit: usize) -> Result<Vec<StoredEmail>, MailError> {
    let folder_err = |source| MailError::Folder {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(folder_err(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(folder_err)?;
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".eml")) else {
            continue;
        };
        let Some(sent_at) = id_time(id) else {
            continue;
        };
        files.push((sent_at, id.to_string()));
    }
    files.sort_by(|a, b| b.cmp(a));
    let mut out = Vec::with_capacity(limit.min(files.len()));
    for (_, id) in files {
        if out.len() >= limit {
            break;
        }
        match read_outbox_message(dir, &id) {
            Ok(Some(e)) => out.push(e),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, id, "outbox: e-mail skipped"),
        }
    }
    Ok(out)
}

/// The seconds of an outbox id `<epoch>-<hex>`, or `None` for any other name.
fn id_time(id: &str) -> Option<i64> {
    let (secs, random) = id.split_once('-')?;
    let valid = !secs.is_empty()
        && secs.bytes().all(|b| b.is_ascii_digit())
        && !random.is_empty()
        && random.bytes().all(|b| b.is_ascii_hexdigit());
    if valid {
        secs.parse().ok()
    } else {
        None
    }
}

/// One e-mail of the outbox folder by id, or `None` when there is none (or the id is not an
/// outbox id: nothing outside the folder can be read).
pub fn read_outbox_message(dir: &Path, id: &str) -> Result<Option<StoredEmail>, MailError> {
    let Some(sent_at) = id_time(id) else {
        return Ok(None);
    };
    let path = dir.join(format!("{id}.eml"));
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(MailError::Folder { path, source }),
    };
    let m =
        parse_message(&raw).map_err(|e| MailError::Parse(format!("{}: {e}", path.display())))?;
    Ok(Some(StoredEmail {
        id: id.to_string(),
        sent_at,
        date: m.date,
        from: m.from,
        to: m.to,
        subject: m.subject,
        body: m.body,
    }))
}

/// Decodes a single-part message (as written by [`build_message`]).
pub fn parse_message(raw: &[u8]) -> Result<ParsedMessage, MailError> {
    let (head, body) = split_head(raw).ok_or_else(|| {
        MailError::Parse("pas de ligne vide entre les en-têtes et le corps".into())
    })?;
    let head =
        std::str::from_utf8(head).map_err(|_| MailError::Parse("en-têtes non UTF-8".into()))?;
    let mut m = ParsedMessage::default();
    let mut encoding = String::new();
    for (name, value) in unfold(head) {
        let decoded = decode_words(value.trim());
        match name.to_ascii_lowercase().as_str() {
            "date" => m.date = decoded,
            "from" => m.from = decoded,
            "to" => m.to = decoded,
            "subject" => m.subject = decoded,
            "message-id" => m.message_id = decoded,
            "content-type" => m.content_type = decoded,
            "content-transfer-encoding" => encoding = decoded.to_ascii_lowercase(),
            _ => {}
        }
    }
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => {
            let compact: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|e| MailError::Parse(format!("corps base64 : {e}")))?
        }
        "" | "7bit" | "8bit" | "binary" => body.to_vec(),
        other => {
            return Err(MailError::Parse(format!(
                "Content-Transfer-Encoding inconnu : {other}"
            )))
        }
    };
    m.body = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    Ok(m)
}

fn split_head(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some((&raw[..i], &raw[i + 4..]));
    }
    raw.windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (&raw[..i], &raw[i + 2..]))
}

/// Header fields `(name, value)`, continuation lines joined.
fn unfold(head: &str) -> Vec<(&str, String)> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim(), value.to_string()));
        }
    }
    fields
}

/// Decodes the RFC 2047 encoded words of a header value; whitespace between two encoded words
/// is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut pending_space = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        let ws_len = rest.len() - rest.trim_start().len();
        if ws_len > 0 {
            pending_space.push_str(&rest[..ws_len]);
            rest = &rest[ws_len..];
            continue;
        }
        let token_len = rest.find([' ', '\t']).unwrap_or(rest.len());
        let token = &rest[..token_len];
        match decode_word(token) {
            Some(text) => {
                if !last_was_word {
                    out.push_str(&pending_space);
                }
                out.push_str(&text);
                last_was_word = true;
            }
            None => {
                out.push_str(&pending_space);
                out.push_str(token);
                last_was_word = false;
            }
        }
        pending_space.clear();
        rest = &rest[token_len..];
    }
    out
}

/// `=?charset?B|Q?text?=` → text, for UTF-8, US-ASCII and ISO-8859-1.
fn decode_word(token: &str) -> Option<String> {
    let inner = token.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let charset = parts.next()?.to_ascii_lowercase();
    let charset = charset.split('*').next().unwrap_or_default().to_string();
    let enc = parts.next()?;
    let text = parts.next()?;
    let bytes = match enc {
        "B" | "b" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?,
        "Q" | "q" => {
            let mut bytes = Vec::with_capacity(text.len());
            let raw = text.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                match raw[i] {
                    b'_' => bytes.push(b' '),
                    b'=' => {
                        let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                        bytes.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 2;
                    }
                    b => bytes.push(b),
                }
                i += 1;
            }
            bytes
        }
        _ => return None,
    };
    match charset.as_str() {
        "utf-8" | "utf8" | "us-ascii" => String::from_utf8(bytes).ok(),
        "iso-8859-1" | "latin1" => Some(bytes.iter().map(|&b| b as char).collect()),
        _ => None,
    }
}

fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            match body.get(i + 1..i + 3) {
                Some(b"\r\n") => {
                    i += 3;
                    continue;
                }
                Some([b'\n', _]) => {
                    i += 2;
                    continue;
                }
                Some(hex) => {
                    if let Some(b) = std::str::from_utf8(hex)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                }
                // A soft line break at the very end.
                None if matches!(&body[i + 1..], b"" | b"\n" | b"\r") => break,
                None => {}
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// SMTP

/// Sends over SMTP with lettre (one connection per e-mail; TLS by rustls).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    port: u16,
    tls: SmtpTls,
    timeout: Duration,
}

impl SmtpMailer {
    pub fn from_config(config: &Config) -> Result<SmtpMailer, MailError> {
        let host = config.smtp_host.trim().to_string();
        if host.is_empty() {
            return Err(MailError::Config(
                "mail_mode = \"smtp\" demande smtp_host (ALLIANCES_SMTP_HOST)".into(),
            ));
        }
        if config.smtp_port == 0 {
            return Err(MailError::Config("smtp_port doit être non nul".into()));
        }
        let from = parse_from(&config.mail_from)?;
        let tls_params = || {
            TlsParameters::new(host.clone())
                .map_err(|e| MailError::Config(format!("paramètres TLS pour {host} : {e}")))
        };
        let tls = match config.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls_params()?),
            SmtpTls::Tls => Tls::Wrapper(tls_params()?),
        };
        let timeout = Duration::from_secs(config.smtp_timeout_secs.max(1));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(config.smtp_port)
            .tls(tls)
            .timeout(Some(timeout));
        if !config.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.smtp_username.clone(),
                config.smtp_password.clone(),
            ));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
            host,
            port: config.smtp_port,
            tls: config.smtp_tls,
            timeout,
        })
    }

    fn error(&self, e: lettre::transport::smtp::Error) -> MailError {
        let what = if e.is_timeout() {
            format!("délai dépassé ({e})")
        } else if e.is_tls() {
            format!("échec TLS ({e})")
        } else if e.is_permanent() {
            format!("refus définitif ({e})")
        } else if e.is_transient() {
            format!("refus temporaire ({e})")
        } else {
            format!("{e}")
        };
        // The whole chain: "Connection refused", certificate details…
        let mut what = what;
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let text = s.to_string();
            if !what.contains(&text) {
                what.push_str(" : ");
                what.push_str(&text);
            }
            source = s.source();
        }
        MailError::Smtp {
            host: self.host.clone(),
            port: self.port,
            what,
            permanent: e.is_permanent(),
        }
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> SendFuture<'a> {
        Box::pin(async move {
            let message = build_message(&self.from, email, SystemTime::now())?;
            // lettre's own timeout covers only the connection (tokio transport): bound the
            // whole exchange, so that a server that stops answering cannot hold the job.
            match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(self.error(e)),
                Err(_) => Err(MailError::Smtp {
                    host: self.host.clone(),
                    port: self.port,
                    what: format!(
                        "délai dépassé (pas de réponse complète en {} s)",
                        self.timeout.as_secs()
                    ),
                    permanent: false,
                }),
            }
        })
    }

    fn describe(&self) -> String {
        let tls = match self.tls {
            SmtpTls::None => "sans TLS",
            SmtpTls::Starttls => "STARTTLS",
            SmtpTls::Tls => "TLS",
        };
        format!("SMTP {}:{} ({tls})", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(subject: &str, body: &str) -> OutgoingEmail {
        OutgoingEmail {
            to: "elodie@exemple.fr".into(),
            subject: subject.into(),
            body: body.into(),
        }
    }

    #[test]
    fn builds_and_parses_back_non_ascii() {
        let from = parse_from("Alliances <ne-pas-repondre@alliances.localhost>").unwrap();
        let e = email(
            "Confirmez votre adresse e-mail — Élodie",
            "Bonjour Élodie,\n\nLien : https://alliances.example/compte/verification/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\n« Merci » = 100 %\n",
        );
        let m = build_message(&from, &e, SystemTime::now()).unwrap();
        let raw = m.formatted();
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.is_ascii(), "{text}");
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Content-Transfer-Encoding: quoted-printable\r\n"),
            "{text}"
        );
        assert!(text.contains("MIME-Version: 1.0\r\n"), "{text}");
        assert!(text.contains("Message-ID: <"), "{text}");
        assert!(text.contains("@alliances.localhost>"), "{text}");
        let p = parse_message(&raw).unwrap();
        assert_eq!(p.subject, e.subject);
        assert_eq!(p.body, e.body);
        assert_eq!(p.to, "elodie@exemple.fr");
        assert_eq!(p.from, "Alliances <ne-pas-repondre@alliances.localhost>");
        assert!(!p.date.is_empty());
    }

    #[test]
    fn long_folded_headers_round_trip() {
        let from =
            parse_from("Équipe Alliances — ne pas répondre <ne-pas-repondre@alliances.localhost>")
                .unwrap();
        let subject = "Élodie, votre collectivité « Saint-Étienne-de-Saint-Geoirs » vous invite à rejoindre l'alliance régionale pour la transition écologique";
        let m = build_message(&from, &email(subject, "é"), SystemTime::now()).unwrap();
        let raw = m.formatted();
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.lines().all(|l| l.len() <= 998), "{text}");
        let p = parse_message(&raw).unwrap();
        assert_eq!(p.subject, subject, "{text}");
        assert_eq!(
            p.from, "Équipe Alliances — ne pas répondre <ne-pas-repondre@alliances.localhost>",
            "{text}"
        );
    }

    #[test]
    fn ascii_bodies_stay_7bit() {
        let from = parse_from("ne-pas-repondre@alliances.localhost").unwrap();
        let m = build_message(&from, &email("Hello", "Plain\nASCII\n"), SystemTime::now()).unwrap();
        let raw = m.formatted();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("Content-Transfer-Encoding: 7bit\r\n"),
            "{text}"
        );
        assert!(text.ends_with("Plain\r\nASCII\r\n"), "{text}");
        assert_eq!(parse_message(&raw).unwrap().body, "Plain\nASCII\n");
    }

    #[test]
    fn refuses_bad_addresses_and_header_injection() {
        let from = parse_from("a@b.fr").unwrap();
        let mut e = email("Objet", "x");
        e.to = "pas une adresse".into();
        assert!(matches!(
            build_message(&from, &e, SystemTime::now()),
            Err(MailError::Message(_))
        ));
        let e = email("Objet\r\nBcc: x@y.fr", "x");
        assert!(build_message(&from, &e, SystemTime::now()).is_err());
        assert!(parse_from("Alliances <pas une adresse>").is_err());
    }

    #[test]
    fn decodes_encoded_words_and_quoted_printable() {
        assert_eq!(
            decode_words("=?utf-8?q?=C3=89lodie_M?= =?UTF-8?B?YXJ0aW4=?= <e@x.fr>"),
            "Élodie Martin <e@x.fr>"
        );
        assert_eq!(decode_words("plain  text"), "plain  text");
        assert_eq!(decode_words("=?iso-8859-1?q?caf=E9?="), "café");
        assert_eq!(decode_words("=?utf-8?x?abc?="), "=?utf-8?x?abc?=");
        assert_eq!(
            decode_quoted_printable(b"caf=C3=A9 tr=\r\n=C3=A8s=3D\r\nfin="),
            "café très=\r\nfin".as_bytes()
        );
    }

    #[test]
    fn outbox_ids_cannot_escape_the_folder() {
        assert_eq!(id_time("1700000000-0a1b"), Some(1_700_000_000));
        for bad in [
            "../etc/passwd",
            "1700000000-../x",
            "-ab",
            "12-",
            "12-xyz",
            "abc-12",
        ] {
            assert_eq!(id_time(bad), None, "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_outbox_message(dir.path(), "../x").unwrap(), None);
        assert!(read_outbox(&dir.path().join("absent"), 10)
            .unwrap()
            .is_empty());
    }
}

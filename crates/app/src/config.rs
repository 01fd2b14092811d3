//! Typed configuration, layered: built-in defaults (`config/default.toml`) → a file given with
//! `--config` → `ALLIANCES_*` environment variables → command-line flags (applied by the CLI).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    /// Empty: SQLite in `data_dir`.
    pub database_url: String,
    pub max_connections: u32,
    pub behind_tls: bool,
    pub log_format: LogFormat,
    pub change_feed_poll_ms: u64,
    /// Base URL of the site as users reach it, for links in e-mails (no trailing slash needed).
    pub public_url: String,
    /// Where e-mails go: an SMTP server, or files in `<data_dir>/outbox/`.
    pub mail_mode: MailMode,
    /// The `From` of every e-mail: `Name <address>` or a bare address.
    pub mail_from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    /// Empty: no authentication.
    pub smtp_username: String,
    /// Hidden by [`Config::redacted`].
    pub smtp_password: String,
    /// Time limit for sending one e-mail over SMTP, connection included (seconds).
    pub smtp_timeout_secs: u64,
    /// How often each instance's job worker looks for due jobs when idle (milliseconds).
    pub jobs_poll_ms: u64,
    /// Behind a reverse proxy: take the client's address from the last `X-Forwarded-For` entry
    /// (the one the proxy appended) for rate limits. Never set it without a proxy in front.
    pub trust_forwarded_for: bool,
    /// A folder of kit definitions (`<id>/v<n>.toml`) served instead of the built-in ones; empty:
    /// the kits built into the binary.
    pub kits_dir: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailMode {
    Smtp,
    Folder,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or in a private network only).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("variable d'environnement {name} : {message}")]
    Env { name: String, message: String },
}

/// The keys a configuration may set, as `ALLIANCES_<KEY>` in the environment.
const KEYS: [&str; 19] = [
    "trust_forwarded_for",
    "kits_dir",
    "bind",
    "data_dir",
    "database_url",
    "max_connections",
    "behind_tls",
    "log_format",
    "change_feed_poll_ms",
    "public_url",
    "mail_mode",
    "mail_from",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "smtp_timeout_secs",
    "jobs_poll_ms",
];

impl Config {
    /// Defaults, then `file`, then `ALLIANCES_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = DEFAULTS.parse().expect("config/default.toml is valid TOML");
        if let Some(path) = file {
            let err = |message: String| ConfigError::File {
                path: path.to_path_buf(),
                message,
            };
            let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
            let overrides: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| err(e.to_string()))?;
            for (k, v) in overrides {
                if !KEYS.contains(&k.as_str()) {
                    return Err(err(format!(
                        "clé inconnue « {k} » (clés possibles : {})",
                        KEYS.join(", ")
                    )));
                }
                table.insert(k, v);
            }
        }
        for (name, value) in env {
            let Some(key) = name.strip_prefix("ALLIANCES_") else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            if !KEYS.contains(&key.as_str()) {
                continue;
            }
            let err = |message: String| ConfigError::Env {
                name: name.clone(),
                message,
            };
            let current = table
                .get(&key)
                .cloned()
                .unwrap_or(toml::Value::String(String::new()));
            let parsed = match current {
                toml::Value::Integer(_) => toml::Value::Integer(
                    value
                        .parse()
                        .map_err(|_| err(format!("nombre entier attendu, reçu « {value} »")))?,
                ),
                toml::Value::Boolean(_) => toml::Value::Boolean(match value.as_str() {
                    "1" | "true" | "yes" | "oui" => true,
                    "0" | "false" | "no" | "non" => false,
                    _ => {
                        return Err(err(format!(
                            "booléen attendu (true/false), reçu « {value} »"
                        )))
                    }
                }),
                _ => toml::Value::String(value.clone()),
            };
            table.insert(key, parsed);
        }
        let config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::File {
                    path: file.map(Path::to_path_buf).unwrap_or_default(),
                    message: e.to_string(),
                })?;
        if config.max_connections == 0 {
            return Err(ConfigError::File {
                path: file.map(Path::to_path_buf).unwrap_or_default(),
                message: "max_connections doit être au moins 1".into(),
            });
        }
        Ok(config)
    }

    /// The database URL in effect: the configured one, or SQLite in the data folder.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            alliances_store::db::sqlite_url_for_dir(&self.data_dir)
        } else {
            self.database_url.clone()
        }
    }

    /// The configuration as TOML with secrets hidden, to print at start.
    pub fn redacted(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = alliances_store::db::redact_url(&self.effective_database_url());
        if !shown.smtp_password.is_empty() {
            shown.smtp_password = "***".into();
        }
        toml::to_string(&shown).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn layers_defaults_file_and_environment() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(c.effective_database_url().starts_with("sqlite://"));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\nmax_connections = 3\n").unwrap();
        let c = Config::load(
            Some(&file),
            env(&[
                ("ALLIANCES_MAX_CONNECTIONS", "5"),
                ("ALLIANCES_DATABASE_URL", "postgres://u:pw@h/db"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.max_connections, 5);
        assert!(c.redacted().contains("postgres://u:***@h/db"));
        assert!(!c.redacted().contains("pw"));
    }

    #[test]
    fn bad_values_name_their_source() {
        let e = Config::load(None, env(&[("ALLIANCES_MAX_CONNECTIONS", "beaucoup")])).unwrap_err();
        assert!(e.to_string().contains("ALLIANCES_MAX_CONNECTIONS"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "prot = 3\n").unwrap();
        let e = Config::load(Some(&file), env(&[])).unwrap_err();
        assert!(e.to_string().contains("clé inconnue « prot »"), "{e}");
        std::fs::write(&file, "log_format = \"xml\"\n").unwrap();
        assert!(Config::load(Some(&file), env(&[])).is_err());
    }

    #[test]
    fn mail_settings_from_defaults_and_environment() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.mail_mode, MailMode::Folder);
        assert_eq!(c.smtp_tls, SmtpTls::Starttls);
        assert_eq!(c.smtp_port, 587);
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert!(c.mail_from.contains("<ne-pas-repondre@"));

        let c = Config::load(
            None,
            env(&[
                ("ALLIANCES_MAIL_MODE", "smtp"),
                ("ALLIANCES_SMTP_HOST", "smtp.example.org"),
                ("ALLIANCES_SMTP_PORT", "465"),
                ("ALLIANCES_SMTP_TLS", "tls"),
                ("ALLIANCES_SMTP_USERNAME", "alliances"),
                ("ALLIANCES_SMTP_PASSWORD", "s3cret-Pa55"),
                ("ALLIANCES_PUBLIC_URL", "https://alliances.example"),
            ]),
        )
        .unwrap();
        assert_eq!(c.mail_mode, MailMode::Smtp);
        assert_eq!(
            (c.smtp_host.as_str(), c.smtp_port),
            ("smtp.example.org", 465)
        );
        assert_eq!(c.smtp_tls, SmtpTls::Tls);
        assert_eq!(c.smtp_password, "s3cret-Pa55");
        let shown = c.redacted();
        assert!(!shown.contains("s3cret-Pa55"), "{shown}");
        assert!(shown.contains("smtp_password = \"***\""), "{shown}");
        assert!(shown.contains("smtp_username = \"alliances\""), "{shown}");

        let e = Config::load(None, env(&[("ALLIANCES_SMTP_PORT", "vingt-cinq")])).unwrap_err();
        assert!(e.to_string().contains("ALLIANCES_SMTP_PORT"), "{e}");
        assert!(Config::load(None, env(&[("ALLIANCES_SMTP_PORT", "70000")])).is_err());
        assert!(Config::load(None, env(&[("ALLIANCES_SMTP_TLS", "ssl")])).is_err());
        assert!(Config::load(None, env(&[("ALLIANCES_MAIL_MODE", "pigeon")])).is_err());
    }
}

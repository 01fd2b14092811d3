//! What every handler receives.

use crate::assets::Assets;
use crate::i18n::I18n;
use alliances_app::App;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub i18n: Arc<I18n>,
    pub assets: Arc<Assets>,
    /// The OpenAPI document, serialised once at start.
    pub openapi_json: Arc<String>,
    pub behind_tls: bool,
    /// The site's public URL, for links in e-mails.
    pub public_url: String,
    /// The demo outbox folder, when e-mails are written there instead of sent.
    pub outbox: Option<std::path::PathBuf>,
    /// Take the client's address from `X-Forwarded-For` (behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
}

impl AppState {
    /// A translator for the visitor's language.
    pub fn tr(&self, lang: crate::i18n::Lang) -> crate::i18n::Tr {
        crate::i18n::Tr::new(self.i18n.clone(), lang)
    }
}

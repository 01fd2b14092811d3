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
}

//! Static assets embedded in the binary, served under content-hashed names
//! (`/static/app.3f2a9c1d.css`) with a one-year immutable cache.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    pub url: String,
}

pub struct Assets {
    by_name: HashMap<&'static str, Asset>,
    by_url: HashMap<String, &'static str>,
}

const FILES: [(&str, &[u8], &str); 3] = [
    (
        "app.css",
        include_bytes!("../../../static/app.css"),
        "text/css; charset=utf-8",
    ),
    (
        "app.js",
        include_bytes!("../../../static/app.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "favicon.svg",
        include_bytes!("../../../static/favicon.svg"),
        "image/svg+xml",
    ),
];

impl Assets {
    pub fn new() -> Self {
        let mut by_name = HashMap::new();
        let mut by_url = HashMap::new();
        for (name, bytes, content_type) in FILES {
            let hash = hex::encode(&Sha256::digest(bytes)[..6]);
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            let url = format!("/static/{stem}.{hash}.{ext}");
            by_url.insert(url.clone(), name);
            by_name.insert(
                name,
                Asset {
                    bytes,
                    content_type,
                    url,
                },
            );
        }
        Self { by_name, by_url }
    }

    /// The fingerprinted URL of an asset. Panics on an unknown name: a template bug caught by tests.
    pub fn url(&self, name: &str) -> &str {
        &self
            .by_name
            .get(name)
            .unwrap_or_else(|| panic!("unknown asset {name}"))
            .url
    }

    pub fn by_url(&self, url: &str) -> Option<&Asset> {
        self.by_url.get(url).and_then(|name| self.by_name.get(name))
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

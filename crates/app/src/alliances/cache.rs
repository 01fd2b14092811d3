//! Per-instance cache of computed alliance pages (everything but who is reading): an alliance
//! page reads nine queries and decodes every value of its indicators; a cached view costs a
//! clone. Every write of this instance's alliance use cases empties it; writes of other
//! instances are seen within [`TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Vue;

/// How long a view is served without reading the database again.
pub const TTL: Duration = Duration::from_secs(5);
/// Beyond this many alliances cached, the cache starts again from empty.
const MAX: usize = 10_000;

#[derive(Default)]
pub struct VuesAlliances {
    vues: Mutex<HashMap<i64, (Instant, Arc<Vue>)>>,
}

impl VuesAlliances {
    pub fn get(&self, id: i64) -> Option<Arc<Vue>> {
        let vues = self.vues.lock().unwrap_or_else(|e| e.into_inner());
        vues.get(&id)
            .filter(|(t, _)| t.elapsed() < TTL)
            .map(|(_, v)| Arc::clone(v))
    }

    pub fn mettre(&self, id: i64, vue: Arc<Vue>) {
        let mut vues = self.vues.lock().unwrap_or_else(|e| e.into_inner());
        if vues.len() >= MAX {
            vues.clear();
        }
        vues.insert(id, (Instant::now(), vue));
    }

    /// After any write to any alliance.
    pub fn vider(&self) {
        self.vues.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

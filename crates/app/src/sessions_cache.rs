//! A per-instance cache of resolved sessions (the session, its user and the user's roles), so
//! that most page requests skip the database round trip of
//! [`alliances_store::sessions::get_with_user`] (issue #3: the session lookup adds ≤ 0.2 ms p99 to
//! a request; one query to PostgreSQL over loopback alone costs about that).
//!
//! What it holds: entries keyed by the session id as the database stores it (the SHA-256 of the
//! cookie), each living at most [`SESSION_CACHE_TTL`] and never served at or past the session's
//! `expires_at`; at most [`SESSION_CACHE_CAPACITY`] of them. Unknown cookies are never cached.
//!
//! Why it never serves a closed or changed session:
//!
//! - **On this instance**, the use cases that end sessions or change what a session shows (log-out,
//!   password reset, role change, deletion, e-mail verification and change) call
//!   [`SessionCache::invalidate_session`] or [`SessionCache::invalidate_user`] right after their
//!   transaction commits.
//! - **A lookup racing with such a change** cannot put stale data back: a filler takes a
//!   [`Ticket`] (the invalidation generation) *before* its query, and [`SessionCache::insert`]
//!   refuses the entry if any invalidation happened since. A user invalidation leaves a mark
//!   (the generation) in every shard; entries of that user filled under an older generation are
//!   dead. So invalidation costs one lock per shard, whatever the cache holds.
//! - **On other instances**, the same use cases append a `session` / `<user id>` / `invalidate`
//!   row to the change feed in their transaction ([`record_change`]); each instance's
//!   [`crate::App::refresh`] (every `change_feed_poll_ms`) hands the rows to
//!   [`SessionCache::apply_changes`]. Should a row be missed (PostgreSQL sequences may commit out
//!   of order, issue #11), the TTL bounds the delay.
//!
//! Why a sharded `Mutex<HashMap>` rather than a crate (`moka`, `quick_cache`): a hit is one
//! uncontended lock of one of 16 shards and a hash lookup (well under a microsecond); what the
//! cache needs besides — the generation check against concurrent fills, per-user marks, purge on
//! the change-feed tick — would sit on top of such a crate anyway, and its admission / eviction
//! policies buy nothing for entries that live 5 seconds.
//!
//! Memory: about 0.5 KB per entry (ids, CSRF token, session data, e-mail, name, roles), so the
//! bound caps the cache near 50 MB; in practice it holds the sessions seen in the last
//! [`SESSION_CACHE_TTL`], as [`SessionCache::purge`] runs on every change-feed tick.

use crate::comptes::CurrentUser;
use alliances_store::changes::{self, Change};
use alliances_store::sessions::SessionRecord;
use alliances_store::{Conn, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an entry may be served without asking the database again: the worst delay before
/// another instance stops serving a session closed or changed elsewhere if its change-feed row
/// were missed (normally the change feed, polled every `change_feed_poll_ms`, is faster).
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(5);
/// At most this many sessions are cached per instance.
pub const SESSION_CACHE_CAPACITY: usize = 100_000;
/// Change-feed entity and operation naming a user whose cached sessions must go.
pub const CHANGE_ENTITY: &str = "session";
pub const CHANGE_OPERATION: &str = "invalidate";

const SHARDS: usize = 16;

/// A resolved session, as a request needs it.
pub type Resolved = (SessionRecord, Option<CurrentUser>);

/// Appends the change-feed row telling every instance to drop the cached sessions of `user_id`,
/// in the caller's transaction.
pub async fn record_change(conn: &mut Conn, user_id: i64, at: i64) -> Result<(), StoreError> {
    changes::append(
        conn,
        CHANGE_ENTITY,
        &user_id.to_string(),
        CHANGE_OPERATION,
        at,
    )
    .await
}

/// The invalidation generation read before a database lookup; see [`SessionCache::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

struct Entry {
    value: Arc<Resolved>,
    /// The generation the filler read before its query.
    generation: u64,
    filled_at: Instant,
}

/// A user invalidation: entries of the user filled under an older generation are dead.
struct Mark {
    generation: u64,
    at: Instant,
}

#[derive(Default)]
struct Shard {
    entries: HashMap<String, Entry>,
    marks: HashMap<i64, Mark>,
}

impl Shard {
    fn servable(&self, e: &Entry, now: i64, at: Instant, ttl: Duration) -> bool {
        at.saturating_duration_since(e.filled_at) < ttl
            && e.value.0.expires_at > now
            && !self.killed(e)
    }

    /// Filled before an invalidation of its user.
    fn killed(&self, e: &Entry) -> bool {
        let mark = e.value.0.user_id.and_then(|u| self.marks.get(&u));
        mark.is_some_and(|m| e.generation < m.generation)
    }

    /// Drops dead entries, and marks older than twice the TTL: every entry a mark could kill was
    /// filled before it, so has reached its TTL by then (the margin covers the microseconds
    /// between reading the clock and taking the locks).
    fn purge(&mut self, now: i64, at: Instant, ttl: Duration) -> usize {
        let before = self.entries.len();
        let mut entries = std::mem::take(&mut self.entries);
        entries.retain(|_, e| self.servable(e, now, at, ttl));
        self.entries = entries;
        self.marks
            .retain(|_, m| at.saturating_duration_since(m.at) < ttl * 2);
        before - self.entries.len()
    }
}

/// The cache; one per [`crate::App`].
pub struct SessionCache {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    ttl: Duration,
    generation: AtomicU64,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self::new(SESSION_CACHE_CAPACITY, SESSION_CACHE_TTL)
    }
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache")
            .field("len", &self.len())
            .field("capacity", &(self.per_shard * SHARDS))
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl SessionCache {
    /// A cache of at most `capacity` entries (rounded up to a multiple of the shard count),
    /// each served for at most `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            ttl,
            generation: AtomicU64::new(0),
        }
    }

    fn shard(&self, id: &str) -> MutexGuard<'_, Shard> {
        lock(&self.shards[shard_index(id)])
    }

    /// Take this before reading a session from the database, and give it to [`Self::insert`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    /// The cached session `id` if it may still be served at `now` (epoch seconds).
    pub fn get(&self, id: &str, now: i64) -> Option<Arc<Resolved>> {
        self.get_at(id, now, Instant::now())
    }

    fn get_at(&self, id: &str, now: i64, at: Instant) -> Option<Arc<Resolved>> {
        let mut shard = self.shard(id);
        let e = shard.entries.get(id)?;
        if shard.servable(e, now, at, self.ttl) {
            return Some(Arc::clone(&e.value));
        }
        shard.entries.remove(id);
        None
    }

    /// Whether `id` would be served at `now` (for tests and the benchmark).
    pub fn contains(&self, id: &str, now: i64) -> bool {
        let at = Instant::now();
        let shard = self.shard(id);
        shard
            .entries
            .get(id)
            .is_some_and(|e| shard.servable(e, now, at, self.ttl))
    }

    /// Caches a session read from the database under `ticket`; refused (false) when an
    /// invalidation happened since the ticket was taken, or the session is already expired.
    pub fn insert(&self, ticket: Ticket, resolved: Resolved, now: i64) -> bool {
        self.insert_at(ticket, resolved, now, Instant::now())
    }

    fn insert_at(&self, ticket: Ticket, resolved: Resolved, now: i64, at: Instant) -> bool {
        if resolved.0.expires_at <= now {
            return false;
        }
        let id = resolved.0.id.clone();
        let mut shard = self.shard(&id);
        // Read under the shard lock: an invalidation that bumped the generation after this
        // point removes or marks the entry when it takes this lock in turn.
        if self.generation.load(Ordering::SeqCst) != ticket.0 {
            return false;
        }
        if shard.entries.len() >= self.per_shard && !shard.entries.contains_key(&id) {
            shard.purge(now, at, self.ttl);
            // Still full: drop arbitrary entries, an eighth of the shard at once so that the
            // next inserts do not scan again.
            let keep = self.per_shard - (self.per_shard / 8).max(1);
            if shard.entries.len() > keep {
                let excess = shard.entries.len() - keep;
                let victims: Vec<String> = shard.entries.keys().take(excess).cloned().collect();
                for v in victims {
                    shard.entries.remove(&v);
                }
            }
        }
        shard.entries.insert(
            id,
            Entry {
                value: Arc::new(resolved),
                generation: ticket.0,
                filled_at: at,
            },
        );
        true
    }

    /// Records a keep-alive write on the cached copy, so that the next hits do not write again.
    pub fn seen(&self, id: &str, last_seen_at: i64, expires_at: i64) {
        let mut shard = self.shard(id);
        if let Some(e) = shard.entries.get_mut(id) {
            let (mut session, user) = (*e.value).clone();
            session.last_seen_at = last_seen_at;
            session.expires_at = expires_at;
            e.value = Arc::new((session, user));
        }
    }

    /// Forgets one session (log-out); lookups in flight will not cache it again.
    pub fn invalidate_session(&self, id: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.shard(id).entries.remove(id);
    }

    /// Forgets every session of a user; lookups in flight will not cache them again.
    pub fn invalidate_user(&self, user_id: i64) {
        self.invalidate_user_at(user_id, Instant::now());
    }

    fn invalidate_user_at(&self, user_id: i64, at: Instant) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        for shard in self.shards.iter() {
            lock(shard).marks.insert(user_id, Mark { generation, at });
        }
    }

    /// Applies the session rows of a change-feed batch; returns how many users were named.
    pub fn apply_changes(&self, batch: &[Change]) -> usize {
        let mut users: Vec<i64> = batch
            .iter()
            .filter(|c| c.entity == CHANGE_ENTITY && c.operation == CHANGE_OPERATION)
            .filter_map(|c| c.entity_id.parse().ok())
            .collect();
        users.sort_unstable();
        users.dedup();
        for &u in &users {
            self.invalidate_user(u);
        }
        users.len()
    }

    /// Drops the entries that can no longer be served; returns how many.
    pub fn purge(&self, now: i64) -> usize {
        self.purge_at(now, Instant::now())
    }

    fn purge_at(&self, now: i64, at: Instant) -> usize {
        self.shards
            .iter()
            .map(|s| lock(s).purge(now, at, self.ttl))
            .sum()
    }

    /// Entries held (some may be dead until the next purge).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Ids are SHA-256 in hex: any few bytes spread them evenly.
fn shard_index(id: &str) -> usize {
    id.bytes().take(8).fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % SHARDS
}

/// Nothing in a critical section panics short of an allocation failure; should a lock be
/// poisoned all the same, its entries are dropped (marks stay) and the cache goes on.
fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    m.lock().unwrap_or_else(|poisoned| {
        m.clear_poison();
        let mut shard = poisoned.into_inner();
        shard.entries.clear();
        shard
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alliances_domain::comptes::Role;

    const NOW: i64 = 1_800_000_000;

    fn resolved(id: &str, user: Option<i64>) -> Resolved {
        (
            SessionRecord {
                id: id.into(),
                user_id: user,
                csrf_token: "csrf".into(),
                data: "{}".into(),
                created_at: NOW - 100,
                last_seen_at: NOW - 10,
                expires_at: NOW + 3600,
            },
            user.map(|id| CurrentUser {
                id,
                email: format!("u{id}@asso.fr"),
                name: "U".into(),
                verified: true,
                roles: vec![Role::Admin],
            }),
        )
    }

    fn cache() -> SessionCache {
        SessionCache::new(1_000, Duration::from_secs(5))
    }

    #[test]
    fn serves_within_the_ttl_and_never_past_expiry() {
        let c = cache();
        let t0 = Instant::now();
        assert!(c.get_at("a", NOW, t0).is_none(), "empty");
        assert!(c.insert_at(c.ticket(), resolved("a", Some(1)), NOW, t0));
        let hit = c.get_at("a", NOW, t0 + Duration::from_secs(4)).unwrap();
        assert_eq!(hit.0.id, "a");
        assert_eq!(hit.1.as_ref().unwrap().id, 1);
        assert!(
            c.get_at("a", NOW, t0 + Duration::from_secs(5)).is_none(),
            "TTL elapsed"
        );
        assert_eq!(c.len(), 0, "a dead entry found by a lookup is dropped");

        // The session's own expiry wins over the TTL.
        assert!(c.insert_at(c.ticket(), resolved("b", None), NOW, t0));
        assert!(c.get_at("b", NOW + 3599, t0).is_some());
        assert!(
            c.get_at("b", NOW + 3600, t0).is_none(),
            "expires_at reached"
        );
        assert!(
            !c.insert_at(c.ticket(), resolved("c", None), NOW + 3600, t0),
            "an expired session is not cached"
        );
    }

    #[test]
    fn the_keep_alive_write_updates_the_cached_copy() {
        let c = cache();
        assert!(c.insert(c.ticket(), resolved("a", Some(1)), NOW));
        c.seen("a", NOW, NOW + 7200);
        let hit = c.get("a", NOW).unwrap();
        assert_eq!((hit.0.last_seen_at, hit.0.expires_at), (NOW, NOW + 7200));
        c.seen("absent", NOW, NOW);
        assert!(!c.contains("absent", NOW));
    }

    #[test]
    fn bounded_in_size() {
        let c = SessionCache::new(64, Duration::from_secs(5));
        for i in 0..10_000 {
            assert!(c.insert(c.ticket(), resolved(&format!("{i:064x}"), Some(i)), NOW));
            assert!(c.len() <= 64, "{} entries after {i} inserts", c.len());
        }
        // The newest entry is always there.
        assert!(c.contains(&format!("{:064x}", 9_999), NOW));

        // A full shard drops its dead entries before live ones.
        let c = SessionCache::new(8 * SHARDS, Duration::from_secs(5));
        let in_shard_0: Vec<String> = (0..)
            .map(|i| format!("{i:064x}"))
            .filter(|id| shard_index(id) == 0)
            .take(17)
            .collect();
        let long_ago = Instant::now();
        let t0 = long_ago + Duration::from_secs(10);
        for id in &in_shard_0[..8] {
            assert!(c.insert_at(c.ticket(), resolved(id, None), NOW, long_ago));
        }
        for id in &in_shard_0[8..16] {
            assert!(c.insert_at(c.ticket(), resolved(id, None), NOW, t0));
        }
        assert_eq!(c.len(), 8);
        assert!(in_shard_0[8..16].iter().all(|id| c.contains(id, NOW)));
        // Full of live entries: an arbitrary one goes.
        assert!(c.insert_at(c.ticket(), resolved(&in_shard_0[16], None), NOW, t0));
        assert_eq!(c.len(), 8);
        assert!(c.contains(&in_shard_0[16], NOW));
        let held = c.len();
        assert_eq!(c.purge_at(NOW, t0 + Duration::from_secs(5)), held);
        assert!(c.is_empty());
    }

    #[test]
    fn invalidated_by_session_and_by_user() {
        let c = cache();
        for (id, user) in [("a", Some(1)), ("b", Some(1)), ("c", Some(2)), ("d", None)] {
            assert!(c.insert(c.ticket(), resolved(id, user), NOW));
        }
        c.invalidate_session("c");
        assert!(!c.contains("c", NOW));
        c.invalidate_user(1);
        assert!(c.get("a", NOW).is_none());
        assert!(c.get("b", NOW).is_none());
        assert!(c.get("d", NOW).is_some(), "other sessions stay");
        // The user's sessions can be cached again once read after the invalidation.
        assert!(c.insert(c.ticket(), resolved("a", Some(1)), NOW));
        assert!(c.get("a", NOW).is_some());
    }

    #[test]
    fn a_lookup_racing_with_an_invalidation_does_not_cache_stale_data() {
        let c = cache();
        let before_query = c.ticket();
        // ... the query runs; meanwhile the user's sessions are closed on this instance:
        c.invalidate_user(1);
        assert!(!c.insert(before_query, resolved("a", Some(1)), NOW));
        let before_query = c.ticket();
        c.invalidate_session("z");
        assert!(!c.insert(before_query, resolved("z", None), NOW));
        assert!(c.is_empty());
    }

    #[test]
    fn marks_outlive_the_entries_they_kill_then_go() {
        let c = cache();
        let t0 = Instant::now();
        assert!(c.insert_at(c.ticket(), resolved("a", Some(1)), NOW, t0));
        c.invalidate_user_at(1, t0);
        assert!(c.get_at("a", NOW, t0 + Duration::from_secs(1)).is_none());
        assert_eq!(c.purge_at(NOW, t0 + Duration::from_secs(6)), 0);
        assert!(
            !lock(&c.shards[0]).marks.is_empty(),
            "kept for twice the TTL"
        );
        c.purge_at(NOW, t0 + Duration::from_secs(10));
        assert!(lock(&c.shards[0]).marks.is_empty(), "old marks pruned");
    }

    #[test]
    fn change_feed_rows_name_users() {
        let c = cache();
        assert!(c.insert(c.ticket(), resolved("a", Some(7)), NOW));
        assert!(c.insert(c.ticket(), resolved("b", Some(8)), NOW));
        let change = |entity: &str, id: &str| Change {
            seq: 1,
            entity: entity.into(),
            entity_id: id.into(),
            operation: CHANGE_OPERATION.into(),
            at: NOW,
        };
        let batch = [
            change("referentiel", "7"),
            change(CHANGE_ENTITY, "7"),
            change(CHANGE_ENTITY, "7"),
            change(CHANGE_ENTITY, "pas un nombre"),
        ];
        assert_eq!(c.apply_changes(&batch), 1);
        assert!(!c.contains("a", NOW));
        assert!(c.contains("b", NOW));
    }
}

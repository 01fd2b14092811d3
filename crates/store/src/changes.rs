//! The change feed: every write that affects a derived index appends a row here in the same
//! transaction; each instance tails it by sequence number to refresh its indexes.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub operation: String,
    pub at: i64,
}

/// Appends a change, inside the caller's transaction.
pub async fn append(
    conn: &mut AnyConnection,
    entity: &str,
    entity_id: &str,
    operation: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO changes (entity, entity_id, operation, at) VALUES ($1, $2, $3, $4)")
        .bind(entity)
        .bind(entity_id)
        .bind(operation)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Changes after `after`, in order, at most `limit`.
pub async fn since(db: &Db, after: i64, limit: i64) -> Result<Vec<Change>, StoreError> {
    let rows = sqlx::query("SELECT seq, entity, entity_id, operation, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                seq: r.try_get("seq")?,
                entity: r.try_get("entity")?,
                entity_id: r.try_get("entity_id")?,
                operation: r.try_get("operation")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The latest sequence number (0 when the feed is empty).
pub async fn last_seq(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM changes")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("last")?)
}

/// Where an instance stands in the feed.
///
/// SQLite has one writer at a time: sequence numbers become visible in order. On PostgreSQL a
/// transaction takes its number when it writes and may commit after a later one: the tailer
/// must not step over a missing number while the transaction holding it may still commit. A
/// missing number is waited for until every transaction running when it was first seen has
/// ended (`pg_current_snapshot()`): then it is a rolled-back write and is passed. Re-applying a
/// change is harmless (indexes re-read the record), missing one is not.
#[derive(Debug, Clone, Default)]
pub struct Curseur {
    /// Every change up to this sequence number has been returned (or is known not to exist).
    pub dernier: i64,
    attente: Option<Attente>,
}

#[derive(Debug, Clone)]
struct Attente {
    /// The missing sequence number.
    seq: i64,
    /// `pg_snapshot_xmax` when it was first seen: once the oldest running transaction is at or
    /// above it, nobody can still commit that number.
    xmax: i64,
    depuis: std::time::Instant,
}

impl Curseur {
    pub fn depuis(dernier: i64) -> Curseur {
        Curseur {
            dernier,
            attente: None,
        }
    }

    /// The missing sequence number being waited for, and for how long (PostgreSQL).
    pub fn en_attente(&self) -> Option<(i64, std::time::Duration)> {
        self.attente.as_ref().map(|a| (a.seq, a.depuis.elapsed()))
    }
}

/// The next changes for `curseur`, in order, at most `limit`; advances it. On PostgreSQL, stops
/// before a missing sequence number that an open transaction may still commit.
pub async fn suivants(
    db: &Db,
    curseur: &mut Curseur,
    limit: i64,
) -> Result<Vec<Change>, StoreError> {
    if db.backend() == crate::db::Backend::Sqlite {
        let lot = since(db, curseur.dernier, limit).await?;
        if let Some(c) = lot.last() {
            curseur.dernier = c.seq;
        }
        return Ok(lot);
    }
    let rows = sqlx::query(
        "SELECT seq, entity, entity_id, operation, at, \
         pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin_courant, \
         pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax_courant \
         FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(curseur.dernier)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut lot = Vec::with_capacity(rows.len());
    for r in &rows {
        let seq: i64 = r.try_get("seq")?;
        let attendu = curseur.dernier + 1;
        if seq != attendu {
            let xmin: i64 = r.try_get("xmin_courant")?;
            let xmax: i64 = r.try_get("xmax_courant")?;
            match &curseur.attente {
                // Every transaction running when the gap was seen has ended: rolled back.
                Some(a) if a.seq == attendu && xmin >= a.xmax => {}
                Some(a) if a.seq == attendu => break,
                _ => {
                    curseur.attente = Some(Attente {
                        seq: attendu,
                        xmax,
                        depuis: std::time::Instant::now(),
                    });
                    break;
                }
            }
        }
        curseur.attente = None;
        curseur.dernier = seq;
        lot.push(Change {
            seq,
            entity: r.try_get("entity")?,
            entity_id: r.try_get("entity_id")?,
            operation: r.try_get("operation")?,
            at: r.try_get("at")?,
        });
    }
    Ok(lot)
}

/// Where a starting instance begins tailing, read before it builds its indexes from the
/// database. SQLite: the latest number. PostgreSQL: just before the oldest missing number
/// followed by a change of the last ten minutes (a transaction may still commit it, and the
/// indexes being built will not see it), else the latest. Starting earlier only re-applies
/// changes, which is harmless.
pub async fn depart(db: &Db, maintenant_secondes: i64) -> Result<i64, StoreError> {
    let dernier = last_seq(db).await?;
    if db.backend() == crate::db::Backend::Sqlite {
        return Ok(dernier);
    }
    let debut = (dernier - 10_000).max(0);
    let rows = sqlx::query("SELECT seq, at FROM changes WHERE seq > $1 ORDER BY seq")
        .bind(debut)
        .fetch_all(db.pool())
        .await?;
    let mut precedent = debut;
    for r in &rows {
        let seq: i64 = r.try_get("seq")?;
        let at: i64 = r.try_get("at")?;
        if seq != precedent + 1 && at >= maintenant_secondes - 600 {
            return Ok(precedent);
        }
        precedent = seq;
    }
    Ok(dernier)
}

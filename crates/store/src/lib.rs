//! Storage of Alliances over SQLite (embedded default) or PostgreSQL, with one code path through
//! sqlx's `Any` driver. Dialect differences are confined to this crate: migrations per backend
//! (`migrations/{sqlite,postgres}`) and the few statements in [`db`].
//!
//! One module per aggregate; every write that affects a derived index appends to the change feed
//! ([`changes`]) in the same transaction.

pub mod alliances;
pub mod audit;
pub mod bibliotheque;
pub mod changes;
pub mod contacts;
pub mod db;
pub mod experimentations;
pub mod import_rows;
pub mod imports;
pub mod ingenieries;
pub mod invitations;
pub mod jobs;
pub mod kits;
pub mod memberships;
pub mod moderation;
pub mod observatoire;
pub mod organisations;
pub mod relation;
pub mod sauvegarde;
pub mod sessions;
pub mod tableaux;
pub mod territoires;
pub mod territorial_roles;
pub mod testing;
pub mod tokens;
pub mod users;
pub mod veilles;

pub use db::{Backend, Db, StoreError};
/// The driver's error, for callers that open transactions (`db.pool().begin()`).
pub use sqlx::Error as SqlxError;

/// A connection (or a transaction, through `&mut *tx`) that store functions write through, so that
/// callers can group writes of several aggregates in one transaction without naming sqlx.
pub type Conn = sqlx::AnyConnection;
/// A write transaction (`Db::begin_write`).
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

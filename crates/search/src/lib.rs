//! Derived in-memory indexes. They are caches of the database: rebuilt at start and when the
//! change feed says their source changed.

pub mod territoires;

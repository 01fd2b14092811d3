//! Derived indexes: the territory autocomplete (in memory) and the organisations full-text and
//! facet index (tantivy). They are caches of the database: rebuilt at start and kept fresh from
//! the change feed.

pub mod globale;
pub mod organisations;
pub mod relation;
pub mod territoires;

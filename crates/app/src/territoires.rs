//! The referential in memory with its autocomplete index, rebuilt as one snapshot.

use crate::AppError;
use alliances_domain::territoires::Referentiel;
use alliances_search::territoires::TerritoireIndex;
use alliances_store::{territoires as store, Db, StoreError};

/// One consistent snapshot of the referential and the indexes derived from it.
pub struct Territoires {
    pub referentiel: Referentiel,
    pub index: TerritoireIndex,
}

impl Territoires {
    pub fn new(referentiel: Referentiel) -> Self {
        let index = TerritoireIndex::build(&referentiel);
        Self { referentiel, index }
    }

    /// Reads the referential from the database and builds the indexes.
    pub async fn load(db: &Db) -> Result<Self, AppError> {
        let data = store::load(db)
            .await?
            .ok_or_else(|| StoreError::Corrupt("aucun référentiel territorial en base".into()))?;
        Ok(Self::new(Referentiel::build(data)?))
    }
}

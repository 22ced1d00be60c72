//! What the engine needs of the store, as a trait the engine owns (STYLE.md habit 7): the
//! planner and the lanes are tested against it; [`Store`] implements it.

use crate::proto::classes::{ApplicationData, ItemClass};
use crate::store::{
    JournalEntry, JournalOutcome, StepCounts, Store, StoreError, StoredFolder, SyncStep,
};

use super::SyncError;

/// The item sync's view of the store.
pub trait SyncStore {
    /// A folder's stored state (key, FilterType, resync in flight).
    fn folder_state(&self, server_id: &str) -> Result<Option<StoredFolder>, StoreError>;
    /// Live items of a folder (soft-deleted ones excluded).
    fn live_count(&self, folder: &str) -> Result<usize, StoreError>;
    /// Items of a folder in resync not sent again yet (a sweep would take them out).
    fn pending_count(&self, folder: &str) -> Result<usize, StoreError>;
    /// The class and raw ApplicationData of an item held.
    fn held_raw(
        &self,
        folder: &str,
        server_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError>;
    /// Applies the steps of one response, each with its key, in one transaction.
    fn apply(&mut self, steps: &[SyncStep]) -> Result<Vec<StepCounts>, StoreError>;
    /// The local changes waiting for items now in `folder`, oldest first.
    fn pending_changes(&self, folder: &str) -> Result<Vec<JournalEntry>, StoreError>;
    /// Counts a request about to carry these changes.
    fn note_attempts(&mut self, ids: &[i64]) -> Result<(), StoreError>;
    /// Stores outcomes that come with no SyncKey.
    fn settle(&mut self, outcomes: &[JournalOutcome]) -> Result<(), StoreError>;
    /// Counts a response that left these changes out.
    fn note_unanswered(&mut self, ids: &[i64]) -> Result<(), StoreError>;
}

impl SyncStore for Store {
    fn folder_state(&self, server_id: &str) -> Result<Option<StoredFolder>, StoreError> {
        self.folder(server_id)
    }
    fn live_count(&self, folder: &str) -> Result<usize, StoreError> {
        self.item_count(folder).map(|n| n.max(0) as usize)
    }
    fn pending_count(&self, folder: &str) -> Result<usize, StoreError> {
        self.resync_pending_count(folder).map(|n| n.max(0) as usize)
    }
    fn held_raw(
        &self,
        folder: &str,
        server_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.stored_raw(folder, server_id)
    }
    fn apply(&mut self, steps: &[SyncStep]) -> Result<Vec<StepCounts>, StoreError> {
        self.apply_sync_steps(steps)
    }
    fn pending_changes(&self, folder: &str) -> Result<Vec<JournalEntry>, StoreError> {
        Store::pending_changes(self, folder)
    }
    fn note_attempts(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        Store::note_attempts(self, ids)
    }
    fn settle(&mut self, outcomes: &[JournalOutcome]) -> Result<(), StoreError> {
        self.settle_changes(outcomes)
    }
    fn note_unanswered(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        Store::note_unanswered(self, ids)
    }
}

/// The item held under `server_id`, typed again; an item whose stored data no longer decodes
/// counts as not held (a Change cannot be merged into it).
pub fn held_item(
    db: &impl SyncStore,
    folder: &str,
    server_id: &str,
) -> Result<Option<ApplicationData>, SyncError> {
    let Some((class, raw)) = db.held_raw(folder, server_id)? else {
        return Ok(None);
    };
    match ApplicationData::decode("store", &raw, ItemClass::from_name(&class)) {
        Ok(data) => Ok(Some(data)),
        Err(e) => {
            tracing::warn!(item = server_id, "the stored item does not decode: {e}");
            Ok(None)
        }
    }
}

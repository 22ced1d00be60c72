//! The items part of a sync run, shared by `easync sync` and `easync watch`: the wanted
//! folders' items, and what a server that says the hierarchy changed needs — a FolderSync and
//! the folders again; if it still says so, the whole hierarchy fetched again from key 0 and
//! matched (a server that lost this device's state renumbers every folder), and the folders
//! once more.

use crate::store::{StepCounts, Store, StoredFolder};

use super::items::{self, FolderReport, ItemOptions};
use super::{SyncError, Transport, hierarchy};

/// Syncs the items of the folders `wanted` picks (read again after each FolderSync).
pub async fn items(
    t: &mut impl Transport,
    db: &mut Store,
    opts: &ItemOptions,
    wanted: &dyn Fn(&StoredFolder) -> bool,
    on_step: &mut dyn FnMut(&str, &StepCounts),
) -> Result<Vec<(String, FolderReport)>, SyncError> {
    let moved = super::moves::send(t, db).await?;
    if moved > 0 {
        tracing::info!(moved, "local moves made on the server");
    }
    for attempt in 0..3 {
        let folders: Vec<StoredFolder> = db
            .folders()?
            .into_iter()
            .filter(|f| !f.orphaned && wanted(f))
            .collect();
        match items::sync_folders(t, db, &folders, opts, on_step).await {
            Err(SyncError::HierarchyChanged) if attempt == 0 => {
                hierarchy::sync(t, db).await?;
            }
            Err(SyncError::HierarchyChanged) if attempt == 1 => {
                tracing::warn!(
                    "the server still says the hierarchy changed after a FolderSync: fetching \
                     the whole folder list again"
                );
                hierarchy::sync_full(t, db).await?;
            }
            other => return other,
        }
    }
    Err(SyncError::HierarchyChanged)
}

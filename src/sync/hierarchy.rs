//! The folder hierarchy (MS-ASCMD 2.2.1.5 FolderSync): plan the changes purely, then apply them
//! with the new FolderSync key in one transaction.
//!
//! Status 9 (invalid key) restarts from key 0 **without deleting any local folder**
//! (EAS-4-TbSync/TbSync#716): the full list the server sends is matched against what is known —
//! by server id, else by type, name and parent (some servers issue new ids after a reset, and
//! those folders' item state restarts) — and folders the server no longer lists are kept.

use crate::proto::SyncKey;
use crate::proto::foldersync::{Folder, FolderChange, FolderSync, FolderSyncStatus};
use crate::store::{Store, StoredFolder};

use super::{SyncError, Transport};

/// What a FolderSync response changes locally.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HierarchyPlan {
    pub new_key: String,
    /// Folders to add or update (server id, name, parent, type, class).
    pub upserts: Vec<StoredFolder>,
    /// Known folders whose server id changed: (old id, new id). Their sync state restarts.
    pub renumbered: Vec<(String, String)>,
    /// Folders the server deleted.
    pub deletes: Vec<String>,
}

/// The class of a folder's items, from its EAS type (MS-ASCMD 2.2.3.186.3).
pub fn class_of_type(folder_type: u16) -> Option<&'static str> {
    Some(match folder_type {
        1 | 2..=6 | 12 => "Email",
        7 | 15 => "Tasks",
        8 | 13 => "Calendar",
        9 | 14 | 19 => "Contacts",
        10 | 17 => "Notes",
        _ => return None,
    })
}

fn stored(f: &Folder) -> StoredFolder {
    let folder_type = f.folder_type.code();
    StoredFolder {
        server_id: f.server_id.to_string(),
        parent_id: Some(f.parent_id.to_string()).filter(|p| p != "0"),
        name: f.display_name.clone(),
        folder_type: u8::try_from(folder_type).unwrap_or(18),
        class: class_of_type(folder_type).map(String::from),
        sync_key: "0".into(),
        filter_type: None,
        last_sync: None,
        resync: false,
    }
}

/// Plans an incremental response (status 1 with a key other than 0).
pub fn plan_changes(new_key: &str, changes: &[FolderChange]) -> HierarchyPlan {
    let mut plan = HierarchyPlan {
        new_key: new_key.into(),
        ..HierarchyPlan::default()
    };
    for c in changes {
        match c {
            FolderChange::Add(f) | FolderChange::Update(f) => plan.upserts.push(stored(f)),
            FolderChange::Delete(id) => plan.deletes.push(id.to_string()),
        }
    }
    plan
}

/// Plans a full list (a response to key 0) against what is known, deleting nothing.
pub fn plan_full_list(
    new_key: &str,
    known: &[StoredFolder],
    changes: &[FolderChange],
) -> HierarchyPlan {
    let mut plan = plan_changes(new_key, changes);
    plan.deletes.clear();
    let listed: Vec<&str> = plan.upserts.iter().map(|f| f.server_id.as_str()).collect();
    let parent_name = |all: &[StoredFolder], id: &Option<String>| {
        id.as_ref()
            .and_then(|p| all.iter().find(|f| &f.server_id == p))
            .map(|f| f.name.clone())
    };
    for new in &plan.upserts {
        if known.iter().any(|k| k.server_id == new.server_id) {
            continue;
        }
        // A folder known under another id that the server no longer lists: the same folder.
        let same = known.iter().find(|k| {
            !listed.contains(&k.server_id.as_str())
                && k.folder_type == new.folder_type
                && k.name == new.name
                && parent_name(known, &k.parent_id) == parent_name(&plan.upserts, &new.parent_id)
        });
        if let Some(old) = same {
            plan.renumbered
                .push((old.server_id.clone(), new.server_id.clone()));
        }
    }
    plan
}

/// Applies a plan and its key in one transaction.
pub fn apply(db: &mut Store, plan: &HierarchyPlan) -> Result<(), SyncError> {
    db.apply_hierarchy(
        &plan.renumbered,
        &plan.upserts,
        &plan.deletes,
        &plan.new_key,
    )?;
    Ok(())
}

/// FolderSync rounds after one that returned changes, at most: some servers send a nested
/// folder only in a later round (its parent arrived after it, PITFALLS 30), and the first
/// sync of an account must be complete.
pub const MAX_ROUNDS: usize = 4;

/// Brings the local hierarchy up to date: FolderSync again while a round returns changes (at
/// most [`MAX_ROUNDS`] rounds). Returns the number of folders changed.
pub async fn sync(transport: &mut impl Transport, db: &mut Store) -> Result<usize, SyncError> {
    let mut changed = 0;
    for _round in 0..MAX_ROUNDS {
        let n = sync_once(transport, db, false).await?;
        changed += n;
        if n == 0 {
            return Ok(changed);
        }
    }
    tracing::info!(
        "FolderSync still returned changes after {MAX_ROUNDS} rounds; the rest comes next run"
    );
    Ok(changed)
}

/// Fetches the whole hierarchy again from key 0 and matches it against the stored folders
/// (for a server that answers Sync with Status 12 even after a FolderSync: it lost this
/// device's state). Then the usual rounds.
pub async fn sync_full(transport: &mut impl Transport, db: &mut Store) -> Result<usize, SyncError> {
    let first = sync_once(transport, db, true).await?;
    Ok(first + sync(transport, db).await?)
}

/// One FolderSync (from key 0 when `full`), with Status 9 recovery.
async fn sync_once(
    transport: &mut impl Transport,
    db: &mut Store,
    full: bool,
) -> Result<usize, SyncError> {
    let mut key = db
        .account()?
        .foldersync_key
        .and_then(|k| SyncKey::try_from(k).ok())
        .filter(|_| !full)
        .unwrap_or_else(SyncKey::initial);
    for _attempt in 0..2 {
        let resp = transport
            .execute(&FolderSync {
                sync_key: key.clone(),
            })
            .await?;
        match resp.status {
            FolderSyncStatus::Success => {
                let new_key = resp.sync_key.as_ref().map(|k| k.as_str().to_string());
                let new_key = new_key.ok_or_else(|| {
                    SyncError::Server("FolderSync succeeded without a SyncKey".into())
                })?;
                let plan = if key.is_initial() {
                    plan_full_list(&new_key, &db.folders()?, &resp.changes)
                } else {
                    plan_changes(&new_key, &resp.changes)
                };
                let changed = plan.upserts.len() + plan.deletes.len();
                apply(db, &plan)?;
                return Ok(changed);
            }
            FolderSyncStatus::InvalidSyncKey if !key.is_initial() => {
                tracing::warn!(
                    "FolderSync key rejected (status 9): fetching the hierarchy again, keeping local data"
                );
                key = SyncKey::initial();
            }
            FolderSyncStatus::InvalidSyncKey => break,
            status => {
                return Err(SyncError::Server(format!(
                    "FolderSync failed: status {status}"
                )));
            }
        }
    }
    Err(SyncError::Server(
        "FolderSync rejected a fresh key (status 9 twice): the server's state for this device is broken; \
         remove the device on the server and try again"
            .into(),
    ))
}

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
        orphaned: false,
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

/// Plans a round of a full listing (a response to key 0, or a later round of it) against
/// what is known, deleting nothing. Folders already `seen` in this listing are not matched
/// again.
pub fn plan_full_list(
    new_key: &str,
    known: &[StoredFolder],
    changes: &[FolderChange],
    seen: &[String],
) -> HierarchyPlan {
    let mut plan = plan_changes(new_key, changes);
    plan.deletes.clear();
    let listed: Vec<&str> = plan.upserts.iter().map(|f| f.server_id.as_str()).collect();
    let name_in = |all: &[StoredFolder], id: &Option<String>| {
        id.as_ref()
            .and_then(|p| all.iter().find(|f| &f.server_id == p))
            .map(|f| f.name.clone())
    };
    // A parent sent in an earlier round of the listing is already stored under its new id.
    let parent_name =
        |id: &Option<String>| name_in(&plan.upserts, id).or_else(|| name_in(known, id));
    let mut renumbered = Vec::new();
    for new in &plan.upserts {
        if known.iter().any(|k| k.server_id == new.server_id) {
            continue;
        }
        // A folder known under another id that the server no longer lists: the same folder.
        let same = known.iter().find(|k| {
            !listed.contains(&k.server_id.as_str())
                && !seen.contains(&k.server_id)
                && !renumbered
                    .iter()
                    .any(|(old, _): &(String, String)| old == &k.server_id)
                && k.folder_type == new.folder_type
                && k.name == new.name
                && name_in(known, &k.parent_id) == parent_name(&new.parent_id)
        });
        if let Some(old) = same {
            renumbered.push((old.server_id.clone(), new.server_id.clone()));
        }
    }
    plan.renumbered = renumbered;
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
    rounds(transport, db, false).await
}

/// Fetches the whole hierarchy again from key 0 and matches it against the stored folders
/// (for a server that answers Sync with Status 12 even after a FolderSync: it lost this
/// device's state).
pub async fn sync_full(transport: &mut impl Transport, db: &mut Store) -> Result<usize, SyncError> {
    rounds(transport, db, true).await
}

/// FolderSync rounds. A listing from key 0 (asked for, or after Status 9) is matched against
/// the stored folders over all its rounds; once it is complete, stored folders it did not
/// list are marked orphaned: kept with their items (never deleted because of Status 9,
/// TbSync#716), no longer synced.
async fn rounds(
    transport: &mut impl Transport,
    db: &mut Store,
    full: bool,
) -> Result<usize, SyncError> {
    let mut listing: Option<Vec<String>> = None;
    let mut changed = 0;
    for round in 0..MAX_ROUNDS {
        let n = sync_once(transport, db, full && round == 0, &mut listing).await?;
        changed += n;
        if n == 0 {
            if let Some(seen) = &listing {
                db.mark_orphaned_folders(seen)?;
            }
            return Ok(changed);
        }
    }
    tracing::info!(
        "FolderSync still returned changes after {MAX_ROUNDS} rounds; the rest comes next run"
    );
    Ok(changed)
}

/// One FolderSync (from key 0 when `full`), with Status 9 recovery; `listing` collects the
/// folders of a listing from key 0 in progress.
async fn sync_once(
    transport: &mut impl Transport,
    db: &mut Store,
    full: bool,
    listing: &mut Option<Vec<String>>,
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
                if key.is_initial() {
                    *listing = Some(Vec::new());
                }
                let plan = match listing {
                    Some(seen) => {
                        let plan = plan_full_list(&new_key, &db.folders()?, &resp.changes, seen);
                        seen.extend(plan.upserts.iter().map(|f| f.server_id.clone()));
                        plan
                    }
                    None => plan_changes(&new_key, &resp.changes),
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

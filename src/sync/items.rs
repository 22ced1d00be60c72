//! Item sync of one folder (MS-ASCMD 2.2.1.21): bootstrap from key 0, then changes window by
//! window while MoreAvailable, each response applied with its new SyncKey in one transaction.
//! Status 3 restarts the folder from key 0 — items come back and are matched by ServerId, so
//! nothing is duplicated — at most twice; Status 12 asks the caller for a FolderSync.

use crate::proto::classes::ItemClass;
use crate::proto::sync::{
    BodyPreference, FilterType, ServerCommand, Sync, SyncCollection, SyncOptions, SyncStatus,
};
use crate::proto::{CollectionId, SyncKey, WindowSize};
use crate::store::{StepCounts, Store, StoredFolder, SyncStep};

use super::{SyncError, Transport, convert};

/// How to sync items.
#[derive(Debug, Clone)]
pub struct ItemOptions {
    pub window: WindowSize,
    pub body: BodyPreference,
    pub filter: Option<FilterType>,
    /// Responses with MoreAvailable but no change in a row before giving up.
    pub max_idle_rounds: usize,
    /// The mass-deletion guard: a response deleting more than this share of a folder's items
    /// (and more than `min_guarded_deletes`) is refused, not applied. `None` turns it off.
    pub max_delete_share: Option<f64>,
    pub min_guarded_deletes: usize,
}

impl Default for ItemOptions {
    fn default() -> Self {
        Self {
            window: WindowSize::new(100).expect("100 is a valid window"),
            body: BodyPreference {
                body_type: 1,
                truncation_size: Some(32 * 1024),
                all_or_none: None,
                preview: None,
            },
            filter: None,
            max_idle_rounds: 3,
            max_delete_share: Some(0.5),
            min_guarded_deletes: 10,
        }
    }
}

/// What syncing a folder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolderReport {
    pub counts: StepCounts,
    pub requests: usize,
}

impl FolderReport {
    fn add(&mut self, c: StepCounts) {
        self.counts.added += c.added;
        self.counts.changed += c.changed;
        self.counts.deleted += c.deleted;
        self.counts.soft_deleted += c.soft_deleted;
    }
}

/// Brings one folder up to date.
pub async fn sync_folder(
    t: &mut impl Transport,
    db: &mut Store,
    folder: &StoredFolder,
    opts: &ItemOptions,
) -> Result<FolderReport, SyncError> {
    sync_folder_with_progress(t, db, folder, opts, &mut |_| {}).await
}

/// [`sync_folder`], calling `on_step` with the counts of each step once it is committed.
pub async fn sync_folder_with_progress(
    t: &mut impl Transport,
    db: &mut Store,
    folder: &StoredFolder,
    opts: &ItemOptions,
    on_step: &mut dyn FnMut(&StepCounts),
) -> Result<FolderReport, SyncError> {
    let class = folder.class.as_deref().and_then(ItemClass::from_name);
    let id = CollectionId::try_from(folder.server_id.as_str())
        .map_err(|e| SyncError::Server(e.to_string()))?;
    let mut key = current_key(db, folder)?;
    let (mut report, mut resets, mut idle) = (FolderReport::default(), 0, 0);
    loop {
        let req = request(&key, &id, class, opts);
        let resp = t.execute(&req).await?;
        report.requests += 1;
        let Some(col) = resp.collections.into_iter().next() else {
            if let Some(status) = resp.status.filter(|s| *s != SyncStatus::Success) {
                return Err(SyncError::Server(format!(
                    "Sync of {} failed: status {status}",
                    folder.name
                )));
            }
            return Ok(report); // an empty response: no changes
        };
        match col.status {
            SyncStatus::Success => {}
            SyncStatus::InvalidSyncKey if resets < 2 => {
                tracing::warn!(folder = %folder.name, "sync key rejected (status 3): resyncing the folder from 0");
                resets += 1;
                key = SyncKey::initial();
                continue;
            }
            SyncStatus::FolderHierarchyChanged => return Err(SyncError::HierarchyChanged),
            status => {
                return Err(SyncError::Server(format!(
                    "Sync of {} failed: status {status}",
                    folder.name
                )));
            }
        }
        let new_key = col.sync_key.clone().ok_or_else(|| {
            SyncError::Server(format!("Sync of {} returned no SyncKey", folder.name))
        })?;
        let step = step(&folder.server_id, new_key.as_str(), col.commands)?;
        guard_deletions(db, folder, &step, opts)?;
        let progress = !step.upserts.is_empty()
            || !step.deletes.is_empty()
            || !step.soft_deletes.is_empty()
            || new_key != key;
        let counts = db.apply_sync_step(&step)?;
        on_step(&counts);
        report.add(counts);
        let was_bootstrap = key.is_initial();
        key = new_key;
        if col.more_available || was_bootstrap {
            idle = if progress { 0 } else { idle + 1 };
            if idle >= opts.max_idle_rounds {
                return Err(SyncError::Server(format!(
                    "Sync of {} keeps announcing more changes without sending any; stopped after {} rounds",
                    folder.name, opts.max_idle_rounds
                )));
            }
            continue;
        }
        return Ok(report);
    }
}

/// Refuses a response that would delete most of a folder (a server-side accident or a broken
/// server state must not empty the local mirror); nothing is applied, the key stays.
fn guard_deletions(
    db: &Store,
    folder: &StoredFolder,
    step: &SyncStep,
    opts: &ItemOptions,
) -> Result<(), SyncError> {
    let Some(share) = opts.max_delete_share else {
        return Ok(());
    };
    let deletes = step.deletes.len();
    if deletes <= opts.min_guarded_deletes {
        return Ok(()); // the common case: no count (it reads the whole folder)
    }
    let held = db.item_count(&folder.server_id)?.max(0) as usize;
    if deletes as f64 > share * held as f64 {
        return Err(SyncError::MassDeletion {
            folder: folder.name.clone(),
            deletes,
            held,
        });
    }
    Ok(())
}

fn current_key(db: &Store, folder: &StoredFolder) -> Result<SyncKey, SyncError> {
    let stored = db.folder(&folder.server_id)?.map(|f| f.sync_key);
    Ok(stored
        .and_then(|k| SyncKey::try_from(k).ok())
        .unwrap_or_else(SyncKey::initial))
}

fn request(key: &SyncKey, id: &CollectionId, class: Option<ItemClass>, opts: &ItemOptions) -> Sync {
    let mut c = SyncCollection::new(key.clone(), id.clone(), class);
    if !key.is_initial() {
        c.get_changes = Some(true);
        c.window_size = Some(opts.window);
        c.options = Some(SyncOptions {
            filter_type: opts.filter,
            body_preferences: vec![opts.body],
            ..SyncOptions::default()
        });
    }
    Sync {
        collections: vec![c],
        ..Sync::default()
    }
}

fn step(folder: &str, new_key: &str, commands: Vec<ServerCommand>) -> Result<SyncStep, SyncError> {
    let mut step = SyncStep {
        folder: folder.to_string(),
        new_key: new_key.to_string(),
        ..SyncStep::default()
    };
    for cmd in commands {
        match cmd {
            ServerCommand::Add { server_id, data } | ServerCommand::Change { server_id, data } => {
                let rec = convert::record(server_id.as_str(), &data)
                    .map_err(|e| SyncError::Server(e.to_string()))?;
                step.upserts.push(rec);
            }
            // A per-occurrence delete (16.x InstanceId) changes the series, not the item.
            ServerCommand::Delete {
                instance_id: Some(_),
                ..
            } => {}
            ServerCommand::Delete { server_id, .. } => step.deletes.push(server_id.to_string()),
            ServerCommand::SoftDelete { server_id } => {
                step.soft_deletes.push(server_id.to_string())
            }
        }
    }
    Ok(step)
}

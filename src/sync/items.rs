//! Item sync (MS-ASCMD 2.2.1.21) of several folders in one Sync request: bootstrap from key 0,
//! then changes window by window while MoreAvailable, each response applied with the new
//! SyncKeys of its folders in one transaction. Status 3 restarts that folder from key 0 — items
//! come back and are matched by ServerId, so nothing is duplicated — at most twice; Status 12
//! asks the caller for a FolderSync (after the other folders' changes are applied); Status 15
//! lowers the number of collections per request to the server's Limit.

use crate::model::Exception;
use crate::proto::classes::ItemClass;
use crate::proto::sync::{
    BodyPreference, CollectionResponse, FilterType, ServerCommand, Sync, SyncCollection,
    SyncOptions, SyncStatus,
};
use crate::proto::{CollectionId, SyncKey, WindowSize};
use crate::store::{InstanceChange, StepCounts, Store, StoredFolder, SyncStep};

use super::{SyncError, Transport, convert};

/// How to sync items.
#[derive(Debug, Clone)]
pub struct ItemOptions {
    pub window: WindowSize,
    /// The body of contacts, events, tasks and notes.
    pub body: BodyPreference,
    /// The body of mail (MS-ASAIRS 2.2.2.10); type 4 with `mail_mime` for whole MIME messages.
    pub mail_body: BodyPreference,
    /// Ask for MIME (`MIMESupport` 2) in mail folders.
    pub mail_mime: bool,
    /// The FilterType per class (MS-ASCMD 2.2.3.73.2); a class not listed is not filtered. It
    /// must stay constant per folder: a folder whose filter changes is resynced from key 0.
    pub filters: Vec<(ItemClass, FilterType)>,
    /// Responses with MoreAvailable but no change in a row before giving up.
    pub max_idle_rounds: usize,
    /// The mass-deletion guard: a response deleting more than this share of a folder's items
    /// (and more than `min_guarded_deletes`) is refused, not applied. `None` turns it off.
    pub max_delete_share: Option<f64>,
    pub min_guarded_deletes: usize,
    /// Collections per Sync request at most (lowered when the server answers Status 15).
    pub max_collections: usize,
}

impl ItemOptions {
    /// The FilterType for folders of `class`.
    pub fn filter_for(&self, class: Option<ItemClass>) -> Option<FilterType> {
        let class = class?;
        self.filters
            .iter()
            .find(|(c, _)| *c == class)
            .map(|(_, f)| *f)
    }
}

impl Default for ItemOptions {
    fn default() -> Self {
        Self {
            window: WindowSize::new(512).expect("512 is a valid window"),
            body: BodyPreference {
                body_type: 1,
                truncation_size: Some(32 * 1024),
                all_or_none: None,
                preview: None,
            },
            mail_body: BodyPreference {
                body_type: 1,
                truncation_size: Some(32 * 1024),
                all_or_none: None,
                preview: None,
            },
            mail_mime: false,
            filters: Vec::new(),
            max_idle_rounds: 3,
            max_delete_share: Some(0.5),
            min_guarded_deletes: 10,
            max_collections: 100,
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
    let mut reports =
        sync_folders(t, db, std::slice::from_ref(folder), opts, &mut |_, _| {}).await?;
    Ok(reports.pop().map(|(_, r)| r).unwrap_or_default())
}

/// One folder's state during a sync.
struct Lane<'f> {
    folder: &'f StoredFolder,
    id: CollectionId,
    class: Option<ItemClass>,
    key: SyncKey,
    /// Restarted from key 0 over a folder synced before: its next step marks the old items.
    restarted: bool,
    resets: usize,
    idle: usize,
    report: FolderReport,
    done: bool,
}

/// Brings `folders` up to date with as few requests as the server allows: one Sync carries
/// every folder that still has changes to fetch (MS-ASCMD 2.2.3.24.2: several collections per
/// request), a folder leaves the request once it has nothing more, and the whole response —
/// each folder's changes with its new key — is applied in one transaction. `on_step` hears
/// each folder's counts (by server id) after the commit. Returns a report per folder, in order.
pub async fn sync_folders(
    t: &mut impl Transport,
    db: &mut Store,
    folders: &[StoredFolder],
    opts: &ItemOptions,
    on_step: &mut dyn FnMut(&str, &StepCounts),
) -> Result<Vec<(String, FolderReport)>, SyncError> {
    let mut lanes = Vec::with_capacity(folders.len());
    for folder in folders {
        let class = folder.class.as_deref().and_then(ItemClass::from_name);
        lanes.push(Lane {
            folder,
            id: CollectionId::try_from(folder.server_id.as_str())
                .map_err(|e| SyncError::Server(e.to_string()))?,
            class,
            key: SyncKey::initial(),
            restarted: false,
            resets: 0,
            idle: 0,
            report: FolderReport::default(),
            done: false,
        });
        let lane = lanes.last_mut().expect("just pushed");
        (lane.key, lane.restarted) = current_key(db, folder, opts.filter_for(class))?;
    }
    let mut cap = opts.max_collections.max(1);
    loop {
        let batch: Vec<usize> = (0..lanes.len())
            .filter(|&i| !lanes[i].done)
            .take(cap)
            .collect();
        if batch.is_empty() {
            break;
        }
        let req = Sync {
            collections: batch.iter().map(|&i| collection(&lanes[i], opts)).collect(),
            ..Sync::default()
        };
        let resp = t.execute(&req).await?;
        match resp.status {
            Some(SyncStatus::TooManyCollections) if cap > 1 => {
                // MS-ASCMD 2.2.3.97: Limit says how many collections one request may carry.
                cap = resp.limit.map_or(cap / 2, |l| l as usize).clamp(1, cap - 1);
                tracing::info!(cap, "the server limits collections per Sync");
                continue;
            }
            Some(status) if status != SyncStatus::Success => {
                return Err(SyncError::Server(format!("Sync failed: status {status}")));
            }
            _ => {}
        }
        let answered = round(db, &mut lanes, &batch, resp.collections, opts, on_step)?;
        for i in batch.into_iter().filter(|i| !answered.contains(i)) {
            // Left out of the response (or an empty response): no changes in that folder.
            lanes[i].report.requests += 1;
            lanes[i].done = true;
        }
    }
    Ok(lanes
        .into_iter()
        .map(|l| (l.folder.server_id.clone(), l.report))
        .collect())
}

/// Plans and applies one response; returns the lanes it answered.
fn round(
    db: &mut Store,
    lanes: &mut [Lane<'_>],
    batch: &[usize],
    collections: Vec<CollectionResponse>,
    opts: &ItemOptions,
    on_step: &mut dyn FnMut(&str, &StepCounts),
) -> Result<Vec<usize>, SyncError> {
    let mut answered = Vec::new();
    let (mut owners, mut steps) = (Vec::new(), Vec::new());
    let mut hierarchy_changed = false;
    for col in collections {
        let Some(i) = batch
            .iter()
            .copied()
            .find(|&i| lanes[i].id == col.collection_id)
        else {
            tracing::warn!(collection = %col.collection_id, "Sync answered a collection it was not asked for");
            continue;
        };
        answered.push(i);
        match plan(db, &mut lanes[i], col, opts)? {
            Planned::Step(step) => {
                owners.push(i);
                steps.push(step);
            }
            Planned::Restart => {}
            Planned::HierarchyChanged => hierarchy_changed = true,
        }
    }
    let counts = db.apply_sync_steps(&steps)?;
    for (&i, c) in owners.iter().zip(&counts) {
        lanes[i].report.add(*c);
        on_step(&lanes[i].folder.server_id, c);
    }
    if hierarchy_changed {
        return Err(SyncError::HierarchyChanged);
    }
    Ok(answered)
}

/// What one collection of a response asks for.
enum Planned {
    /// Changes to apply with the new key.
    Step(SyncStep),
    /// Status 3: the folder starts again from key 0 in the next request.
    Restart,
    /// Status 12: a FolderSync is needed.
    HierarchyChanged,
}

/// Plans one collection of a response and moves its lane on (key, idle rounds, done).
fn plan(
    db: &Store,
    lane: &mut Lane<'_>,
    col: CollectionResponse,
    opts: &ItemOptions,
) -> Result<Planned, SyncError> {
    lane.report.requests += 1;
    match col.status {
        SyncStatus::Success => {}
        SyncStatus::InvalidSyncKey if lane.resets < 2 => {
            tracing::warn!(folder = %lane.folder.name, "sync key rejected (status 3): resyncing the folder from 0");
            lane.resets += 1;
            lane.key = SyncKey::initial();
            lane.restarted = true;
            return Ok(Planned::Restart);
        }
        SyncStatus::FolderHierarchyChanged => {
            lane.done = true;
            return Ok(Planned::HierarchyChanged);
        }
        status => {
            return Err(SyncError::Server(format!(
                "Sync of {} failed: status {status}",
                lane.folder.name
            )));
        }
    }
    let new_key = col.sync_key.clone().ok_or_else(|| {
        SyncError::Server(format!("Sync of {} returned no SyncKey", lane.folder.name))
    })?;
    let mut step = step(&lane.folder.server_id, new_key.as_str(), col.commands)?;
    step.filter_type = opts.filter_for(lane.class).map(|f| f.code() as u8);
    step.reset = std::mem::take(&mut lane.restarted);
    guard_deletions(db, lane.folder, &step, opts)?;
    let progress = !step.upserts.is_empty()
        || !step.deletes.is_empty()
        || !step.soft_deletes.is_empty()
        || !step.instance_changes.is_empty()
        || new_key != lane.key;
    let more = col.more_available || lane.key.is_initial();
    lane.key = new_key;
    lane.idle = if progress { 0 } else { lane.idle + 1 };
    if more && lane.idle >= opts.max_idle_rounds {
        return Err(SyncError::Server(format!(
            "Sync of {} keeps announcing more changes without sending any; stopped after {} rounds",
            lane.folder.name, opts.max_idle_rounds
        )));
    }
    lane.done = !more;
    Ok(Planned::Step(step))
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

/// The stored key, or key 0 (and "restarted") when the folder was synced with another
/// FilterType — the server would reject the key (PITFALLS 9); the items come back and are
/// matched by ServerId.
fn current_key(
    db: &Store,
    folder: &StoredFolder,
    filter: Option<FilterType>,
) -> Result<(SyncKey, bool), SyncError> {
    let Some(stored) = db.folder(&folder.server_id)? else {
        return Ok((SyncKey::initial(), false));
    };
    let wanted = filter.map(|f| f.code());
    if stored.sync_key != "0" && stored.filter_type.map(u16::from) != wanted {
        tracing::warn!(folder = %folder.name, from = ?stored.filter_type, to = ?wanted,
            "the FilterType changed: resyncing the folder from key 0");
        return Ok((SyncKey::initial(), true));
    }
    Ok((
        SyncKey::try_from(stored.sync_key).unwrap_or_else(|_| SyncKey::initial()),
        false,
    ))
}

fn collection(lane: &Lane<'_>, opts: &ItemOptions) -> SyncCollection {
    let mut c = SyncCollection::new(lane.key.clone(), lane.id.clone(), lane.class);
    if !lane.key.is_initial() {
        c.get_changes = Some(true);
        c.window_size = Some(opts.window);
        let mail = lane.class == Some(ItemClass::Email);
        c.options = Some(SyncOptions {
            filter_type: opts.filter_for(lane.class),
            body_preferences: vec![if mail { opts.mail_body } else { opts.body }],
            mime_support: (mail && opts.mail_mime).then_some(2),
            ..SyncOptions::default()
        });
    }
    c
}

fn step(folder: &str, new_key: &str, commands: Vec<ServerCommand>) -> Result<SyncStep, SyncError> {
    let mut step = SyncStep {
        folder: folder.to_string(),
        new_key: new_key.to_string(),
        ..SyncStep::default()
    };
    for cmd in commands {
        match cmd {
            ServerCommand::Change { server_id, data } if convert::instance(&data).is_some() => {
                let exception = convert::instance(&data).expect("checked by the guard");
                step.instance_changes.push(InstanceChange {
                    server_id: server_id.to_string(),
                    exception,
                });
            }
            ServerCommand::Add { server_id, data } | ServerCommand::Change { server_id, data } => {
                let rec = convert::record(server_id.as_str(), &data)
                    .map_err(|e| SyncError::Server(e.to_string()))?;
                step.upserts.push(rec);
            }
            // A per-occurrence delete (16.x InstanceId) cancels one occurrence, not the series.
            ServerCommand::Delete {
                server_id,
                instance_id: Some(instance),
            } => step.instance_changes.push(InstanceChange {
                server_id: server_id.to_string(),
                exception: Exception {
                    original_start: Some(instance),
                    deleted: true,
                    ..Exception::default()
                },
            }),
            ServerCommand::Delete { server_id, .. } => step.deletes.push(server_id.to_string()),
            ServerCommand::SoftDelete { server_id } => {
                step.soft_deletes.push(server_id.to_string())
            }
            ServerCommand::Undecodable {
                server_id, error, ..
            } => tracing::warn!(%server_id, %error, "skipped an item that could not be decoded"),
        }
    }
    Ok(step)
}

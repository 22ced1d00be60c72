//! A folder's lane through a sync run, and what a Sync status means for it (MS-ASCMD
//! 2.2.3.177.17): per collection and at the top level; the mass-deletion guard.

use crate::proto::classes::ItemClass;
use crate::proto::sync::SyncStatus;
use crate::proto::{CollectionId, SyncKey};
use crate::store::{ItemOp, StepCounts, StoredFolder, SyncStep};

use super::SyncError;
use super::items::{FolderReport, ItemOptions};
use super::plan::removals;
use super::store::SyncStore;

/// One folder's state during a sync.
pub(super) struct Lane<'f> {
    pub(super) folder: &'f StoredFolder,
    pub(super) id: CollectionId,
    pub(super) class: Option<ItemClass>,
    pub(super) key: SyncKey,
    /// Restarted from key 0 over a folder synced before: its next step begins a resync.
    pub(super) restarted: bool,
    /// The restart is for a new FilterType: what the resync does not bring back left the
    /// window (kept in exports), not the server.
    pub(super) window_reset: bool,
    /// A resync is in flight: the last page sweeps what the server did not send again.
    pub(super) resync: bool,
    pub(super) resets: usize,
    pub(super) retries: usize,
    pub(super) idle: usize,
    /// Items this run took out of the folder (deleted, soft-deleted, swept), for the guard.
    pub(super) removed: usize,
    pub(super) report: FolderReport,
    pub(super) done: bool,
    pub(super) failure: Option<SyncError>,
    /// Journal rows this run has sent (each goes once per run).
    pub(super) seen: std::collections::HashSet<i64>,
    /// The local changes the request in flight carries.
    pub(super) outgoing: super::outgoing::Outgoing,
    /// The server took deletes of this folder as moves to Deleted Items (that folder is synced
    /// once more in this run, so the mail shows there now).
    pub(super) trashed: bool,
    /// Deletes in the step in flight that this client asked for: not the server's, so not
    /// counted by the mass-deletion guard.
    pub(super) asked: usize,
}

impl Lane<'_> {
    pub(super) fn fail(&mut self, error: SyncError) {
        tracing::warn!(folder = %self.folder.name, "{error}");
        self.done = true;
        self.failure = Some(error);
    }

    /// Starts the folder again from key 0 (Status 3); false after two restarts.
    pub(super) fn restart(&mut self) -> bool {
        if self.resets >= 2 {
            return false;
        }
        tracing::warn!(folder = %self.folder.name, "sync key rejected (status 3): resyncing the folder from 0");
        self.resets += 1;
        self.key = SyncKey::initial();
        self.restarted = true;
        self.window_reset = false;
        true
    }
}

/// A top-level Sync status other than success (MS-ASCMD 2.2.3.177.17).
pub(super) async fn top_level(
    status: SyncStatus,
    lanes: &mut [Lane<'_>],
    batch: &[usize],
    retries: &mut u32,
) -> Result<(), SyncError> {
    match status {
        SyncStatus::FolderHierarchyChanged => Err(SyncError::HierarchyChanged),
        SyncStatus::InvalidSyncKey => {
            for &i in batch {
                if !lanes[i].restart() {
                    lanes[i].fail(SyncError::Server(format!(
                        "the server rejected the sync key of {} again after two restarts",
                        lanes[i].folder.name
                    )));
                }
            }
            Ok(())
        }
        SyncStatus::ServerError | SyncStatus::Retry if *retries < 2 => {
            *retries += 1;
            let wait = super::retry::exponential(
                std::time::Duration::from_millis(500),
                *retries,
                std::time::Duration::from_secs(8),
            );
            tracing::warn!("Sync answered status {status}: trying again in {wait:?}");
            tokio::time::sleep(wait).await;
            Ok(())
        }
        SyncStatus::ServerError | SyncStatus::Retry => Err(SyncError::Temporary(format!(
            "the server keeps answering Sync with status {} ({status}): try again later",
            status.code()
        ))),
        other => Err(SyncError::Server(explain(other))),
    }
}

/// What a top-level status means for the user.
fn explain(status: SyncStatus) -> String {
    let what = match status.code() {
        4 => {
            "the server calls the Sync request malformed: a bug in easync or a server it does \
              not understand yet; run with -vvv and report the exchange"
        }
        6 => {
            "the server could not convert an item: run with -vvv to see which folder, and \
              report it"
        }
        9 => "the mailbox is full: free space on the server, then sync again",
        13 => {
            "the server lost the state of this device's last request: sync again; if it \
               persists, remove the device partnership on the server"
        }
        14 => {
            "the server refused the request's Wait or HeartbeatInterval: check the account's \
               watch settings"
        }
        _ => "see MS-ASCMD 2.2.3.177.17",
    };
    format!("Sync failed: status {} ({status}): {what}", status.code())
}

/// What one collection of a response asks for.
pub(super) enum Planned {
    /// Changes to apply with the new key, and the items Changes named that are not held.
    Step(SyncStep, Vec<String>),
    /// Nothing to apply now (a restart, a retry, a failure).
    Nothing,
    /// Status 12 or 8: a FolderSync is needed.
    HierarchyChanged,
}

/// A collection's status other than success (MS-ASCMD 2.2.3.177.17), as what the lane does.
pub(super) fn collection_status(lane: &mut Lane<'_>, status: SyncStatus) -> Option<Planned> {
    let name = lane.folder.name.clone();
    match status {
        SyncStatus::Success => return None,
        SyncStatus::InvalidSyncKey => {
            if !lane.restart() {
                lane.fail(SyncError::Server(format!(
                    "the server rejected the sync key of {name} again after two restarts"
                )));
            }
        }
        // The server no longer knows the collection: the hierarchy is out of date.
        SyncStatus::FolderHierarchyChanged | SyncStatus::ObjectNotFound => {
            tracing::info!(folder = %name, "Sync answered status {} ({status}): the folder list is refreshed", status.code());
            lane.done = true;
            return Some(Planned::HierarchyChanged);
        }
        SyncStatus::ServerError | SyncStatus::Retry if lane.retries < 2 => lane.retries += 1,
        SyncStatus::ServerError | SyncStatus::Retry => lane.fail(SyncError::Temporary(format!(
            "the server keeps answering the Sync of {name} with status {} ({status}): try again later",
            status.code()
        ))),
        status => lane.fail(SyncError::Server(format!(
            "Sync of {name} failed: status {} ({status}); the other folders were synced",
            status.code()
        ))),
    }
    Some(Planned::Nothing)
}

/// Refuses a response that would take most of a folder's items out in this run (a server-side
/// accident or a broken server state must not empty the local mirror); nothing of it is
/// applied, the key stays. Counts the run's earlier removals of the folder too.
pub(super) fn guard_deletions(
    db: &impl SyncStore,
    lane: &Lane<'_>,
    step: &SyncStep,
    opts: &ItemOptions,
) -> Result<Option<SyncError>, SyncError> {
    let Some(share) = opts.max_delete_share else {
        return Ok(None);
    };
    let mut removing = removals(&step.ops).saturating_sub(lane.asked);
    if step.sweep {
        let puts = step
            .ops
            .iter()
            .filter(|o| matches!(o, ItemOp::Put(_)))
            .count();
        removing += db
            .pending_count(&lane.folder.server_id)?
            .saturating_sub(puts);
    }
    let total = lane.removed + removing;
    if removing == 0 || total <= opts.min_guarded_deletes {
        return Ok(None); // the common case: no count (it reads the folder's index)
    }
    // What the folder held when the run began, with what this run added.
    let held = db.live_count(&lane.folder.server_id)? + lane.removed;
    if total as f64 > share * held as f64 {
        return Ok(Some(SyncError::MassDeletion {
            folder: lane.folder.name.clone(),
            deletes: total,
            held,
            applied: lane.removed,
        }));
    }
    Ok(None)
}

/// A folder in resync the server has nothing more for has been sent whole: its sweep is due
/// although no page came (an empty response carries none).
pub(super) fn sweep_idle(
    db: &mut impl SyncStore,
    lanes: &mut [Lane<'_>],
    idle: &[usize],
    opts: &ItemOptions,
    on_step: &mut dyn FnMut(&str, &StepCounts),
) -> Result<(), SyncError> {
    let (mut owners, mut steps) = (Vec::new(), Vec::new());
    for &i in idle {
        let lane = &mut lanes[i];
        if !lane.resync || lane.key.is_initial() {
            continue;
        }
        let step = SyncStep {
            folder: lane.folder.server_id.clone(),
            new_key: lane.key.as_str().to_string(),
            filter_type: opts.filter_for(lane.class).map(|f| f.code() as u8),
            sweep: true,
            ..SyncStep::default()
        };
        if let Some(refused) = guard_deletions(db, lane, &step, opts)? {
            lane.fail(refused);
            continue;
        }
        lane.resync = false;
        owners.push(i);
        steps.push(step);
    }
    if steps.is_empty() {
        return Ok(());
    }
    let counts = db.apply(&steps)?;
    for (&i, c) in owners.iter().zip(&counts) {
        lanes[i].report.counts.add(c);
        lanes[i].removed += c.soft_deleted;
        on_step(&lanes[i].folder.server_id, c);
    }
    Ok(())
}

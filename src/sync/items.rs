//! Item sync (MS-ASCMD 2.2.1.21) of several folders in one Sync request: bootstrap from key 0,
//! then changes window by window while MoreAvailable, each response's operations applied in
//! the server's order ([`super::plan`]) with the new SyncKeys of its folders in one transaction.
//!
//! Each folder is a lane of its own: a folder's status never stops the others (MS-ASCMD
//! 2.2.3.177.17). Per collection: 3 restarts the folder from key 0 as a resync (at most twice;
//! items held are marked and only swept when the server has sent everything again, items
//! re-sent under new ServerIds are matched by content); 5 and 16 retry the folder in the next
//! request (twice); 8 and 12 ask for a FolderSync (after the other folders' changes are applied); 4, 6 and others skip the folder with the
//! server's reason. At the top level: 12 asks for a FolderSync, 3 restarts every folder of the
//! request, 5 and 16 retry the request, 15 lowers the collections per request to the server's
//! Limit, and 4, 6, 9, 13, 14 stop the run with what to do.
//!
//! Guards: the mass-deletion guard counts per folder over the whole run (Deletes, SoftDeletes
//! and the resync sweep); the MoreAvailable guard counts rounds that carry no command, whatever
//! the key (Exchange sends a fresh key on every response).

use crate::proto::WindowSize;
use crate::proto::classes::ItemClass;
use crate::proto::sync::{BodyPreference, CollectionResponse, FilterType, Sync, SyncStatus};
use crate::store::{ItemOp, StepCounts, StoredFolder, SyncStep};

use super::lane::{Lane, Planned, collection_status, guard_deletions, top_level};
use super::lane_setup::{collection, lane};
use super::plan;
use super::store::{SyncStore, held_item};
use super::{SyncError, Transport, fetch};

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
    /// The mass-deletion guard: once a run would take more than this share of a folder's items
    /// out (and more than `min_guarded_deletes`), the response that would do it is refused, not
    /// applied. `None` turns it off.
    pub max_delete_share: Option<f64>,
    pub min_guarded_deletes: usize,
    /// Collections per Sync request at most (lowered when the server answers Status 15).
    pub max_collections: usize,
    /// `Conflict` (MS-ASCMD 2.2.3.34) sent with changes: `None` the server's default (its
    /// version wins), 0 this client's change wins.
    pub conflict: Option<u8>,
    /// The protocol spoken (items from files are converted for it).
    pub version: crate::proto::ProtocolVersion,
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
            conflict: None,
            version: crate::proto::ProtocolVersion::V14_1,
        }
    }
}

/// What syncing a folder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolderReport {
    pub counts: StepCounts,
    pub requests: usize,
    /// Changes the server sent for items not held (nothing was created for them).
    pub unknown_changes: usize,
}

/// Brings one folder up to date.
pub async fn sync_folder(
    t: &mut impl Transport,
    db: &mut impl SyncStore,
    folder: &StoredFolder,
    opts: &ItemOptions,
) -> Result<FolderReport, SyncError> {
    let mut reports =
        sync_folders(t, db, std::slice::from_ref(folder), opts, &mut |_, _| {}).await?;
    Ok(reports.pop().map(|(_, r)| r).unwrap_or_default())
}

/// Brings `folders` up to date with as few requests as the server allows: one Sync carries
/// every folder that still has changes to fetch (MS-ASCMD 2.2.3.24.2: several collections per
/// request), a folder leaves the request once it has nothing more, and the whole response —
/// each folder's changes with its new key — is applied in one transaction. `on_step` hears
/// each folder's counts (by server id) after the commit. Returns a report per folder, in
/// order; a folder that failed does not stop the others, and the failures are returned at the
/// end (one as itself, several as [`SyncError::Folders`]).
pub async fn sync_folders(
    t: &mut impl Transport,
    db: &mut impl SyncStore,
    folders: &[StoredFolder],
    opts: &ItemOptions,
    on_step: &mut dyn FnMut(&str, &StepCounts),
) -> Result<Vec<(String, FolderReport)>, SyncError> {
    let mut lanes = Vec::with_capacity(folders.len());
    for folder in folders {
        lanes.push(lane(db, folder, opts)?);
    }
    let mut cap = opts.max_collections.max(1);
    let mut top_retries = 0;
    loop {
        let batch: Vec<usize> = (0..lanes.len())
            .filter(|&i| !lanes[i].done)
            .take(cap)
            .collect();
        if batch.is_empty() {
            break;
        }
        super::outgoing::prepare(db, &mut lanes, &batch, opts.version)?;
        let req = Sync {
            collections: batch.iter().map(|&i| collection(&lanes[i], opts)).collect(),
            ..Sync::default()
        };
        let resp = t.execute(&req).await?;
        match resp.status.unwrap_or(SyncStatus::Success) {
            SyncStatus::Success => top_retries = 0,
            SyncStatus::TooManyCollections if cap > 1 => {
                // MS-ASCMD 2.2.3.97: Limit says how many collections one request may carry.
                cap = resp.limit.map_or(cap / 2, |l| l as usize).clamp(1, cap - 1);
                tracing::info!(cap, "the server limits collections per Sync");
                continue;
            }
            status => {
                top_level(status, &mut lanes, &batch, &mut top_retries).await?;
                continue;
            }
        }
        let answered = round(t, db, &mut lanes, &batch, resp.collections, opts, on_step).await?;
        let unanswered: Vec<usize> = batch
            .into_iter()
            .filter(|i| !answered.contains(i))
            .collect();
        for &i in &unanswered {
            // Left out of the response (or an empty response): no changes in that folder; the
            // changes the request carried go again, dropped edits are fetched now.
            lanes[i].report.requests += 1;
            super::outgoing::refetch_unanswered(t, db, &mut lanes[i], opts).await?;
            super::outgoing::unanswered(db, &mut lanes[i])?;
            lanes[i].done = !super::outgoing::unsent(db, &lanes[i])?;
        }
        super::lane::sweep_idle(db, &mut lanes, &unanswered, opts, on_step)?;
        super::outgoing::reopen_trash(&mut lanes);
    }
    finish(lanes)
}

/// The reports, or the failures (one as itself, several together).
fn finish(lanes: Vec<Lane<'_>>) -> Result<Vec<(String, FolderReport)>, SyncError> {
    let mut reports = Vec::with_capacity(lanes.len());
    let mut failures = Vec::new();
    for l in lanes {
        if let Some(e) = l.failure {
            failures.push((l.folder.name.clone(), e));
        }
        reports.push((l.folder.server_id.clone(), l.report));
    }
    match failures.len() {
        0 => Ok(reports),
        1 => Err(failures.pop().expect("one").1),
        _ => Err(SyncError::Folders(failures)),
    }
}

/// Plans and applies one response (with the items its Changes named but the store lacks,
/// fetched whole); returns the lanes it answered.
async fn round(
    t: &mut impl Transport,
    db: &mut impl SyncStore,
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
        match plan_lane(db, &mut lanes[i], col, opts)? {
            Planned::Step(mut step, unknown) => {
                if !unknown.is_empty() {
                    let lane = &lanes[i];
                    let body = if lane.class == Some(ItemClass::Email) {
                        opts.mail_body
                    } else {
                        opts.body
                    };
                    let mime =
                        (lane.class == Some(ItemClass::Email) && opts.mail_mime).then_some(2);
                    match fetch::whole_items(t, &lane.id, lane.class, &unknown, body, mime).await {
                        Ok(fetched) => {
                            tracing::info!(folder = %lane.folder.name, named = unknown.len(),
                                fetched = fetched.len(), "Changes for items not held: fetched whole");
                            step.ops.extend(fetched.into_iter().map(ItemOp::Put));
                        }
                        // Not applied: the key stays, so the server sends the Change again.
                        Err(e) => {
                            lanes[i].fail(e);
                            continue;
                        }
                    }
                }
                owners.push(i);
                steps.push(step);
            }
            Planned::Nothing => {}
            Planned::HierarchyChanged => hierarchy_changed = true,
        }
    }
    let counts = db.apply(&steps)?;
    for (&i, c) in owners.iter().zip(&counts) {
        let lane = &mut lanes[i];
        lane.report.counts.add(c);
        lane.removed +=
            (c.deleted + c.soft_deleted).saturating_sub(std::mem::take(&mut lane.asked));
        on_step(&lane.folder.server_id, c);
    }
    if hierarchy_changed {
        return Err(SyncError::HierarchyChanged);
    }
    Ok(answered)
}

/// Plans one collection of a response and moves its lane on (key, idle rounds, done).
fn plan_lane(
    db: &impl SyncStore,
    lane: &mut Lane<'_>,
    col: CollectionResponse,
    opts: &ItemOptions,
) -> Result<Planned, SyncError> {
    lane.report.requests += 1;
    if let Some(planned) = collection_status(lane, col.status) {
        lane.unsend();
        return Ok(planned);
    }
    let Some(new_key) = col.sync_key.clone() else {
        lane.fail(SyncError::Server(format!(
            "Sync of {} returned no SyncKey",
            lane.folder.name
        )));
        return Ok(Planned::Nothing);
    };
    let folder = lane.folder.server_id.clone();
    let class = lane.folder.class.as_deref().unwrap_or("Other");
    let planned =
        match plan::plan_commands(col.commands, class, &mut |id| held_item(db, &folder, id)) {
            Ok(planned) => planned,
            Err(SyncError::Store(e)) => return Err(SyncError::Store(e)),
            Err(e) => {
                lane.fail(e);
                return Ok(Planned::Nothing);
            }
        };
    let initial = lane.key.is_initial();
    let more = col.more_available || initial;
    let reset = std::mem::take(&mut lane.restarted);
    let window_reset = reset && std::mem::take(&mut lane.window_reset);
    lane.resync |= reset;
    let progress = initial || !planned.ops.is_empty() || !planned.unknown_changes.is_empty();
    let mut answers = super::outgoing::answers(&lane.outgoing.sent, &col.responses);
    // A series just added whose 16.x occurrences follow: this folder goes once more.
    let again = answers
        .outcomes
        .iter()
        .any(|o| matches!(o.outcome, crate::store::Outcome::Added { again: true, .. }));
    lane.trashed |= !answers.deleted.is_empty() && lane.outgoing.deletes_as_moves != Some(false);
    let mut ops = planned.ops;
    lane.asked = answers.deleted.len();
    ops.extend(answers.deleted.drain(..).map(ItemOp::Delete));
    ops.extend(answers.added.drain(..).map(ItemOp::Put));
    ops.extend(answers.instances.drain(..).map(ItemOp::Instance));
    super::outgoing::reapply(
        db,
        &folder,
        &lane.outgoing.sent,
        &answers.outcomes,
        &mut ops,
    )?;
    let step = SyncStep {
        folder,
        new_key: new_key.as_str().to_string(),
        filter_type: opts.filter_for(lane.class).map(|f| f.code() as u8),
        sweep: lane.resync && !more,
        ops,
        reset,
        window_reset,
        journal: {
            let mut j = std::mem::take(&mut answers.outcomes);
            j.extend(super::outgoing::refetched(&lane.outgoing));
            j
        },
    };
    if let Some(refused) = guard_deletions(db, lane, &step, opts)? {
        lane.fail(refused);
        return Ok(Planned::Nothing);
    }
    lane.idle = if progress { 0 } else { lane.idle + 1 };
    if more && lane.idle >= opts.max_idle_rounds {
        lane.fail(SyncError::Server(format!(
            "Sync of {} keeps announcing more changes without sending any; stopped after {} rounds",
            lane.folder.name, opts.max_idle_rounds
        )));
        return Ok(Planned::Nothing);
    }
    lane.report.unknown_changes += planned.unknown_changes.len();
    lane.resync &= more;
    lane.key = new_key;
    let refetch: Vec<String> = lane
        .outgoing
        .refetch
        .iter()
        .map(|(_, s)| s.clone())
        .collect();
    lane.outgoing = Default::default();
    lane.done = !more && !again && !super::outgoing::unsent(db, lane)?;
    let mut fetch = planned.unknown_changes;
    fetch.extend(answers.refetch);
    fetch.extend(refetch);
    Ok(Planned::Step(step, fetch))
}

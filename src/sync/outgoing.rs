//! Local changes carried by a folder's Sync request (MS-ASCMD 2.2.3.24.3 `Change`, 2.2.3.42.3
//! `Delete`) and what the server's `Responses` (2.2.3.155) mean for each journal row.
//!
//! A mail Change carries only what changed — `Read`, `Flag`, `Categories`, the elements a
//! client may change in a mail (MS-ASEMAIL 2.2.2) — and the journal rows of one item travel as
//! one command (a request may not name an item twice). Outcomes: no response or Status 1 → done
//! (a server answers a Change or Delete only when it failed, MS-ASCMD 2.2.3.24.1); Status 7 →
//! a conflict: the server's version stays and is fetched again; 6 → failed (the server could not
//! convert it), fetched again; 8 on a Delete → done (already gone), on a Change → failed (the
//! item is no longer on the server). The rows of a request whose collection failed stay pending
//! and go again: a Change or Delete sent twice changes nothing more.

use std::collections::HashSet;

use crate::model::{MailEdit, Payload};
use crate::proto::ServerId;
use crate::proto::classes::ApplicationData;
use crate::proto::sync::ClientCommand;
use crate::store::{JournalEntry, JournalOutcome, Outcome};

/// One command sent, and the journal rows it settles.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sent {
    pub ids: Vec<i64>,
    pub server_id: String,
    pub delete: bool,
    /// A mail edit: laid over the item again once the server took it (a resync or a server
    /// change may have rewritten the item meanwhile, and the server does not send this
    /// device its own change back).
    pub edit: Option<MailEdit>,
    /// An Add's ClientId (its answer is matched by it).
    pub client_id: Option<String>,
    /// An Add's data: the item the mirror holds once the server gives it a ServerId.
    pub added: Option<ApplicationData>,
    /// An Add whose series has occurrences to send on 16.x once it has its ServerId: the
    /// journal gets a Change of it when it is taken.
    pub again: bool,
    /// The occurrences a 16.x Change sent on their own: kept by the store once taken.
    pub instances: Vec<crate::model::Exception>,
}

/// What one folder's request carries.
#[derive(Debug, Default)]
pub(super) struct Outgoing {
    pub commands: Vec<ClientCommand>,
    pub sent: Vec<Sent>,
    /// `DeletesAsMoves` for the request (MS-ASCMD 2.2.3.42): false when its deletes are hard.
    pub deletes_as_moves: Option<bool>,
    /// Rows that cannot be sent at all (their item left the mirror, a payload unreadable).
    pub unsendable: Vec<JournalOutcome>,
    /// Rows left for the next request (the other kind of delete).
    pub left_over: bool,
    /// Dropped edits (`fetch` rows): the items fetched again, and the rows done with them.
    pub refetch: Vec<(i64, String)>,
}

impl Outgoing {
    pub fn ids(&self) -> Vec<i64> {
        self.sent
            .iter()
            .flat_map(|s| s.ids.iter().copied())
            .collect()
    }
}

/// Commands per folder in one request at most; the rest go with the next request.
pub const MAX_COMMANDS: usize = 200;

/// The commands for `entries` (a folder's pending rows) not sent yet in this run (`seen`).
/// Moves go by MoveItems, not here; hard and soft deletes are not mixed in one request (the
/// others wait for the next one).
pub(super) fn build(
    entries: &[JournalEntry],
    seen: &mut HashSet<i64>,
    ctx: &super::outgoing_files::Ctx<'_>,
) -> Outgoing {
    let mut out = Outgoing::default();
    let mut edits: Vec<(String, Vec<i64>, MailEdit)> = Vec::new();
    let mut deletes: Vec<(String, Vec<i64>)> = Vec::new();
    for e in entries {
        if seen.contains(&e.id) || e.kind == "move" {
            continue;
        }
        if e.unanswered >= MAX_ATTEMPTS {
            seen.insert(e.id);
            out.unsendable.push(JournalOutcome {
                id: e.id,
                outcome: Outcome::Failed {
                    status: None,
                    error: format!(
                        "sent {} times without an answer from the server (it may have taken \
                         it: check on another device), then `easync changes retry` or `drop`",
                        e.unanswered
                    ),
                },
            });
            continue;
        }
        if e.kind == "add" {
            continue;
        }
        if edits.len() + deletes.len() >= MAX_COMMANDS {
            out.left_over = true;
            break;
        }
        let (Some(_), Some(sid)) = (e.item_id, e.server_id.clone()) else {
            seen.insert(e.id);
            out.unsendable.push(gone(e));
            continue;
        };
        match (e.kind.as_str(), serde_json::from_str::<Payload>(&e.payload)) {
            ("change", _) => {} // from a file: below
            ("fetch", _) => {
                seen.insert(e.id);
                out.refetch.push((e.id, sid));
            }
            ("mail", Ok(Payload::Mail(edit))) => {
                seen.insert(e.id);
                match edits.iter_mut().find(|(s, ..)| *s == sid) {
                    Some((_, ids, merged)) => {
                        ids.push(e.id);
                        *merged = std::mem::take(merged).then(&edit);
                    }
                    None => edits.push((sid, vec![e.id], edit)),
                }
            }
            ("delete", Ok(Payload::Delete { hard })) => {
                if *out.deletes_as_moves.get_or_insert(!hard) == hard {
                    out.left_over = true; // the other kind of delete: next request
                    continue;
                }
                seen.insert(e.id);
                deletes.push((sid, vec![e.id]));
            }
            (kind, _) => {
                seen.insert(e.id);
                out.unsendable.push(JournalOutcome {
                    id: e.id,
                    outcome: Outcome::Failed {
                        status: None,
                        error: format!(
                            "this easync cannot send a {kind:?} change recorded as {}",
                            e.payload
                        ),
                    },
                });
            }
        }
    }
    // A deleted item's edits go with its Delete (they no longer matter).
    for (sid, ids, edit) in edits {
        if let Some((_, del_ids)) = deletes.iter_mut().find(|(s, _)| *s == sid) {
            del_ids.extend(ids);
            continue;
        }
        let Ok(server_id) = ServerId::try_from(sid.as_str()) else {
            out.unsendable
                .extend(ids.iter().map(|&id| bad_id(id, &sid)));
            continue;
        };
        out.commands.push(ClientCommand::Change {
            server_id,
            instance_id: None,
            data: mail_change(&edit),
        });
        out.sent.push(Sent {
            ids,
            server_id: sid,
            delete: false,
            edit: Some(edit),
            client_id: None,
            added: None,
            again: false,
            instances: Vec::new(),
        });
    }
    for (sid, ids) in deletes {
        let Ok(server_id) = ServerId::try_from(sid.as_str()) else {
            out.unsendable
                .extend(ids.iter().map(|&id| bad_id(id, &sid)));
            continue;
        };
        out.commands.push(ClientCommand::Delete {
            server_id,
            instance_id: None,
        });
        out.sent.push(Sent {
            ids,
            server_id: sid,
            delete: true,
            edit: None,
            client_id: None,
            added: None,
            again: false,
            instances: Vec::new(),
        });
    }
    let room = MAX_COMMANDS.saturating_sub(out.commands.len());
    super::outgoing_files::push(entries, seen, ctx, &mut out, room);
    out
}

fn bad_id(id: i64, sid: &str) -> JournalOutcome {
    JournalOutcome {
        id,
        outcome: Outcome::Failed {
            status: None,
            error: format!("{sid:?} is not a valid ActiveSync ServerId"),
        },
    }
}

fn gone(e: &JournalEntry) -> JournalOutcome {
    JournalOutcome {
        id: e.id,
        outcome: Outcome::Conflict {
            status: None,
            error: "the item left the mirror (deleted or moved on the server) before this change \
                    was sent; nothing was changed on the server"
                .into(),
        },
    }
}

pub use super::outgoing_mail::mail_change;

impl super::lane::Lane<'_> {
    /// The request in flight was not answered for this folder: its changes go again.
    pub(super) fn unsend(&mut self) {
        for id in self.outgoing.ids() {
            self.seen.remove(&id);
        }
        self.outgoing = Outgoing::default();
    }
}

/// Loads what each lane of the next request carries (folders past their first key and not in
/// a resync, whose ServerIds may still change), settles rows that cannot be sent, and counts the
/// attempt before the request leaves.
pub(super) fn prepare(
    db: &mut impl super::store::SyncStore,
    lanes: &mut [super::lane::Lane<'_>],
    batch: &[usize],
    version: crate::proto::ProtocolVersion,
) -> Result<(), super::SyncError> {
    let mut attempts = Vec::new();
    for &i in batch {
        let lane = &mut lanes[i];
        if lane.key.is_initial() || lane.resync {
            continue;
        }
        let entries = db.pending_changes(&lane.folder.server_id)?;
        let folder = lane.folder.server_id.clone();
        let held = |sid: &str| super::store::held_item(&*db, &folder, sid).ok().flatten();
        let ctx = super::outgoing_files::Ctx {
            version,
            held: &held,
        };
        let out = build(&entries, &mut lane.seen, &ctx);
        if !out.unsendable.is_empty() {
            db.settle(&out.unsendable)?;
        }
        attempts.extend(out.ids());
        lane.outgoing = out;
    }
    db.note_attempts(&attempts)?;
    Ok(())
}

/// Deletes taken as moves put the mail in Deleted Items (type 4): that folder goes once more.
pub(super) fn reopen_trash(lanes: &mut [super::lane::Lane<'_>]) {
    if !lanes.iter().any(|l| l.trashed) {
        return;
    }
    for l in lanes.iter_mut() {
        l.trashed = false;
        if l.folder.folder_type == 4 && l.failure.is_none() && !l.key.is_initial() {
            l.done = false;
        }
    }
}

/// Whether the folder holds changes this run has not sent yet (recorded during the run, left
/// for the next request, or waiting for a resync that just completed).
pub(super) fn unsent(
    db: &impl super::store::SyncStore,
    lane: &super::lane::Lane<'_>,
) -> Result<bool, super::SyncError> {
    if lane.key.is_initial() || lane.failure.is_some() {
        return Ok(false);
    }
    Ok(db
        .pending_changes(&lane.folder.server_id)?
        .iter()
        .any(|e| e.kind != "move" && !lane.seen.contains(&e.id)))
}

/// A folder left out of the response (or an empty response) after its request carried
/// changes: a server should not do that (it answers every collection that sent commands, with
/// a new key), so nothing is known — the changes stay pending and go again with the next sync
/// (a Change or Delete sent twice changes nothing more, an Add keeps its ClientId); after
/// [`MAX_ATTEMPTS`] requests without an answer a change fails, saying so.
pub(super) fn unanswered(
    db: &mut impl super::store::SyncStore,
    lane: &mut super::lane::Lane<'_>,
) -> Result<(), super::SyncError> {
    let out = std::mem::take(&mut lane.outgoing);
    if !out.sent.is_empty() {
        tracing::warn!(folder = %lane.folder.name,
            "the server did not answer the changes sent for this folder: they go again with the next sync");
        db.note_unanswered(&out.ids())?;
    }
    Ok(())
}

/// The `fetch` rows a request carried: done once the step that puts the fetched items applies.
pub(super) fn refetched(out: &Outgoing) -> Vec<JournalOutcome> {
    out.refetch
        .iter()
        .map(|&(id, _)| JournalOutcome {
            id,
            outcome: Outcome::Done,
        })
        .collect()
}

/// Dropped edits of a folder the response left out: the items are fetched whole and put, with
/// the `fetch` rows done, the key unchanged. A fetch that fails leaves them for the next sync.
pub(super) async fn refetch_unanswered(
    t: &mut impl super::Transport,
    db: &mut impl super::store::SyncStore,
    lane: &mut super::lane::Lane<'_>,
    opts: &super::items::ItemOptions,
) -> Result<(), super::SyncError> {
    if lane.outgoing.refetch.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = lane
        .outgoing
        .refetch
        .iter()
        .map(|(_, s)| s.clone())
        .collect();
    let mail = lane.class == Some(crate::proto::classes::ItemClass::Email);
    let body = if mail { opts.mail_body } else { opts.body };
    let mime = (mail && opts.mail_mime).then_some(2);
    let fetched = match super::fetch::whole_items(t, &lane.id, lane.class, &ids, body, mime).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(folder = %lane.folder.name, "fetching dropped edits again: {e}");
            return Ok(());
        }
    };
    let step = crate::store::SyncStep {
        folder: lane.folder.server_id.clone(),
        new_key: lane.key.as_str().to_string(),
        filter_type: db
            .folder_state(&lane.folder.server_id)?
            .and_then(|f| f.filter_type),
        ops: fetched.into_iter().map(crate::store::ItemOp::Put).collect(),
        journal: refetched(&lane.outgoing),
        ..Default::default()
    };
    db.apply(std::slice::from_ref(&step))?;
    Ok(())
}

/// Responses that may leave a change out before it fails.
pub const MAX_ATTEMPTS: i64 = 5;

pub(super) use super::outgoing_answers::{answers, reapply};

#[cfg(test)]
#[path = "outgoing_tests.rs"]
mod tests;

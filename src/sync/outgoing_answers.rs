//! What the server's `Responses` (MS-ASCMD 2.2.3.155) mean for the journal rows a request
//! carried: no response or Status 1 → done (a server answers a Change or Delete only when it
//! failed, 2.2.3.24.1); an Add's answer gives its ServerId; 7 → conflict, the server's version
//! fetched again; 6 → failed, fetched again; 8 → on a Delete done, on a Change failed. And the
//! mail edits the server took, laid over the item again.

use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::sync::{ClientCommandResult, SyncStatus};
use crate::store::{JournalOutcome, Outcome};

use super::outgoing::{Sent, mail_change};

/// What the answers mean: the journal outcomes, the items to fetch again (the server's version
/// stands), and the items the server deleted at this client's request (they leave the mirror).
#[derive(Debug, Default)]
pub struct Answers {
    pub outcomes: Vec<JournalOutcome>,
    pub refetch: Vec<String>,
    pub deleted: Vec<String>,
    /// The items the server added at this client's request, under their new ServerIds.
    pub added: Vec<crate::model::ItemRecord>,
    /// The 16.x occurrences of series the server took, for the store's overlay.
    pub instances: Vec<crate::store::InstanceChange>,
}

pub fn answers(sent: &[Sent], responses: &[ClientCommandResult]) -> Answers {
    let mut a = Answers::default();
    for s in sent {
        if s.client_id.is_some() {
            added(s, responses, &mut a);
            continue;
        }
        let status = responses.iter().find_map(|r| match r {
            ClientCommandResult::Change { server_id, status } if !s.delete => {
                (server_id.as_str() == s.server_id).then_some(*status)
            }
            ClientCommandResult::Delete { server_id, status } if s.delete => {
                (server_id.as_str() == s.server_id).then_some(*status)
            }
            _ => None,
        });
        let status = status.unwrap_or(SyncStatus::Success);
        let code = Some(status.code());
        let outcome = match (status, s.delete) {
            (SyncStatus::Success, _) | (SyncStatus::ObjectNotFound, true) => Outcome::Done,
            (SyncStatus::Conflict, _) => Outcome::Conflict {
                status: code,
                error: "the item changed on the server too; the server's version was kept \
                        (conflict = \"server\")"
                    .into(),
            },
            (SyncStatus::ObjectNotFound, false) => Outcome::Failed {
                status: code,
                error: "the item is no longer on the server".into(),
            },
            (other, _) => Outcome::Failed {
                status: code,
                error: format!("the server refused the change: {other}"),
            },
        };
        if outcome == Outcome::Done {
            a.instances
                .extend(s.instances.iter().map(|e| crate::store::InstanceChange {
                    server_id: s.server_id.clone(),
                    exception: e.clone(),
                }));
        }
        match (&outcome, s.delete) {
            (Outcome::Done, true) => a.deleted.push(s.server_id.clone()),
            (Outcome::Done, false) => {}
            _ if status != SyncStatus::ObjectNotFound => a.refetch.push(s.server_id.clone()),
            _ => {}
        }
        a.outcomes.extend(s.ids.iter().map(|&id| JournalOutcome {
            id,
            outcome: outcome.clone(),
        }));
    }
    a
}

/// The answer to an Add (matched by its ClientId): its new ServerId, and the item in the
/// mirror under it. No answer: it stays pending, and goes again with the same ClientId.
fn added(s: &Sent, responses: &[ClientCommandResult], a: &mut Answers) {
    let answer = responses.iter().find_map(|r| match r {
        ClientCommandResult::Add {
            client_id,
            server_id,
            status,
        } if Some(client_id) == s.client_id.as_ref() => Some((*status, server_id.clone())),
        _ => None,
    });
    let outcome = match answer {
        None => return,
        Some((SyncStatus::Success, Some(server_id))) => {
            if let Some(rec) = s
                .added
                .as_ref()
                .and_then(|d| super::convert::record(server_id.as_str(), d).ok())
            {
                a.added.push(rec);
            }
            Outcome::Added {
                server_id: server_id.as_str().to_string(),
                again: s.again,
            }
        }
        Some((SyncStatus::Success, None)) => Outcome::Failed {
            status: Some(1),
            error: "the server took the new item without saying its ServerId; the next sync \
                    brings it"
                .into(),
        },
        Some((status, _)) => Outcome::Failed {
            status: Some(status.code()),
            error: format!("the server refused the new item: {status}"),
        },
    };
    a.outcomes.extend(s.ids.iter().map(|&id| JournalOutcome {
        id,
        outcome: outcome.clone(),
    }));
}

/// The items whose edits the server took, with the edits laid over them again: over what this
/// response puts for them (its last Put), or else what the store holds.
pub fn reapply(
    db: &impl super::store::SyncStore,
    folder: &str,
    sent: &[Sent],
    outcomes: &[JournalOutcome],
    ops: &mut Vec<crate::store::ItemOp>,
) -> Result<(), super::SyncError> {
    use crate::store::ItemOp;
    for s in sent {
        let Some(edit) = &s.edit else { continue };
        let done = s
            .ids
            .first()
            .and_then(|id| outcomes.iter().find(|o| o.id == *id))
            .is_some_and(|o| o.outcome == Outcome::Done);
        if !done {
            continue;
        }
        let put = ops.iter().rev().find_map(|op| match op {
            ItemOp::Put(r) if r.server_id == s.server_id => Some(r.raw.clone()),
            _ => None,
        });
        let base = match put {
            Some(raw) => ApplicationData::decode("store", &raw, Some(ItemClass::Email)).ok(),
            None => super::store::held_item(db, folder, &s.server_id)?,
        };
        let Some(base) = base else { continue };
        let merged = super::merge::apply_change(base, mail_change(edit));
        if let Ok(rec) = super::convert::record(&s.server_id, &merged) {
            ops.push(ItemOp::Put(rec));
        }
    }
    Ok(())
}

//! The journal rows that come from files — a new contact, event or task (`add`), an item
//! rewritten whole (`change`) — as Sync `Add` (with its ClientId, MS-ASCMD 2.2.3.28.2) and
//! `Change` commands. The rows of one item travel as one command: the newest file wins.

use std::collections::HashSet;

use crate::model::Payload;
use crate::proto::classes::ApplicationData;
use crate::proto::sync::ClientCommand;
use crate::proto::{ProtocolVersion, ServerId};
use crate::store::{JournalEntry, JournalOutcome, Outcome};

use super::outgoing::{Outgoing, Sent};
use super::to_proto::Occurrence;

/// What turning files into commands needs: the protocol spoken, and the items held.
pub(super) struct Ctx<'a> {
    pub version: ProtocolVersion,
    /// The item held under a ServerId of the folder, typed.
    pub held: &'a dyn Fn(&str) -> Option<ApplicationData>,
}

fn failed(id: i64, error: String) -> JournalOutcome {
    JournalOutcome {
        id,
        outcome: Outcome::Failed {
            status: None,
            error,
        },
    }
}

fn file_of(e: &JournalEntry) -> Option<crate::model::FileItem> {
    match serde_json::from_str::<Payload>(&e.payload) {
        Ok(Payload::File(f)) => Some(f),
        _ => None,
    }
}

/// Adds the commands for the `add` and `change` rows of `entries` not seen yet, at most
/// `room` of them.
pub(super) fn push(
    entries: &[JournalEntry],
    seen: &mut HashSet<i64>,
    ctx: &Ctx<'_>,
    out: &mut Outgoing,
    room: usize,
) {
    let mut changes: Vec<(String, Vec<i64>, &JournalEntry)> = Vec::new();
    let mut sent = 0;
    for e in entries {
        if seen.contains(&e.id) {
            continue;
        }
        if sent + changes.len() >= room {
            out.left_over = true;
            break;
        }
        match e.kind.as_str() {
            "add" => {
                seen.insert(e.id);
                sent += usize::from(add(e, ctx, out));
            }
            "change" => {
                let Some(sid) = e.server_id.clone().filter(|_| e.item_id.is_some()) else {
                    continue; // settled as gone by the caller
                };
                seen.insert(e.id);
                match changes.iter_mut().find(|(s, ..)| *s == sid) {
                    Some((_, ids, newest)) => {
                        ids.push(e.id);
                        *newest = e;
                    }
                    None => changes.push((sid, vec![e.id], e)),
                }
            }
            _ => {}
        }
    }
    for (sid, ids, newest) in changes {
        change(sid, ids, newest, ctx, out);
    }
}

fn add(e: &JournalEntry, ctx: &Ctx<'_>, out: &mut Outgoing) -> bool {
    let (Some(file), Some(client_id)) = (file_of(e), e.client_id.clone()) else {
        out.unsendable
            .push(failed(e.id, format!("unreadable Add {}", e.payload)));
        return false;
    };
    let parsed = super::files::FileItem::parse(&e.class, &file.text);
    let data = parsed.as_ref().map_err(String::clone).and_then(|p| {
        let kept = p.add_data(p.stored_form(ctx.version))?;
        Ok((
            p.add_data(ctx.version)?,
            kept,
            p.has_occurrences(ctx.version),
        ))
    });
    match data {
        Ok((data, kept, again)) => {
            out.commands.push(ClientCommand::Add {
                client_id: client_id.clone(),
                data,
            });
            out.sent.push(Sent {
                ids: vec![e.id],
                server_id: String::new(),
                delete: false,
                edit: None,
                client_id: Some(client_id),
                added: Some(kept),
                again,
                instances: Vec::new(),
            });
            true
        }
        Err(why) => {
            out.unsendable
                .push(failed(e.id, format!("{}: {why}", file.path)));
            false
        }
    }
}

fn change(sid: String, ids: Vec<i64>, newest: &JournalEntry, ctx: &Ctx<'_>, out: &mut Outgoing) {
    // A Delete of the same item in this request takes the rows along.
    if let Some(d) = out.sent.iter_mut().find(|s| s.delete && s.server_id == sid) {
        d.ids.extend(ids);
        return;
    }
    let file = file_of(newest);
    let data = file
        .as_ref()
        .ok_or_else(|| format!("unreadable change {}", newest.payload))
        .and_then(|file| {
            let stored = (ctx.held)(&sid)
                .ok_or_else(|| "the item is not in the mirror any more".to_string())?;
            let p = super::files::FileItem::parse(&newest.class, &file.text)
                .map_err(|why| format!("{}: {why}", file.path))?;
            let series = p
                .change_data(&stored, ctx.version)
                .map_err(|why| format!("{}: {why}", file.path))?;
            let instances = match ctx.version.is_16() {
                true => p.instances().to_vec(),
                false => Vec::new(),
            };
            Ok((series, p.occurrences(ctx.version), instances))
        });
    let ((data, occurrences, instances), server_id) = match (data, ServerId::try_from(sid.as_str()))
    {
        (Ok(d), Ok(s)) => (d, s),
        (Err(why), _) => {
            out.unsendable
                .extend(ids.iter().map(|&id| failed(id, why.clone())));
            return;
        }
        (_, Err(e)) => {
            out.unsendable
                .extend(ids.iter().map(|&id| failed(id, e.to_string())));
            return;
        }
    };
    out.commands.push(ClientCommand::Change {
        instance_id: None,
        server_id: server_id.clone(),
        data,
    });
    // 16.x: each changed or cancelled occurrence after its series (MS-ASAIRS 2.2.2.26).
    for o in occurrences {
        out.commands.push(match o {
            Occurrence::Change { instance_id, data } => ClientCommand::Change {
                instance_id: Some(instance_id),
                server_id: server_id.clone(),
                data,
            },
            Occurrence::Delete { instance_id } => ClientCommand::Delete {
                server_id: server_id.clone(),
                instance_id: Some(instance_id),
            },
        });
    }
    out.sent.push(Sent {
        ids,
        server_id: sid,
        delete: false,
        edit: None,
        client_id: None,
        added: None,
        again: false,
        instances,
    });
}

//! The admin endpoint, to change the mailbox and arm faults while the simulator runs:
//!
//! - `GET /sim/status`: folders with their item counts, the change counter, request counters;
//! - `POST /sim/admin` with one JSON operation:
//!   `{"op":"add","folder":"Inbox","count":3}` (generated items; answers their server ids),
//!   `{"op":"change"|"delete"|"soft-delete","item":"inbox:7"}`,
//!   `{"op":"set-flags","item":"inbox:7","read":true,"flagged":false,"categories":["Rot"]}`,
//!   `{"op":"delete-items","folder":"Inbox","count":12}` (the first 12 live items; answers ids),
//!   `{"op":"add-folder","parent":"0","name":"X","type":12}`, `{"op":"delete-folder","folder":"f9"}`,
//!   `{"op":"recreate-folder","folder":"inbox"}` (answers the new id), `{"op":"forget-device"}`,
//!   `{"op":"collection-status","folder":"inbox","status":8}` (`"status":null` ends it),
//!   `{"op":"fault","fault":"http-503=2","command":"Sync","after":0,"times":1}` (see [`super::faults`]),
//!   `{"op":"clear-faults"}`, `{"op":"invalidate-keys","folder":"inbox"}`,
//!   `{"op":"invalidate-hierarchy"}`, `{"op":"revoke-policies"}`,
//!   `{"op":"items","folder":"Inbox"}` (what the server holds after a client's changes: each
//!   live item's id, subject, version and, for mail, read flag, flag status and categories),
//!   `{"op":"outbox-mime","n":1}` (message `n` of the outbox: `mime_base64`, what the client
//!   sent byte for byte, and `delivered_base64`, what went out),
//!   `{"op":"invite","subject":"…","organizer_name":"…","organizer_email":"…",
//!   "start":"20270111T090000Z","minutes":60,"location":"…","weekly":4}` (every field
//!   optional: a meeting request in the Inbox and its tentative calendar item, answers
//!   `{"mail":id,"event":id}`, see [`super::meetings`]);
//! - `GET /sim/outbox/N` (`message/rfc822`): the MIME the client sent for outbox message `N`,
//!   byte for byte; `GET /sim/outbox/N/delivered`: the message that went out.
//!
//! `/sim/status` lists the outbox under `"outbox"`: per message `n`, `command`, `client_id`,
//! `device`, `from`, `to`, `cc`, `bcc` (addresses), `bcc_count`, `subject`, `size` (bytes the
//! client sent), `delivered_size`, `attachments`, `source`, `original_appended`,
//! `attachments_carried`, `forwardees`, `saved_as` (the Sent Items copy) and `at` (Unix
//! seconds); and the invitations under `"meetings"` (`uid`, `subject`, `organizer`, `start`).
//!
//! It listens on the simulator's loopback port, without credentials: it is a test fixture.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{Method, Response, StatusCode, Uri};
use serde_json::{Value, json};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Fault, Invite, ItemView, OutboxMessage, Scope, Sim, SimError, State};

fn respond(status: StatusCode, v: Value) -> Response<Body> {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("Content-Type", "application/json".parse().expect("static"));
    r
}

/// The mailbox as JSON: `{"modseq":…, "folders":[{"id","name","type","items"}], "requests":…,
/// "profile":[switches that are on]}`.
pub fn status(sim: &Sim) -> Value {
    let mb = sim.snapshot();
    let folders: Vec<Value> = mb
        .folders
        .iter()
        .filter(|f| !f.deleted)
        .map(|f| json!({"id": f.id, "parent": f.parent, "name": f.name, "type": f.folder_type, "items": f.live_count()}))
        .collect();
    json!({
        "modseq": mb.modseq,
        "folders": folders,
        "requests": sim.stats.requests.load(Ordering::Relaxed),
        "items_served": sim.stats.items_served.load(Ordering::Relaxed),
        "profile": sim.config.profile.quirks(),
        "outbox": sim.outbox().iter().map(outbox_json).collect::<Vec<_>>(),
        "meetings": sim.meetings().iter().map(|m| json!({
            "uid": m.uid,
            "subject": m.invite.subject,
            "organizer": m.invite.organizer.1,
            "start": super::dates::compact(m.invite.start),
        })).collect::<Vec<_>>(),
    })
}

fn outbox_json(m: &OutboxMessage) -> Value {
    json!({
        "n": m.n,
        "command": m.command,
        "client_id": m.client_id,
        "device": m.device,
        "from": m.from,
        "to": m.to,
        "cc": m.cc,
        "bcc": m.bcc,
        "bcc_count": m.bcc.len(),
        "subject": m.subject,
        "size": m.size(),
        "delivered_size": m.delivered.len(),
        "attachments": m.attachments,
        "source": m.source,
        "original_appended": m.original_appended,
        "attachments_carried": m.attachments_carried,
        "forwardees": m.forwardees,
        "saved_as": m.saved_as,
        "at": m.at,
    })
}

/// An `invite` operation's fields over the defaults of [`Invite`].
fn invite_of(op: &Value) -> Result<Invite, String> {
    let mut i = Invite::default();
    let text = |k: &str| op.get(k).and_then(Value::as_str).map(String::from);
    if let Some(v) = text("subject") {
        i.subject = v;
    }
    if let Some(v) = text("organizer_name") {
        i.organizer.0 = v;
    }
    if let Some(v) = text("organizer_email") {
        i.organizer.1 = v;
    }
    if let Some(v) = text("location") {
        i.location = v;
    }
    if let Some(v) = text("start") {
        let key = super::occurrences::key(&v).ok_or(format!("start {v:?} is not a UTC time"))?;
        let num = |a: usize, b: usize| key[a..b].parse::<u32>().unwrap_or(0);
        let (y, mo, d) = (num(0, 4) as i32, num(4, 6), num(6, 8));
        i.start = super::dates::wall(y, mo, d, num(8, 10), num(10, 12)) + i64::from(num(12, 14));
    }
    if let Some(v) = op.get("minutes").and_then(Value::as_u64) {
        i.minutes = v as u32;
    }
    i.weekly = op.get("weekly").and_then(Value::as_u64).map(|n| n as u16);
    Ok(i)
}

/// Carries out one operation.
pub fn apply(sim: &Sim, op: &Value) -> Result<Value, String> {
    let s = |k: &str| {
        op.get(k)
            .and_then(Value::as_str)
            .ok_or(format!("missing \"{k}\""))
    };
    let n = |k: &str, d: u64| op.get(k).and_then(Value::as_u64).unwrap_or(d);
    let sim_err = |e: SimError| e.to_string();
    match s("op")? {
        "add" => {
            let ids = sim
                .add_items(s("folder")?, n("count", 1) as u32)
                .map_err(sim_err)?;
            Ok(json!({"added": ids}))
        }
        verb @ ("change" | "delete" | "soft-delete") => {
            let state = match verb {
                "change" => State::Live,
                "delete" => State::Deleted,
                _ => State::SoftDeleted,
            };
            sim.set_item(s("item")?, state).map_err(sim_err)?;
            Ok(json!({"ok": true}))
        }
        "set-flags" => {
            let categories = op
                .get("categories")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let flag = |k: &str| op.get(k).and_then(Value::as_bool).unwrap_or(false);
            sim.set_mail_flags(s("item")?, flag("read"), flag("flagged"), categories)
                .map_err(sim_err)?;
            Ok(json!({"ok": true}))
        }
        "delete-items" => {
            let ids = sim
                .delete_items(s("folder")?, n("count", 1) as u32)
                .map_err(sim_err)?;
            Ok(json!({"deleted": ids}))
        }
        "recreate-folder" => {
            let id = sim.recreate_folder(s("folder")?).map_err(sim_err)?;
            Ok(json!({"folder": id}))
        }
        "forget-device" => {
            sim.forget_device();
            Ok(json!({"ok": true}))
        }
        "collection-status" => {
            let status = op.get("status").and_then(Value::as_u64).map(|v| v as u16);
            sim.set_collection_status(s("folder")?, status);
            Ok(json!({"ok": true}))
        }
        "add-folder" => {
            let parent = op.get("parent").and_then(Value::as_str).unwrap_or("0");
            let id = sim
                .add_folder(parent, s("name")?, n("type", 12) as u16)
                .map_err(sim_err)?;
            Ok(json!({"folder": id}))
        }
        "delete-folder" => sim
            .delete_folder(s("folder")?)
            .map(|()| json!({"ok": true}))
            .map_err(sim_err),
        "fault" => {
            let fault: Fault = s("fault")?.parse()?;
            let scope = Scope {
                command: op.get("command").and_then(Value::as_str).map(String::from),
                after: n("after", 0) as u32,
                times: op.get("times").and_then(Value::as_u64).map(|t| t as u32),
            };
            sim.faults.arm(fault, scope);
            Ok(json!({"ok": true}))
        }
        "clear-faults" => {
            sim.faults.clear();
            Ok(json!({"ok": true}))
        }
        "invalidate-keys" => sim
            .invalidate_sync_keys(s("folder")?)
            .map(|()| json!({"ok": true}))
            .map_err(sim_err),
        "invalidate-hierarchy" => {
            sim.invalidate_hierarchy();
            Ok(json!({"ok": true}))
        }
        "revoke-policies" => {
            sim.revoke_policies();
            Ok(json!({"ok": true}))
        }
        "items" => {
            let items = sim.items(s("folder")?).map_err(sim_err)?;
            Ok(json!({"items": items.iter().map(item_json).collect::<Vec<_>>()}))
        }
        "outbox-mime" => {
            let k = n("n", 1) as usize;
            let (Some(mime), Some(delivered)) = (sim.outbox_mime(k), sim.outbox_delivered(k))
            else {
                return Err(format!("no outbox message {k}"));
            };
            Ok(json!({"mime_base64": STANDARD.encode(&*mime),
                      "delivered_base64": STANDARD.encode(&*delivered)}))
        }
        "invite" => {
            let (mail, event) = sim.invite(invite_of(op)?).map_err(sim_err)?;
            Ok(json!({"mail": mail, "event": event}))
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

fn item_json(v: &ItemView) -> Value {
    let mut j =
        json!({"id": v.server_id, "subject": v.subject, "version": v.version, "sent": v.sent});
    if let Some(m) = &v.mail {
        j["read"] = json!(m.read);
        j["flag"] = json!(m.flag_status);
        j["categories"] = json!(m.categories);
    }
    j
}

pub(crate) fn handle(sim: &Sim, method: &Method, uri: &Uri, body: &[u8]) -> Response<Body> {
    match (method, uri.path()) {
        (&Method::GET, "/sim/status") => respond(StatusCode::OK, status(sim)),
        (&Method::POST, "/sim/admin") => {
            let op: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => {
                    return respond(
                        StatusCode::BAD_REQUEST,
                        json!({"error": format!("not JSON: {e}")}),
                    );
                }
            };
            match apply(sim, &op) {
                Ok(v) => respond(StatusCode::OK, v),
                Err(e) => respond(StatusCode::BAD_REQUEST, json!({"error": e})),
            }
        }
        (&Method::GET, path) if path.starts_with("/sim/outbox/") => outbox_raw(sim, path),
        _ => respond(
            StatusCode::NOT_FOUND,
            json!({"error": "GET /sim/status, GET /sim/outbox/N or POST /sim/admin"}),
        ),
    }
}

/// `GET /sim/outbox/N[/delivered]`: the message's bytes as they are.
fn outbox_raw(sim: &Sim, path: &str) -> Response<Body> {
    let rest = path.trim_start_matches("/sim/outbox/");
    let (n, delivered) = match rest.strip_suffix("/delivered") {
        Some(n) => (n, true),
        None => (rest, false),
    };
    let found = n.parse().ok().and_then(|n| match delivered {
        true => sim.outbox_delivered(n),
        false => sim.outbox_mime(n),
    });
    let Some(bytes) = found else {
        return respond(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no outbox message {n}")}),
        );
    };
    let mut r = Response::new(Body::from(bytes.to_vec()));
    r.headers_mut()
        .insert("Content-Type", "message/rfc822".parse().expect("static"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Profile, testkit};

    #[test]
    fn the_mailbox_operations_are_admin_ops() {
        let sim = testkit::sim(Profile::exchange());
        let ok = |v: Value| apply(&sim, &v).unwrap();
        let r = ok(json!({"op":"delete-items","folder":"Inbox","count":3}));
        assert_eq!(r["deleted"], json!(["inbox:1", "inbox:2", "inbox:3"]));
        ok(
            json!({"op":"set-flags","item":"inbox:7","read":true,"flagged":true,"categories":["Rot"]}),
        );
        let flags = sim.snapshot().folder("inbox").unwrap().items[6]
            .flags
            .clone();
        assert_eq!(flags.unwrap().categories, vec!["Rot".to_string()]);
        assert!(apply(&sim, &json!({"op":"set-flags","item":"contacts:1"})).is_err());
        let r = ok(json!({"op":"items","folder":"Inbox"}));
        let seven = &r["items"].as_array().unwrap()[3];
        assert_eq!(seven["id"], "inbox:7", "the first three are deleted");
        assert_eq!((&seven["read"], &seven["flag"]), (&json!(true), &json!(2)));
        assert_eq!(seven["categories"], json!(["Rot"]));
        ok(json!({"op":"collection-status","folder":"inbox","status":8}));
        assert_eq!(sim.collection_statuses().get("inbox"), Some(&8));
        ok(json!({"op":"collection-status","folder":"inbox","status":null}));
        assert!(sim.collection_statuses().is_empty());
        let r = ok(json!({"op":"recreate-folder","folder":"sent"}));
        let new = r["folder"].as_str().unwrap().to_string();
        assert!(sim.snapshot().folder(&new).is_some() && sim.snapshot().folder("sent").is_none());
        let before = sim.snapshot().hierarchy_gen;
        ok(json!({"op":"forget-device"}));
        assert_eq!(sim.snapshot().hierarchy_gen, before + 1);
        assert!(
            sim.snapshot().folder("inbox").is_none(),
            "every folder has a new id"
        );
        let on = super::super::profile::QUIRKS.len() - super::super::profile::NOT_IN_EXCHANGE.len();
        assert_eq!(status(&sim)["profile"].as_array().unwrap().len(), on);
    }
}

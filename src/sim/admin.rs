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
//!   live item's id, subject, version and, for mail, read flag, flag status and categories).
//!
//! It listens on the simulator's loopback port, without credentials: it is a test fixture.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{Method, Response, StatusCode, Uri};
use serde_json::{Value, json};

use super::{Fault, ItemView, Scope, Sim, SimError, State};

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
    })
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
        _ => respond(
            StatusCode::NOT_FOUND,
            json!({"error": "GET /sim/status or POST /sim/admin"}),
        ),
    }
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

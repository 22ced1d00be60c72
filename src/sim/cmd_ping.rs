//! Ping (MS-ASCMD 2.2.1.13): a long poll over a set of folders that returns Status 2 with the
//! folders that have changes the device has not synced, or Status 1 when the heartbeat
//! expires; Status 5 (heartbeat out of bounds, with the limit), 6 (too many folders, with the
//! limit), 7 (a folder is gone: sync the hierarchy), 3 (no parameters and none cached).

use std::sync::Arc;
use std::time::Duration;

use wbxml::Element;
use wbxml::tags::ping as p;

use super::Sim;
use super::mailbox::Position;
use super::plan;
use super::request::Request;
use super::server::Reply;

struct Params {
    heartbeat: u32,
    folders: Vec<String>,
}

fn parse(body: &[u8]) -> Option<Params> {
    let tree = Element::decode(body).ok()?;
    Some(Params {
        heartbeat: tree
            .child(13, "HeartbeatInterval")?
            .text()
            .trim()
            .parse()
            .ok()?,
        folders: tree
            .child(13, "Folders")?
            .elements()
            .filter_map(|f| Some(f.child(13, "Id")?.text()))
            .collect(),
    })
}

fn reply(root: Element<'_>) -> Reply {
    match root.encode() {
        Ok(b) => Reply::Wbxml(b),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn status(code: u16) -> Element<'static> {
    Element::new(p::PING).with(Element::new(p::STATUS).with_text(code.to_string()))
}

/// The folders with changes for the device; `Err` when one of them is gone.
fn changed(sim: &Sim, device: &str, folders: &[String]) -> Result<Vec<String>, ()> {
    let positions = sim.device(device, |d| d.positions.clone());
    let mb = sim.mailbox();
    let mut out = Vec::new();
    for id in folders {
        let f = mb.folder(id).ok_or(())?;
        let from = positions
            .get(id)
            .copied()
            .unwrap_or(Position { modseq: 0, idx: 0 });
        if plan::has_pending(f, from, device) {
            out.push(id.clone());
        }
    }
    Ok(out)
}

pub(crate) async fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    let cached = sim.device(&req.device_id, |d| d.last_ping.clone());
    let params = if body.is_empty() {
        cached.as_deref().and_then(parse)
    } else {
        parse(body)
    };
    let Some(params) = params else {
        return reply(status(3));
    };
    if !body.is_empty() {
        sim.device(&req.device_id, |d| d.last_ping = Some(body.to_vec()));
    }
    let (lo, hi) = sim.config.heartbeat_bounds;
    if params.heartbeat < lo || params.heartbeat > hi {
        let limit = if params.heartbeat < lo { lo } else { hi };
        return reply(
            status(5).with(Element::new(p::HEARTBEAT_INTERVAL).with_text(limit.to_string())),
        );
    }
    if params.folders.len() > sim.config.max_ping_folders {
        let max = sim.config.max_ping_folders.to_string();
        return reply(status(6).with(Element::new(p::MAX_FOLDERS).with_text(max)));
    }
    let wait = Duration::from_secs_f64(
        f64::from(params.heartbeat) / f64::from(sim.config.time_divisor.max(1)),
    );
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = sim.changed.subscribe();
    loop {
        match changed(sim, &req.device_id, &params.folders) {
            Err(()) => return reply(status(7)),
            Ok(found) if !found.is_empty() => {
                let mut folders = Element::new(p::FOLDERS);
                for id in found {
                    folders = folders.with(Element::new(p::FOLDER).with_text(id));
                }
                return reply(status(2).with(folders));
            }
            Ok(_) => {}
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            _ => return reply(status(1)),
        }
    }
}

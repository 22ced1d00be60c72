//! Sync (MS-ASCMD 2.2.1.21): several collections per request, the client's key checked against
//! the folder's generation (Status 3), client Add/Change/Delete/Fetch answered in `Responses`,
//! then a window of server changes with `MoreAvailable`; an empty body when nothing changed.

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::air_sync as s;

use super::Sim;
use super::content;
use super::mail::BodyWanted;
use super::mailbox::{Kind, Mailbox, Position, State};
use super::plan::{self, Planned};
use super::request::Request;
use super::server::{Reply, SyncFaults};
use crate::proto::classes::ApplicationData;

/// The most a client may ask for (MS-ASCMD 2.2.3.199).
const MAX_WINDOW: usize = 512;
const DEFAULT_WINDOW: usize = 100;

/// One collection of the request.
struct Wanted {
    key: String,
    id: String,
    window: usize,
    body: BodyWanted,
    get_changes: bool,
    commands: Vec<Element<'static>>,
}

/// The collection ids a Sync request names (for the sync-status-3 fault).
pub(crate) fn collection_ids(body: &[u8]) -> Vec<String> {
    let Ok(tree) = Element::decode(body) else {
        return Vec::new();
    };
    tree.child(0, "Collections")
        .map(|cs| {
            cs.elements()
                .filter_map(|c| Some(c.child(0, "CollectionId")?.text()))
                .collect()
        })
        .unwrap_or_default()
}

fn parse(body: &[u8]) -> Option<Vec<Wanted>> {
    let tree = Element::decode(body).ok()?;
    let top_window = tree
        .child(0, "WindowSize")
        .and_then(|w| w.text().parse().ok());
    let mut out = Vec::new();
    for c in tree.child(0, "Collections")?.elements() {
        let window = c
            .child(0, "WindowSize")
            .and_then(|w| w.text().parse().ok())
            .or(top_window);
        out.push(Wanted {
            key: c.child(0, "SyncKey")?.text(),
            id: c.child(0, "CollectionId")?.text(),
            window: window.unwrap_or(DEFAULT_WINDOW).clamp(1, MAX_WINDOW),
            body: BodyWanted::from_options(c.child(0, "Options")),
            get_changes: c.child(0, "GetChanges").is_none_or(|g| g.text() != "0"),
            commands: c
                .child(0, "Commands")
                .map(|cmds| cmds.elements().map(|e| e.clone().into_owned()).collect())
                .unwrap_or_default(),
        });
    }
    Some(out)
}

/// What one collection answers, decided under the mailbox lock; content comes after.
struct Answer {
    id: String,
    /// Answered a key of "0" (never an empty response then).
    initial: bool,
    kind: Kind,
    status: u16,
    key: Option<String>,
    more: bool,
    commands: Vec<Planned>,
    responses: Vec<Element<'static>>,
    body: BodyWanted,
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8], faults: SyncFaults) -> Reply {
    let body = if body.is_empty() {
        match sim.device(&req.device_id, |d| d.last_sync.clone()) {
            Some(last) => last,
            None => return Reply::Status(13), // an empty request with nothing cached
        }
    } else {
        sim.device(&req.device_id, |d| d.last_sync = Some(body.to_vec()));
        body.to_vec()
    };
    let Some(wanted) = parse(&body) else {
        return Reply::Status(4);
    };
    let device: Arc<str> = req.device_id.as_str().into();
    let answers: Vec<Answer> = {
        let mut mb = sim.mailbox();
        let v16 = req.version.starts_with("16.");
        wanted
            .into_iter()
            .map(|w| answer(&mut mb, w, &device, faults, v16))
            .collect()
    };
    sim.device(&req.device_id, |d| {
        for a in &answers {
            if let Some(pos) = a
                .key
                .as_deref()
                .and_then(|k| k.split_once(':').map(|x| x.1))
                .and_then(parse_pos)
            {
                d.positions.insert(a.id.clone(), pos);
            }
        }
    });
    let nothing = answers.iter().all(|a| {
        a.status == 1 && !a.initial && !a.more && a.commands.is_empty() && a.responses.is_empty()
    });
    if nothing && !answers.is_empty() {
        return Reply::Empty;
    }
    let served: usize = answers.iter().map(|a| a.commands.len()).sum();
    sim.stats
        .items_served
        .fetch_add(served as u64, std::sync::atomic::Ordering::Relaxed);
    let v16 = req.version.starts_with("16.");
    match content::sync_response(sim.config.seed, &answers_view(&answers), v16) {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn parse_pos(s: &str) -> Option<Position> {
    let (m, i) = s.split_once(':')?;
    Some(Position {
        modseq: m.parse().ok()?,
        idx: i.parse().ok()?,
    })
}

fn answers_view(answers: &[Answer]) -> Vec<content::CollectionOut<'_>> {
    answers
        .iter()
        .map(|a| content::CollectionOut {
            id: &a.id,
            kind: a.kind,
            status: a.status,
            key: a.key.as_deref(),
            more: a.more,
            commands: &a.commands,
            responses: &a.responses,
            body: a.body,
        })
        .collect()
}

fn answer(mb: &mut Mailbox, w: Wanted, device: &Arc<str>, faults: SyncFaults, v16: bool) -> Answer {
    let mut a = Answer {
        id: w.id.clone(),
        initial: false,
        kind: Kind::Mail,
        status: 1,
        key: None,
        more: false,
        commands: Vec::new(),
        responses: Vec::new(),
        body: w.body,
    };
    let Some(f) = mb.folder(&w.id) else {
        let gone = mb.folders.iter().any(|f| f.id == w.id);
        a.status = if gone { 12 } else { 8 };
        return a;
    };
    a.kind = f.kind;
    if faults.status_12 {
        a.status = 12;
        return a;
    }
    if w.key == "0" {
        a.initial = true;
        a.key = Some(f.key(Position { modseq: 0, idx: 0 }));
        return a;
    }
    let Some(from) = f.parse_key(&w.key) else {
        a.status = 3;
        return a;
    };
    a.responses = client_commands(mb, &w, device, v16);
    let f = mb.folder(&w.id).expect("looked up above");
    if faults.endless_more {
        (a.key, a.more) = (Some(w.key.clone()), true);
        return a;
    }
    if !w.get_changes {
        a.key = Some(f.key(from));
        return a;
    }
    let page = plan::page(f, from, device, w.window);
    (a.key, a.more, a.commands) = (Some(f.key(page.next)), page.more, page.commands);
    a
}

/// Applies the client's Add/Change/Delete and answers Add (always) and failed Change/Delete
/// (MS-ASCMD 2.2.3.155). On 16.x mail may only be added to Drafts (Status 6 elsewhere).
fn client_commands(
    mb: &mut Mailbox,
    w: &Wanted,
    device: &Arc<str>,
    v16: bool,
) -> Vec<Element<'static>> {
    let mut out = Vec::new();
    for cmd in &w.commands {
        let text = |name| cmd.child(0, name).map(|e| e.text()).unwrap_or_default();
        let data = cmd
            .child(0, "ApplicationData")
            .map(|d| ApplicationData::Other(d.clone().into_owned()));
        let m = mb.next_modseq();
        let f = mb.folder_mut(&w.id).expect("checked by the caller");
        let status_of = |ok: bool| if ok { "1" } else { "8" };
        match cmd.tag {
            s::ADD if v16 && f.kind == Kind::Mail && f.folder_type != 3 => out.push(
                Element::new(s::ADD)
                    .with(Element::new(s::CLIENT_ID).with_text(text("ClientId")))
                    .with(Element::new(s::STATUS).with_text("6")),
            ),
            s::ADD => {
                let idx = f.push(m, Some(device.clone()), data);
                out.push(
                    Element::new(s::ADD)
                        .with(Element::new(s::CLIENT_ID).with_text(text("ClientId")))
                        .with(Element::new(s::SERVER_ID).with_text(f.server_id(idx)))
                        .with(Element::new(s::STATUS).with_text("1")),
                );
            }
            s::CHANGE | s::DELETE => {
                let sid = text("ServerId");
                let state = if cmd.tag == s::CHANGE {
                    State::Live
                } else {
                    State::Deleted
                };
                let idx = f.idx_of(&sid);
                let ok = idx.is_some_and(|i| f.touch(i, m, state, Some(device.clone())));
                if let (true, Some(i), Some(d)) = (ok, idx, data) {
                    f.items[i as usize - 1].custom = Some(Arc::new(d));
                }
                if !ok {
                    out.push(
                        Element::new(cmd.tag)
                            .with(Element::new(s::SERVER_ID).with_text(sid))
                            .with(Element::new(s::STATUS).with_text(status_of(ok))),
                    );
                }
            }
            _ => {}
        }
    }
    out
}

//! Sync (MS-ASCMD 2.2.1.21): several collections per request, the client's key checked against
//! the folder's generation (Status 3), client Add/Change/Delete/Fetch answered in `Responses`,
//! then a window of server changes with `MoreAvailable`; an empty body when nothing changed.
//! The server profile ([`super::profile`]) decides how changes are written and keyed; a
//! collection may be made to answer a status of its own ([`Sim::set_collection_status`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wbxml::Element;
use wbxml::tags::air_sync as s;

use super::Sim;
use super::content::{self, Gen};
use super::mail::BodyWanted;
use super::mailbox::{Kind, Mailbox, Position, State};
use super::plan::{self, Planned};
use super::profile::Profile;
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
    /// The folder's content name.
    stream: String,
    /// The position the key stands for (remembered for Ping).
    pos: Option<Position>,
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
    let v16 = req.version.starts_with("16.");
    let ctx = Ctx {
        device: req.device_id.as_str().into(),
        faults,
        v16,
        profile: sim.config.profile,
        counter: &sim.key_counter,
        statuses: sim.collection_statuses(),
    };
    let answers: Vec<Answer> = {
        let mut mb = sim.mailbox();
        wanted
            .into_iter()
            .map(|w| answer(&mut mb, w, &ctx))
            .collect()
    };
    sim.device(&req.device_id, |d| {
        for a in &answers {
            if let Some(pos) = a.pos {
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
        .fetch_add(served as u64, Ordering::Relaxed);
    let g = Gen {
        seed: sim.config.seed,
        profile: sim.config.profile,
        v14: req.version.as_str() >= "14.0",
        v16,
    };
    match content::sync_response(&g, &answers_view(&answers)) {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// What every collection of one request shares.
struct Ctx<'a> {
    device: Arc<str>,
    faults: SyncFaults,
    v16: bool,
    profile: Profile,
    /// Numbers the fresh keys (`fresh_sync_keys`).
    counter: &'a AtomicU64,
    /// Collections that answer a status of their own.
    statuses: HashMap<String, u16>,
}

impl Ctx<'_> {
    /// The key for a position: the position itself, or with `fresh_sync_keys` the position
    /// and a `#n` suffix never sent before.
    fn key(&self, f: &super::mailbox::Folder, pos: Position) -> String {
        let key = f.key(pos);
        if !self.profile.fresh_sync_keys {
            return key;
        }
        format!("{key}#{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }
}

fn answers_view(answers: &[Answer]) -> Vec<content::CollectionOut<'_>> {
    answers
        .iter()
        .map(|a| content::CollectionOut {
            id: &a.id,
            stream: &a.stream,
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

fn answer(mb: &mut Mailbox, w: Wanted, ctx: &Ctx<'_>) -> Answer {
    let mut a = Answer {
        id: w.id.clone(),
        stream: w.id.clone(),
        pos: None,
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
    (a.kind, a.stream) = (f.kind, f.content_id.clone());
    if let Some(&status) = ctx.statuses.get(&w.id) {
        a.status = status;
        return a;
    }
    if ctx.faults.status_12 {
        a.status = 12;
        return a;
    }
    let keyed = |a: &mut Answer, f: &super::mailbox::Folder, pos: Position| {
        (a.key, a.pos) = (Some(ctx.key(f, pos)), Some(pos));
    };
    if w.key == "0" {
        a.initial = true;
        keyed(&mut a, f, Position { modseq: 0, idx: 0 });
        return a;
    }
    let Some(from) = f.parse_key(&w.key) else {
        a.status = 3;
        return a;
    };
    a.responses = client_commands(mb, &w, &ctx.device, ctx.v16);
    let f = mb.folder(&w.id).expect("looked up above");
    if ctx.faults.endless_more {
        (a.key, a.pos, a.more) = (Some(w.key.clone()), Some(from), true);
        return a;
    }
    if !w.get_changes {
        keyed(&mut a, f, from);
        return a;
    }
    let page = plan::page(f, from, &ctx.device, w.window, ctx.profile.spread_deletions);
    keyed(&mut a, f, page.next);
    (a.more, a.commands) = (page.more, page.commands);
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

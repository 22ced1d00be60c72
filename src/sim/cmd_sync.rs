//! Sync (MS-ASCMD 2.2.1.21): several collections per request, the client's key checked against
//! the folder's generation (Status 3), client Add/Change/Delete applied and answered in
//! `Responses` ([`super::client_changes`]), then a window of server changes with
//! `MoreAvailable`; an empty body when nothing changed. An empty request repeats the last one's
//! collections, never its commands.
//! The server profile ([`super::profile`]) decides how changes are written and keyed; a
//! collection may be made to answer a status of its own ([`Sim::set_collection_status`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wbxml::Element;

use super::Sim;
use super::client_changes::{self, Collection};
use super::content::{self, Gen};
use super::mail::BodyWanted;
use super::mailbox::{Kind, Mailbox, Position};
use super::plan::{self, Planned};
use super::profile::Profile;
use super::request::Request;
use super::server::{Reply, SyncFaults};

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
    /// `DeletesAsMoves` (2.2.3.42.1): 1 when absent or empty.
    deletes_as_moves: bool,
    /// `Options/Conflict` is 0 (2.2.3.34): the client's version wins a conflict.
    client_wins: bool,
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
            deletes_as_moves: c
                .child(0, "DeletesAsMoves")
                .is_none_or(|d| d.text().trim() != "0"),
            client_wins: c
                .child(0, "Options")
                .and_then(|o| o.child(0, "Conflict"))
                .is_some_and(|e| e.text().trim() == "0"),
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
    /// The client sent commands: the collection is answered with a new key, never empty.
    sent: bool,
    body: BodyWanted,
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8], faults: SyncFaults) -> Reply {
    let cached = body.is_empty();
    let body = if cached {
        match sim.device(&req.device_id, |d| d.last_sync.clone()) {
            Some(last) => last,
            None => return Reply::Status(13), // an empty request with nothing cached
        }
    } else {
        sim.device(&req.device_id, |d| d.last_sync = Some(body.to_vec()));
        body.to_vec()
    };
    let Some(mut wanted) = parse(&body) else {
        return Reply::Status(4);
    };
    if cached {
        wanted.iter_mut().for_each(|w| w.commands.clear());
    }
    let v16 = req.version.starts_with("16.");
    let ctx = Ctx {
        device: req.device_id.as_str().into(),
        faults,
        v16,
        profile: sim.config.profile,
        counter: &sim.key_counter,
        statuses: sim.collection_statuses(),
    };
    let (answers, changed): (Vec<Answer>, Option<u64>) = {
        let mut mb = sim.mailbox();
        let before = mb.modseq;
        let answers = wanted
            .into_iter()
            .map(|w| answer(&mut mb, w, &ctx))
            .collect();
        (answers, (mb.modseq != before).then_some(mb.modseq))
    };
    if let Some(m) = changed {
        sim.notify(m);
    }
    sim.device(&req.device_id, |d| {
        for a in &answers {
            if let Some(pos) = a.pos {
                d.positions.insert(a.id.clone(), pos);
            }
        }
    });
    let nothing = answers.iter().all(|a| {
        let quiet = a.commands.is_empty() && a.responses.is_empty() && !a.sent;
        a.status == 1 && !a.initial && !a.more && quiet
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

/// The position of key "0": nothing seen.
const START: Position = Position { modseq: 0, idx: 0 };

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
        sent: !w.commands.is_empty(),
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
    if w.key == "0" {
        // The device starts over: from now on it is sent what it changed before, too.
        let m = mb.modseq;
        let f = mb.folder_mut(&w.id).expect("looked up above");
        f.resets.insert(ctx.device.clone(), m);
        a.initial = true;
        (a.key, a.pos) = (Some(ctx.key(f, START)), Some(START));
        return a;
    }
    let Some(from) = f.parse_key(&w.key) else {
        a.status = 3;
        return a;
    };
    let done = client_changes::apply(mb, &collection(&w, from, ctx), &w.commands);
    a.responses = done.responses;
    let f = mb.folder(&w.id).expect("looked up above");
    if ctx.faults.endless_more {
        (a.key, a.pos, a.more) = (Some(w.key.clone()), Some(from), true);
        return a;
    }
    let next = if w.get_changes {
        let page = plan::page(f, from, &ctx.device, w.window, ctx.profile.spread_deletions);
        (a.more, a.commands) = (page.more, page.commands);
        page.next
    } else {
        from
    };
    (a.key, a.pos) = (Some(ctx.key(f, next)), Some(next));
    for idx in done.resend {
        if !a.commands.iter().any(|p| p.idx == idx) {
            a.commands
                .extend(plan::server_version(f, from, idx, &ctx.device));
        }
    }
    a
}

/// What the client's commands in collection `w` are applied with.
fn collection<'a>(w: &'a Wanted, from: Position, ctx: &'a Ctx<'_>) -> Collection<'a> {
    Collection {
        id: &w.id,
        from,
        device: &ctx.device,
        v16: ctx.v16,
        server_wins: ctx.profile.server_wins_conflicts && !w.client_wins,
        deletes_as_moves: w.deletes_as_moves,
        faults: ctx.faults,
    }
}

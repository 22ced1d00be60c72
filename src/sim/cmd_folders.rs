//! FolderSync (MS-ASCMD 2.2.1.5) and GetItemEstimate (2.2.1.9). With `late_nested_folders`
//! ([`super::profile`]) FolderSync sends new folders one nesting level per round, the held-back
//! rounds named by the key (`gen:top:base:depth`).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{folder_hierarchy as fh, get_item_estimate as gie};

use super::Sim;
use super::mailbox::{Folder, Mailbox};
use super::plan;
use super::request::Request;
use super::server::Reply;

fn encoded(tree: Element<'_>) -> Reply {
    match tree.encode() {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Which round of the hierarchy a FolderSync key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// The changes after a hierarchy modseq (`None`: key "0", everything).
    After(Option<u64>),
    /// `late_nested_folders`: the folders held back so far. The folders new since `base`
    /// (created up to `top`) are sent by depth — the depth-1 ones (their parent known before)
    /// in the first round, their children in the next; `depth` were sent.
    Held {
        base: Option<u64>,
        top: u64,
        depth: u32,
    },
}

/// Reads a hierarchy key: `gen:modseq`, or `gen:top:base:depth` while folders are held back
/// (`base` is `-` for a round that started from key "0"); `None` for another generation.
fn parse_round(mb: &Mailbox, key: &str) -> Option<Round> {
    if key == "0" {
        return Some(Round::After(None));
    }
    let parts: Vec<&str> = key.split(':').collect();
    if parts.first()?.parse::<u32>().ok()? != mb.hierarchy_gen {
        return None;
    }
    match parts[1..] {
        [m] => Some(Round::After(Some(m.parse().ok()?))),
        [top, base, depth] => Some(Round::Held {
            top: top.parse().ok()?,
            base: if base == "-" {
                None
            } else {
                Some(base.parse().ok()?)
            },
            depth: depth.parse().ok()?,
        }),
        _ => None,
    }
}

fn is_new(f: &Folder, base: Option<u64>) -> bool {
    base.is_none_or(|m| f.created > m)
}

/// How deep a folder new since `base` sits below the folders known before: 1 when its parent
/// is the top or was known, one more than its parent's otherwise.
fn new_depth(mb: &Mailbox, f: &Folder, base: Option<u64>) -> u32 {
    let mut depth = 1;
    let mut at = f;
    while let Some(parent) = (at.parent != "0")
        .then(|| mb.folder(&at.parent))
        .flatten()
        .filter(|p| is_new(p, base))
    {
        depth += 1;
        at = parent;
        if depth as usize > mb.folders.len() {
            break; // a cycle cannot happen, but never loop on one
        }
    }
    depth
}

fn folder_el(tag: wbxml::Tag, f: &Folder) -> Element<'static> {
    Element::new(tag)
        .with(Element::new(fh::SERVER_ID).with_text(f.id.clone()))
        .with(Element::new(fh::PARENT_ID).with_text(f.parent.clone()))
        .with(Element::new(fh::DISPLAY_NAME).with_text(f.name.clone()))
        .with(Element::new(fh::TYPE).with_text(f.folder_type.to_string()))
}

/// The changes after `since`; with `late`, new folders below new folders are left out and
/// the second value is the depth sent (more rounds follow).
fn changes_after(mb: &Mailbox, since: Option<u64>, late: bool) -> (Vec<Element<'static>>, bool) {
    let mut changes = Vec::new();
    let mut held = false;
    for f in &mb.folders {
        let el = match since {
            None if !f.deleted => Some(folder_el(fh::ADD, f)),
            Some(m) if f.modseq > m => match (f.deleted, f.created > m) {
                (true, false) => Some(
                    Element::new(fh::DELETE)
                        .with(Element::new(fh::SERVER_ID).with_text(f.id.clone())),
                ),
                (true, true) => None,
                (false, true) => Some(folder_el(fh::ADD, f)),
                (false, false) => Some(folder_el(fh::UPDATE, f)),
            },
            _ => None,
        };
        let Some(el) = el else { continue };
        if late && el.tag == fh::ADD && new_depth(mb, f, since) > 1 {
            held = true;
            continue;
        }
        changes.push(el);
    }
    (changes, held)
}

/// The held-back folders of depth `depth + 1`, and whether deeper ones remain.
fn held_round(
    mb: &Mailbox,
    base: Option<u64>,
    top: u64,
    depth: u32,
) -> (Vec<Element<'static>>, bool) {
    let mut changes = Vec::new();
    let mut deeper = false;
    for f in mb
        .folders
        .iter()
        .filter(|f| !f.deleted && f.created <= top && is_new(f, base))
    {
        match new_depth(mb, f, base) {
            d if d == depth + 1 => changes.push(folder_el(fh::ADD, f)),
            d if d > depth + 1 => deeper = true,
            _ => {}
        }
    }
    (changes, deeper)
}

/// The hierarchy changes after the client's key; Status 9 for a key of another generation.
/// With `late_nested_folders` ([`super::profile`]) a folder whose parent is new in the same
/// round waits for the next round (PITFALLS 30).
pub(crate) fn folder_sync(sim: &Arc<Sim>, _req: &Request, body: &[u8]) -> Reply {
    let Some(key) = Element::decode(body)
        .ok()
        .and_then(|t| Some(t.child(7, "SyncKey")?.text()))
    else {
        return Reply::Status(10); // malformed request (FolderSync Status 10)
    };
    let mb = sim.mailbox();
    let Some(round) = parse_round(&mb, &key) else {
        return Reply::Status(9);
    };
    let late = sim.config.profile.late_nested_folders;
    let held_key = |top: String, base: Option<u64>, depth: u32| {
        let base = base.map_or("-".to_string(), |b| b.to_string());
        format!("{top}:{base}:{depth}")
    };
    let (changes, next_key) = match round {
        Round::After(since) => {
            let (changes, held) = changes_after(&mb, since, late);
            let key = mb.hierarchy_key();
            (changes, if held { held_key(key, since, 1) } else { key })
        }
        Round::Held { base, top, depth } => {
            let (changes, deeper) = held_round(&mb, base, top, depth);
            let key = format!("{}:{top}", mb.hierarchy_gen);
            let next = if deeper {
                held_key(key, base, depth + 1)
            } else {
                key
            };
            (changes, next)
        }
    };
    let mut list = Element::new(fh::CHANGES)
        .with(Element::new(fh::COUNT).with_text(changes.len().to_string()));
    for c in changes {
        list = list.with(c);
    }
    encoded(
        Element::new(fh::FOLDER_SYNC)
            .with(Element::new(fh::STATUS).with_text("1"))
            .with(Element::new(fh::SYNC_KEY).with_text(next_key))
            .with(list),
    )
}

/// How many changes wait for each collection: Status 2 for an unknown collection, 3 for a
/// key of "0" (not primed), 4 for an invalid key.
pub(crate) fn estimate(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(2);
    };
    let Some(collections) = tree.child(6, "Collections") else {
        return Reply::Status(2);
    };
    let mb = sim.mailbox();
    let mut root = Element::new(gie::GET_ITEM_ESTIMATE);
    for c in collections.elements() {
        let id = c
            .child(6, "CollectionId")
            .map(|e| e.text())
            .unwrap_or_default();
        let key = c
            .child(0, "SyncKey")
            .or_else(|| c.child(6, "SyncKey"))
            .map(|e| e.text());
        let (status, count) = match (mb.folder(&id), key.as_deref()) {
            (None, _) => (2, None),
            (Some(_), Some("0") | None) => (3, None),
            (Some(f), Some(k)) => match f.parse_key(k) {
                Some(pos) => (1, Some(plan::pending(f, pos, &req.device_id))),
                None => (4, None),
            },
        };
        let mut coll =
            Element::new(gie::COLLECTION).with(Element::new(gie::COLLECTION_ID).with_text(id));
        if let Some(n) = count {
            coll = coll.with(Element::new(gie::ESTIMATE).with_text(n.to_string()));
        }
        root = root.with(
            Element::new(gie::RESPONSE)
                .with(Element::new(gie::STATUS).with_text(status.to_string()))
                .with(coll),
        );
    }
    encoded(root)
}

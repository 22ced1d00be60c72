//! FolderSync (MS-ASCMD 2.2.1.5) and GetItemEstimate (2.2.1.9).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{folder_hierarchy as fh, get_item_estimate as gie};

use super::Sim;
use super::plan;
use super::request::Request;
use super::server::Reply;

fn encoded(tree: Element<'_>) -> Reply {
    match tree.encode() {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The hierarchy changes after the client's key; Status 9 for a key of another generation.
pub(crate) fn folder_sync(sim: &Arc<Sim>, _req: &Request, body: &[u8]) -> Reply {
    let Some(key) = Element::decode(body)
        .ok()
        .and_then(|t| Some(t.child(7, "SyncKey")?.text()))
    else {
        return Reply::Status(10); // malformed request (FolderSync Status 10)
    };
    let mb = sim.mailbox();
    let since = if key == "0" {
        None
    } else {
        match mb.parse_hierarchy_key(&key) {
            Some(m) => Some(m),
            None => return Reply::Status(9),
        }
    };
    let mut changes = Vec::new();
    for f in &mb.folders {
        let folder = |tag| {
            Element::new(tag)
                .with(Element::new(fh::SERVER_ID).with_text(f.id.clone()))
                .with(Element::new(fh::PARENT_ID).with_text(f.parent.clone()))
                .with(Element::new(fh::DISPLAY_NAME).with_text(f.name.clone()))
                .with(Element::new(fh::TYPE).with_text(f.folder_type.to_string()))
        };
        match since {
            None if !f.deleted => changes.push(folder(fh::ADD)),
            Some(m) if f.modseq > m => match (f.deleted, f.created > m) {
                (true, false) => changes.push(
                    Element::new(fh::DELETE)
                        .with(Element::new(fh::SERVER_ID).with_text(f.id.clone())),
                ),
                (true, true) => {}
                (false, true) => changes.push(folder(fh::ADD)),
                (false, false) => changes.push(folder(fh::UPDATE)),
            },
            _ => {}
        }
    }
    let mut list = Element::new(fh::CHANGES)
        .with(Element::new(fh::COUNT).with_text(changes.len().to_string()));
    for c in changes {
        list = list.with(c);
    }
    encoded(
        Element::new(fh::FOLDER_SYNC)
            .with(Element::new(fh::STATUS).with_text("1"))
            .with(Element::new(fh::SYNC_KEY).with_text(mb.hierarchy_key()))
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

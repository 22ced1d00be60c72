//! MoveItems (MS-ASCMD 2.2.1.12): each `Move` gets its own `Response` (2.2.3.153.5) with its
//! Status (2.2.3.177.10): 3 and a new `DstMsgId` when moved (Exchange gives the item a new id in
//! the destination), 1 when the source folder or the item is not there (a resent move whose
//! item already left), 2 when the destination is not a folder of the item's class, 4 when
//! source and destination are the same folder. The moving device is not sent its move back (no
//! `Delete` in the source, no `Add` in the destination for it) unless the `echo-moves` switch
//! is on ([`super::profile`]); other devices get both. The `move-status=N` fault answers every
//! Move with Status N and moves nothing.

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::move_items as mv;

use super::Sim;
use super::faults::ClientOp;
use super::mailbox::{Mailbox, State};
use super::request::Request;
use super::server::{Reply, SyncFaults};

/// One `Move` of the request.
struct Wanted {
    src_msg: String,
    src_folder: String,
    dst_folder: String,
}

fn parse(tree: &Element<'_>) -> Vec<Wanted> {
    let text = |m: &Element<'_>, name| m.child(5, name).map(|e| e.text()).unwrap_or_default();
    tree.elements()
        .filter(|e| e.tag == mv::MOVE)
        .map(|m| Wanted {
            src_msg: text(m, "SrcMsgId"),
            src_folder: text(m, "SrcFldId"),
            dst_folder: text(m, "DstFldId"),
        })
        .collect()
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8], faults: SyncFaults) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(102); // InvalidWBXML (MS-ASCMD 2.2.2)
    };
    if tree.tag != mv::MOVE_ITEMS {
        return Reply::Status(103); // InvalidXML
    }
    let device: Arc<str> = req.device_id.as_str().into();
    let by = (!sim.config.profile.echo_moves).then_some(device);
    let forced = faults.status_of(ClientOp::Move).filter(|&n| n != 3);
    let (answers, changed) = {
        let mut mb = sim.mailbox();
        let before = mb.modseq;
        let answers: Vec<(String, u16, Option<String>)> = parse(&tree)
            .into_iter()
            .map(|w| match forced {
                Some(code) => (w.src_msg, code, None),
                None => {
                    let (code, dst) = move_one(&mut mb, &w, by.clone());
                    (w.src_msg, code, dst)
                }
            })
            .collect();
        (answers, (mb.modseq != before).then_some(mb.modseq))
    };
    if let Some(m) = changed {
        sim.notify(m);
    }
    let mut root = Element::new(mv::MOVE_ITEMS);
    for (src, code, dst) in answers {
        let mut r = Element::new(mv::RESPONSE)
            .with(Element::new(mv::SRC_MSG_ID).with_text(src))
            .with(Element::new(mv::STATUS).with_text(code.to_string()));
        if let Some(dst) = dst {
            r = r.with(Element::new(mv::DST_MSG_ID).with_text(dst));
        }
        root = root.with(r);
    }
    match root.encode() {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Moves one item: its Status and, when moved, its new ServerId.
fn move_one(mb: &mut Mailbox, w: &Wanted, by: Option<Arc<str>>) -> (u16, Option<String>) {
    let Some(src) = mb.folder(&w.src_folder) else {
        return (1, None);
    };
    let Some(dst) = mb.folder(&w.dst_folder) else {
        return (2, None);
    };
    if src.id == dst.id {
        return (4, None);
    }
    let live = src
        .idx_of(&w.src_msg)
        .filter(|&i| src.item(i).is_some_and(|it| it.state == State::Live));
    let Some(idx) = live else {
        return (1, None);
    };
    if src.kind != dst.kind {
        return (2, None);
    }
    let moved = mb.move_item((&w.src_folder, idx), &w.dst_folder, by.clone(), by);
    let dst = moved.and_then(|new| Some(mb.folder(&w.dst_folder)?.server_id(new)));
    match dst {
        Some(id) => (3, Some(id)),
        None => (1, None),
    }
}

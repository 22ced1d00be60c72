//! ItemOperations Fetch (MS-ASCMD 2.2.1.10): an item by collection and server id, in the body
//! form asked for (MIME with `BodyPreference` Type 4), or an attachment by `FileReference`
//! (base64 `Data`; the multipart form is not offered, the client accepts inline data too).
//! And Settings (2.2.1.18): the user's addresses, device information accepted.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb, item_operations as io, settings as st};

use super::Sim;
use super::content::{self, Gen};
use super::mail::{self, BodyWanted};
use super::mailbox::State;
use super::mime;
use super::plan::{Op, Planned};
use super::request::Request;
use super::server::Reply;
use crate::proto::ProtoError;
use crate::proto::classes::ApplicationData;
use crate::proto::write::Writer;

fn properties(w: &mut Writer, data: &ApplicationData) -> Result<(), ProtoError> {
    w.start(io::PROPERTIES)?;
    match data {
        ApplicationData::Email(e) => e.write_fields(w)?,
        ApplicationData::Contact(c) => c.write_fields(w)?,
        ApplicationData::Event(e) => e.write_fields(w)?,
        ApplicationData::Task(t) => t.write_fields(w)?,
        ApplicationData::Note(n) => n.write_fields(w)?,
        ApplicationData::Other(e) => {
            for child in e.elements() {
                w.element(child)?;
            }
        }
    }
    w.end()
}

fn fetch_item(
    sim: &Sim,
    w: &mut Writer,
    fetch: &Element<'_>,
    version: &str,
) -> Result<(), ProtoError> {
    let cid = fetch
        .child(0, "CollectionId")
        .map(|e| e.text())
        .unwrap_or_default();
    let sid = fetch
        .child(0, "ServerId")
        .map(|e| e.text())
        .unwrap_or_default();
    let found = {
        let mb = sim.mailbox();
        mb.folder(&cid).and_then(|f| {
            let idx = f.idx_of(&sid)?;
            let item = f.item(idx).filter(|i| i.state == State::Live)?;
            let planned = Planned {
                idx,
                op: Op::Add,
                version: item.content_version(),
                custom: item.custom.clone(),
                flags: item.flags.clone(),
                source: item.source.clone(),
                occurrences: Vec::new(),
                message: item.message.clone(),
            };
            Some((f.kind, f.content_id.clone(), planned))
        })
    };
    w.start(io::FETCH)?;
    let Some((kind, stream, planned)) = found else {
        w.leaf(io::STATUS, "6")?;
        w.leaf(s::COLLECTION_ID, &cid)?;
        w.leaf(s::SERVER_ID, &sid)?;
        return w.end();
    };
    w.leaf(io::STATUS, "1")?;
    w.leaf(s::COLLECTION_ID, &cid)?;
    w.leaf(s::SERVER_ID, &sid)?;
    w.leaf(s::CLASS, kind.class())?;
    let data = match &planned.custom {
        Some(d) => (**d).clone(),
        None => {
            let g = Gen {
                seed: sim.config.seed,
                profile: sim.config.profile,
                v14: version >= "14.0",
                v16: version.starts_with("16."),
            };
            let want = BodyWanted::from_options(fetch.child(20, "Options"));
            content::generate(&g, (&cid, &stream), kind, &planned, &want).0
        }
    };
    properties(w, &data)?;
    w.end()
}

fn fetch_attachment(sim: &Sim, w: &mut Writer, reference: &str) -> Result<(), ProtoError> {
    let mut parts = reference.split(':');
    let (folder, idx, n) = (parts.next(), parts.next(), parts.next());
    let found = match (
        folder,
        idx.and_then(|i| i.parse().ok()),
        n.and_then(|n| n.parse().ok()),
    ) {
        (Some(f), Some(idx), Some(n)) => {
            let mb = sim.mailbox();
            let live = mb
                .folder(f)
                .filter(|fo| fo.item(idx).is_some_and(|i| i.state == State::Live));
            let held = live.and_then(|fo| fo.item(idx)?.message.clone());
            if let Some(raw) = held {
                return finish_attachment(w, reference, mime::attachment(&raw, n as usize));
            }
            live.map(|fo| fo.source_of(idx)).and_then(|s| {
                let count = mail::message(sim.config.seed, &s.stream, s.idx)
                    .attachments
                    .len() as u32;
                (n < count).then(|| mail::attachment(sim.config.seed, &s.stream, s.idx, n))
            })
        }
        _ => None,
    };
    let found = found.map(|(_, bytes)| ("text/plain; charset=utf-8".to_string(), bytes));
    finish_attachment(w, reference, found)
}

/// The Fetch of an attachment: its content type and data, or Status 15 (not found).
fn finish_attachment(
    w: &mut Writer,
    reference: &str,
    found: Option<(String, Vec<u8>)>,
) -> Result<(), ProtoError> {
    w.start(io::FETCH)?;
    let Some((content_type, bytes)) = found else {
        w.leaf(io::STATUS, "15")?;
        w.leaf(asb::FILE_REFERENCE, reference)?;
        return w.end();
    };
    w.leaf(io::STATUS, "1")?;
    w.leaf(asb::FILE_REFERENCE, reference)?;
    w.start(io::PROPERTIES)?;
    w.leaf(asb::CONTENT_TYPE, &content_type)?;
    w.leaf(io::DATA, &STANDARD.encode(&bytes))?;
    w.end()?;
    w.end()
}

pub(crate) fn item_operations(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(2);
    };
    let run = || -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new("ItemOperations");
        w.start(io::ITEM_OPERATIONS)?;
        w.leaf(io::STATUS, "1")?;
        w.start(io::RESPONSE)?;
        for fetch in tree.elements().filter(|e| e.tag == io::FETCH) {
            match fetch.child(17, "FileReference") {
                Some(r) => fetch_attachment(sim, &mut w, &r.text())?,
                None => fetch_item(sim, &mut w, fetch, &req.version)?,
            }
        }
        w.end()?;
        w.end()?;
        w.finish()
    };
    match run() {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

pub(crate) fn settings(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(2);
    };
    sim.stats.describe(req, &tree);
    let ok = || Element::new(st::STATUS).with_text("1");
    let mut root = Element::new(st::SETTINGS).with(ok());
    if tree.child(18, "DeviceInformation").is_some() {
        root = root.with(Element::new(st::DEVICE_INFORMATION).with(ok()));
    }
    if tree.child(18, "UserInformation").is_some() {
        let addresses = Element::new(st::EMAIL_ADDRESSES)
            .with(Element::new(st::SMTP_ADDRESS).with_text(sim.config.user.clone()))
            .with(Element::new(st::PRIMARY_SMTP_ADDRESS).with_text(sim.config.user.clone()));
        let info = Element::new(st::USER_INFORMATION)
            .with(ok())
            .with(Element::new(st::GET).with(addresses));
        root = root.with(info);
    }
    match root.encode() {
        Ok(b) => Reply::Wbxml(b),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

//! Turning planned commands into bytes: each item's content is generated from the seed (or is
//! what a client sent) and written with the protocol layer's class tables, so the simulator
//! serves exactly the elements the client's decoder reads.

use wbxml::tags::{air_sync as s, air_sync_base as asb};

use super::events::{self, Instance};
use super::mail::{self, BodyWanted};
use super::mailbox::Kind;
use super::pim;
use super::plan::{Op, Planned};
use crate::proto::ProtoError;
use crate::proto::classes::ApplicationData;
use crate::proto::write::Writer;

/// One collection of a Sync response, ready to write.
pub struct CollectionOut<'a> {
    pub id: &'a str,
    pub kind: Kind,
    pub status: u16,
    pub key: Option<&'a str>,
    pub more: bool,
    pub commands: &'a [Planned],
    pub responses: &'a [wbxml::Element<'static>],
    pub body: BodyWanted,
}

/// The generated content of item `idx` of a folder, and on 16.x a series' instance changes.
pub fn generate(
    seed: u64,
    folder: &str,
    kind: Kind,
    idx: u32,
    version: u32,
    want: &BodyWanted,
    v16: bool,
) -> (ApplicationData, Vec<Instance>) {
    match kind {
        Kind::Mail => (
            ApplicationData::Email(Box::new(mail::email(seed, folder, idx, version, want))),
            Vec::new(),
        ),
        Kind::Contacts => (
            ApplicationData::Contact(Box::new(pim::contact(seed, folder, idx, version))),
            Vec::new(),
        ),
        Kind::Calendar => {
            let (e, instances) = events::event(seed, folder, idx, version, v16, want);
            (ApplicationData::Event(Box::new(e)), instances)
        }
        Kind::Tasks => (
            ApplicationData::Task(Box::new(pim::task(seed, folder, idx, version))),
            Vec::new(),
        ),
        Kind::Notes => (ApplicationData::Note(Box::default()), Vec::new()),
    }
}

fn command(
    w: &mut Writer,
    seed: u64,
    c: &CollectionOut<'_>,
    p: &Planned,
    v16: bool,
) -> Result<(), ProtoError> {
    let server_id = format!("{}:{}", c.id, p.idx);
    let tag = match p.op {
        Op::Add => s::ADD,
        Op::Change => s::CHANGE,
        Op::Delete => s::DELETE,
        Op::SoftDelete => s::SOFT_DELETE,
    };
    w.start(tag)?;
    w.leaf(s::SERVER_ID, &server_id)?;
    if matches!(p.op, Op::Delete | Op::SoftDelete) {
        return w.end();
    }
    let instances = match &p.custom {
        Some(data) => {
            data.write(w)?;
            Vec::new()
        }
        None => {
            let (data, instances) = generate(seed, c.id, c.kind, p.idx, p.version, &c.body, v16);
            data.write(w)?;
            instances
        }
    };
    w.end()?;
    // 16.x: a series' changed and deleted occurrences follow it (MS-ASCMD 2.2.3.87).
    for instance in instances {
        match instance {
            Instance::Changed(event) => {
                w.start(s::CHANGE)?;
                w.leaf(s::SERVER_ID, &server_id)?;
                ApplicationData::Event(event).write(w)?;
                w.end()?;
            }
            Instance::Deleted { instance_id } => {
                w.start(s::DELETE)?;
                w.leaf(s::SERVER_ID, &server_id)?;
                w.leaf(asb::INSTANCE_ID, &instance_id)?;
                w.end()?;
            }
        }
    }
    Ok(())
}

/// The Sync response for the collections.
pub fn sync_response(
    seed: u64,
    collections: &[CollectionOut<'_>],
    v16: bool,
) -> Result<Vec<u8>, ProtoError> {
    let mut w = Writer::new("Sync");
    w.start(s::SYNC)?;
    w.start(s::COLLECTIONS)?;
    for c in collections {
        w.start(s::COLLECTION)?;
        if let Some(key) = c.key {
            w.leaf(s::SYNC_KEY, key)?;
        }
        w.leaf(s::COLLECTION_ID, c.id)?;
        w.leaf(s::STATUS, &c.status.to_string())?;
        if c.more {
            w.empty(s::MORE_AVAILABLE)?;
        }
        if !c.commands.is_empty() {
            w.start(s::COMMANDS)?;
            for p in c.commands {
                command(&mut w, seed, c, p, v16)?;
            }
            w.end()?;
        }
        if !c.responses.is_empty() {
            w.start(s::RESPONSES)?;
            for r in c.responses {
                w.element(r)?;
            }
            w.end()?;
        }
        w.end()?;
    }
    w.end()?;
    w.end()?;
    w.finish()
}

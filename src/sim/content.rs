//! Turning planned commands into bytes: each item's content is generated from the seed (or is
//! what a client sent) and written with the protocol layer's class tables, so the simulator
//! serves exactly the elements the client's decoder reads. The server profile
//! ([`super::profile`]) decides the form: partial Email Changes, Delete + Add for a change,
//! a Change before a mail's Add, odd mails.

use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb, email as em};

use super::events::{self, Instance};
use super::mail::{self, BodyWanted, MailRef};
use super::mailbox::Kind;
use super::mime;
use super::occurrences;
use super::pim;
use super::plan::{Op, Planned};
use super::profile::{self, Profile};
use crate::proto::ProtoError;
use crate::proto::classes::ApplicationData;
use crate::proto::classes::email::Email;
use crate::proto::write::Writer;

/// What generated content depends on besides the item: the seed, the server profile and the
/// protocol version of the request.
#[derive(Debug, Clone, Copy)]
pub struct Gen {
    pub seed: u64,
    pub profile: Profile,
    /// 14.0 or later (Email2 elements allowed).
    pub v14: bool,
    pub v16: bool,
}

/// One collection of a Sync response, ready to write.
pub struct CollectionOut<'a> {
    pub id: &'a str,
    /// The folder's content name ([`super::mailbox::Folder::content_id`]).
    pub stream: &'a str,
    pub kind: Kind,
    pub status: u16,
    pub key: Option<&'a str>,
    pub more: bool,
    pub commands: &'a [Planned],
    pub responses: &'a [wbxml::Element<'static>],
    pub body: BodyWanted,
}

/// The generated content of an item of folder `id` (content drawn from `stream`, or from
/// where a moved item came from), and on 16.x a series' instance changes.
pub fn generate(
    g: &Gen,
    (id, stream): (&str, &str),
    kind: Kind,
    p: &Planned,
    want: &BodyWanted,
) -> (ApplicationData, Vec<Instance>) {
    let (stream, content) = match &p.source {
        Some(s) => (&*s.stream, s.idx),
        None => (stream, p.idx),
    };
    let (seed, version) = (g.seed, p.version);
    match kind {
        Kind::Mail if p.message.is_some() => {
            let state = mail::flags(p.idx, version, p.flags.as_deref());
            let raw = p.message.as_deref().map_or(&[][..], |m| m.as_slice());
            let e = mime::email(raw, (id, p.idx), &state, want);
            (ApplicationData::Email(Box::new(e)), Vec::new())
        }
        Kind::Mail => {
            let state = mail::flags(p.idx, version, p.flags.as_deref());
            let odd = g
                .profile
                .odd_items
                .then(|| mail::oddity(seed, content))
                .flatten();
            let at = MailRef {
                folder_id: id,
                stream,
                idx: content,
                item: p.idx,
            };
            let e = mail::email_in(seed, at, &state, odd, want);
            (ApplicationData::Email(Box::new(e)), Vec::new())
        }
        Kind::Contacts => (
            ApplicationData::Contact(Box::new(pim::contact(seed, stream, content, version))),
            Vec::new(),
        ),
        Kind::Calendar => {
            let (e, instances) = events::event(seed, stream, content, version, g.v16, want);
            (ApplicationData::Event(Box::new(e)), instances)
        }
        Kind::Tasks => (
            ApplicationData::Task(Box::new(pim::task(seed, stream, content, version))),
            Vec::new(),
        ),
        Kind::Notes => (ApplicationData::Note(Box::default()), Vec::new()),
    }
}

/// The state elements of a mail a client sent (Read, Flag, Categories), as a partial Change.
fn partial_of_custom(data: &ApplicationData) -> ApplicationData {
    match data {
        ApplicationData::Other(e) => {
            let mut out = Element::new(s::APPLICATION_DATA);
            for c in e
                .elements()
                .filter(|c| matches!(c.tag, em::READ | em::FLAG | em::CATEGORIES))
            {
                out = out.with(c.clone());
            }
            ApplicationData::Other(out)
        }
        ApplicationData::Email(e) => ApplicationData::Email(Box::new(Email {
            read: e.read,
            flag: e.flag.clone(),
            categories: e.categories.clone(),
            ..Email::default()
        })),
        other => other.clone(),
    }
}

fn simple(w: &mut Writer, tag: wbxml::Tag, server_id: &str) -> Result<(), ProtoError> {
    w.start(tag)?;
    w.leaf(s::SERVER_ID, server_id)?;
    w.end()
}

fn with_data(
    w: &mut Writer,
    tag: wbxml::Tag,
    server_id: &str,
    data: &ApplicationData,
) -> Result<(), ProtoError> {
    w.start(tag)?;
    w.leaf(s::SERVER_ID, server_id)?;
    data.write(w)?;
    w.end()
}

/// The state of a mail as a partial Change (`partial-email-changes`).
fn partial(g: &Gen, p: &Planned) -> ApplicationData {
    match (&p.flags, &p.custom) {
        (None, Some(data)) => partial_of_custom(data),
        _ => {
            let state = mail::flags(p.idx, p.version, p.flags.as_deref());
            ApplicationData::Email(Box::new(mail::partial_change(&state, g.v14)))
        }
    }
}

/// Only `<email:Read>`, announcing a mail before its Add (`change-before-add`).
fn read_only(p: &Planned) -> ApplicationData {
    let read = match &p.custom {
        Some(data) => match partial_of_custom(data) {
            ApplicationData::Other(e) => e.child(2, "Read").map(|r| r.text() == "1"),
            _ => None,
        },
        None => Some(mail::flags(p.idx, p.version, p.flags.as_deref()).read),
    };
    ApplicationData::Email(Box::new(Email {
        read: Some(read.unwrap_or(false)),
        ..Email::default()
    }))
}

fn command(w: &mut Writer, g: &Gen, c: &CollectionOut<'_>, p: &Planned) -> Result<(), ProtoError> {
    let server_id = format!("{}:{}", c.id, p.idx);
    let (profile, mail) = (g.profile, c.kind == Kind::Mail);
    let tag = match p.op {
        Op::Instances => return occurrences::write(w, &server_id, &p.occurrences),
        Op::Delete => return simple(w, s::DELETE, &server_id),
        Op::SoftDelete => return simple(w, s::SOFT_DELETE, &server_id),
        Op::Change if profile.delete_then_add && profile::delete_then_add(p.idx, p.version) => {
            simple(w, s::DELETE, &server_id)?;
            s::ADD
        }
        Op::Change if mail && profile.partial_email_changes => {
            return with_data(w, s::CHANGE, &server_id, &partial(g, p));
        }
        Op::Change => s::CHANGE,
        Op::Add => {
            if mail && profile.change_before_add && profile::change_before_add(p.idx) {
                with_data(w, s::CHANGE, &server_id, &read_only(p))?;
            }
            s::ADD
        }
    };
    let instances = match &p.custom {
        Some(data) => {
            with_data(w, tag, &server_id, data)?;
            Vec::new()
        }
        None => {
            let (data, instances) = generate(g, (c.id, c.stream), c.kind, p, &c.body);
            with_data(w, tag, &server_id, &data)?;
            instances
        }
    };
    // 16.x: a series' changed and deleted occurrences follow it (MS-ASCMD 2.2.3.87), those a
    // client recorded last (and instead of a generated one for the same occurrence).
    let recorded = |id: &str| {
        let k = occurrences::key(id);
        k.is_some() && p.occurrences.iter().any(|o| Some(&o.key) == k.as_ref())
    };
    for instance in instances {
        match instance {
            Instance::Changed(event) if recorded(event.instance_id.as_deref().unwrap_or("")) => {}
            Instance::Deleted { instance_id } if recorded(&instance_id) => {}
            Instance::Changed(event) => {
                with_data(w, s::CHANGE, &server_id, &ApplicationData::Event(event))?;
            }
            Instance::Deleted { instance_id } => {
                w.start(s::DELETE)?;
                w.leaf(s::SERVER_ID, &server_id)?;
                w.leaf(asb::INSTANCE_ID, &instance_id)?;
                w.end()?;
            }
        }
    }
    occurrences::write(w, &server_id, &p.occurrences)
}

/// The Sync response for the collections.
pub fn sync_response(g: &Gen, collections: &[CollectionOut<'_>]) -> Result<Vec<u8>, ProtoError> {
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
                command(&mut w, g, c, p)?;
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

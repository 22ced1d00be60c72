//! SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.20, 2.2.1.19) in their
//! WBXML form (14.0 and later): `ClientId`, `AccountId`, `SaveInSentItems`, `Mime`, and for
//! replies and forwards `Source` (`FolderId` + `ItemId`, or `LongId`; `InstanceId`) and
//! `ReplaceMime`; 16.x `Forwardees` (2.2.3.79). Answered as Exchange answers:
//!
//! - success is HTTP 200 with an empty body (2.2.1.17: "If the message was sent successfully,
//!   the server returns an empty response"); a failure is `<SendMail|SmartReply|SmartForward>
//!   <Status>N</Status>` with a common status (2.2.3.177.14, .16; 2.2.2);
//! - the message goes to the [`super::outbox`] with the MIME byte for byte, and with
//!   `SaveInSentItems` (2.2.3.157) a copy goes to Sent Items (folder type 5): a new mail every
//!   device gets through Sync as an `Add` (Read, the MIME's From/To/Subject/Date, the body in
//!   the form asked for, the whole message for Type 4 — Bcc included, as the sender's copy
//!   keeps it; [`super::mime::email`]);
//! - the same `ClientId` from the same device again: Status 118 MessagePreviouslySent, nothing
//!   sent (2.2.3.28.1, 2.2.2; NachoCore's client takes 118 as "already sent");
//! - a reply or forward without `ReplaceMime` is completed with the original (2.2.1.20: "The full
//!   text of the original message is retrieved and sent by the server"; 2.2.3.148): its text is
//!   appended, and a forward carries its attachments ([`super::mime::compose`]); with
//!   `ReplaceMime` the client's MIME goes as it is;
//! - `ItemId` without `FolderId` names a mail in the Inbox (2.2.3.93); a source that is not
//!   there (or a `LongId`, the simulator has no Search) is Status 150 ItemNotFound, as AOSP's
//!   client expects before it falls back to SendMail (`EasOutboxSync`);
//! - no `ClientId` or no `Mime` (required in every version, 2.2.3.28.1, 2.2.3.109): Status 103
//!   InvalidXML; undecodable WBXML 102; MIME without a header 107 InvalidMIME; no recipient in
//!   To, Cc, Bcc or `Forwardees` 119 MessageHasNoRecipient; `AccountId` on 14.0 103 (as
//!   Exchange 2007 answers), later 166 InvalidAccountId (Settings names no other account).
//!
//! Not modelled: the original marked as replied/forwarded (`email2:LastVerbExecuted`), the
//! 12.1 form (the MIME as the body, `SaveInSent=T` in the query), `rm:TemplateID`.

use std::sync::Arc;

use wbxml::tags::compose_mail as cm;
use wbxml::{Element, Node};

use super::faults::ClientOp;
use super::mail::{self, MailFlags};
use super::mailbox::{Kind, Mailbox, State};
use super::mime::{self, Original};
use super::outbox::Outgoing;
use super::request::Request;
use super::server::{Reply, SyncFaults};
use super::{Sim, events, lock};
use crate::proto::classes::ApplicationData;

/// The commands this file handles.
pub(crate) const COMMANDS: [&str; 3] = ["SendMail", "SmartReply", "SmartForward"];

/// The FolderSync types of the Inbox and Sent Items (MS-ASCMD 2.2.3.186.3).
const INBOX: u16 = 2;
const SENT_ITEMS: u16 = 5;

/// The original message a reply or forward names.
#[derive(Debug, Default)]
struct SourceRef {
    folder: Option<String>,
    item: Option<String>,
    long_id: Option<String>,
    instance: Option<String>,
}

/// One request, decoded.
#[derive(Debug, Default)]
struct Compose {
    client_id: String,
    account_id: Option<String>,
    save: bool,
    replace_mime: bool,
    mime: Vec<u8>,
    source: Option<SourceRef>,
    forwardees: Vec<String>,
}

/// All text and opaque data of an element, as bytes (MIME comes as OPAQUE, some clients send
/// it as a string).
fn bytes_of(e: &Element<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    for n in &e.children {
        match n {
            Node::Text(t) => out.extend_from_slice(t.as_bytes()),
            Node::Opaque(d) => out.extend_from_slice(d),
            Node::Element(_) => {}
        }
    }
    out
}

fn source(e: &Element<'_>) -> SourceRef {
    let text = |tag| e.elements().find(|c| c.tag == tag).map(|c| c.text());
    SourceRef {
        folder: text(cm::FOLDER_ID),
        item: text(cm::ITEM_ID),
        long_id: text(cm::LONG_ID),
        instance: text(cm::INSTANCE_ID),
    }
}

fn forwardees(e: &Element<'_>) -> Vec<String> {
    let one = |f: &Element<'_>| {
        let email = f.elements().find(|c| c.tag == cm::EMAIL)?.text();
        let name = f.elements().find(|c| c.tag == cm::NAME).map(|c| c.text());
        Some(match name {
            Some(n) if !n.is_empty() => format!("\"{n}\" <{email}>"),
            _ => email,
        })
    };
    e.elements()
        .filter(|f| f.tag == cm::FORWARDEE)
        .filter_map(one)
        .collect()
}

/// The request, or the status a malformed one gets.
fn parse(command: &str, body: &[u8]) -> Result<Compose, u16> {
    let tree = Element::decode(body).map_err(|_| 102u16)?; // InvalidWBXML
    let root = match command {
        "SmartReply" => cm::SMART_REPLY,
        "SmartForward" => cm::SMART_FORWARD,
        _ => cm::SEND_MAIL,
    };
    if tree.tag != root {
        return Err(103); // InvalidXML
    }
    let mut c = Compose::default();
    let (mut client_id, mut mime) = (None, None);
    for e in tree.elements() {
        match e.tag {
            cm::CLIENT_ID => client_id = Some(e.text()),
            cm::ACCOUNT_ID => c.account_id = Some(e.text()),
            cm::SAVE_IN_SENT_ITEMS => c.save = true,
            cm::REPLACE_MIME => c.replace_mime = true,
            cm::MIME => mime = Some(bytes_of(e)),
            cm::SOURCE => c.source = Some(source(e)),
            cm::FORWARDEES => c.forwardees = forwardees(e),
            _ => {}
        }
    }
    let smart = root != cm::SEND_MAIL;
    match (client_id, mime) {
        (Some(id), Some(m)) if !id.trim().is_empty() && (c.source.is_some() || !smart) => {
            (c.client_id, c.mime) = (id, m);
            Ok(c)
        }
        _ => Err(103),
    }
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8], faults: SyncFaults) -> Reply {
    let command: &'static str = COMMANDS
        .iter()
        .find(|c| **c == req.command)
        .copied()
        .unwrap_or("SendMail");
    let c = match parse(command, body) {
        Ok(c) => c,
        Err(code) => return Reply::Status(code),
    };
    if let Some(code) = faults.status_of(ClientOp::Send) {
        return Reply::Status(code);
    }
    if c.account_id.is_some() {
        return Reply::Status(if req.version.as_str() < "14.1" {
            103
        } else {
            166
        });
    }
    match send(sim, req, command, c) {
        Ok(()) => Reply::Empty,
        Err(code) => Reply::Status(code),
    }
}

/// Sends one message: the outbox, Sent Items; the status of a failure.
fn send(sim: &Sim, req: &Request, command: &'static str, c: Compose) -> Result<(), u16> {
    if lock(&sim.outbox).seen(&req.device_id, &c.client_id) {
        return Err(118); // MessagePreviouslySent
    }
    let summary = mime::summary(&c.mime);
    if !summary.headers {
        return Err(107); // InvalidMIME
    }
    let mut mb = sim.mailbox();
    let original = match &c.source {
        Some(src) => Some(original(sim.config.seed, &mb, src).ok_or(150u16)?),
        None => None,
    };
    if !summary.has_recipient() && c.forwardees.is_empty() {
        return Err(119); // MessageHasNoRecipient
    }
    let forward = command == "SmartForward";
    let n = lock(&sim.outbox).len() + 1;
    let completed = match &original {
        Some((_, o)) if !c.replace_mime => Some(mime::compose(&c.mime, o, forward, n)),
        _ => None,
    };
    let carried = match (&original, &completed) {
        (Some((_, o)), Some(_)) if forward => o.attachments.iter().map(|a| a.0.clone()).collect(),
        _ => Vec::new(),
    };
    let copy = completed.clone().unwrap_or_else(|| c.mime.clone());
    let saved_as = c.save.then(|| save_in_sent(&mut mb, copy)).flatten();
    let modseq = mb.modseq;
    drop(mb);
    lock(&sim.outbox).record(Outgoing {
        command,
        client_id: Some(c.client_id),
        device: req.device_id.clone(),
        original_appended: completed.is_some(),
        delivered: completed,
        mime: c.mime,
        source: original.map(|(desc, _)| desc),
        attachments_carried: carried,
        forwardees: c.forwardees,
        saved_as: saved_as.clone(),
    });
    if saved_as.is_some() {
        sim.notify(modseq);
    }
    Ok(())
}

/// The copy in Sent Items: a new, read mail held as `message`; its server id.
fn save_in_sent(mb: &mut Mailbox, message: Vec<u8>) -> Option<String> {
    let id = mb
        .folders
        .iter()
        .find(|f| !f.deleted && f.folder_type == SENT_ITEMS)?
        .id
        .clone();
    let m = mb.next_modseq();
    let f = mb.folder_mut(&id)?;
    let idx = f.push(m, None, None);
    let item = f.items.get_mut(idx as usize - 1)?;
    item.message = Some(Arc::new(message));
    item.flags = Some(Arc::new(MailFlags {
        read: true,
        flag_status: 0,
        categories: Vec::new(),
    }));
    Some(f.server_id(idx))
}

/// The original a `Source` names (`ItemId` alone: in the Inbox), described for the outbox.
fn original(seed: u64, mb: &Mailbox, src: &SourceRef) -> Option<(String, Original)> {
    if src.long_id.is_some() {
        return None; // no Search here, so no LongId names anything
    }
    let folder = match &src.folder {
        Some(f) => mb.folder(f)?,
        None => mb
            .folders
            .iter()
            .find(|f| !f.deleted && f.folder_type == INBOX)?,
    };
    let item_id = src.item.as_deref()?;
    let idx = folder.idx_of(item_id)?;
    let item = folder.item(idx).filter(|i| i.state == State::Live)?;
    let o = match (&item.message, item.custom.as_deref(), folder.kind) {
        (Some(raw), ..) => held(raw),
        (None, Some(ApplicationData::Other(data)), kind) => sent(data, kind),
        (None, None, Kind::Mail) => {
            let s = folder.source_of(idx);
            generated_mail(mail::message(seed, &s.stream, s.idx))
        }
        (None, None, Kind::Calendar) => {
            let s = folder.source_of(idx);
            let want = mail::BodyWanted::default();
            let (e, _) =
                events::event(seed, &s.stream, s.idx, item.content_version(), false, &want);
            Original {
                from: e.organizer_email.unwrap_or_default(),
                subject: e.subject.unwrap_or_default(),
                text: e.body.and_then(|b| b.data).unwrap_or_default(),
                ..Original::default()
            }
        }
        _ => return None,
    };
    let mut desc = format!("{}/{item_id}", folder.id);
    if let Some(i) = &src.instance {
        desc.push('#');
        desc.push_str(i);
    }
    Some((desc, o))
}

fn held(raw: &[u8]) -> Original {
    let s = mime::summary(raw);
    Original {
        from: s.from.unwrap_or_default(),
        to: s.to.join(", "),
        subject: s.subject.unwrap_or_default(),
        date: s.date.unwrap_or(0),
        text: s.text.unwrap_or_default(),
        attachments: s.attachments,
    }
}

fn generated_mail(m: mail::Message) -> Original {
    let attachments = m
        .attachments
        .iter()
        .map(|(name, data)| (name.clone(), "text/plain".to_string(), data.clone()))
        .collect();
    Original {
        text: m.plain(),
        from: m.from,
        to: m.to,
        subject: m.subject,
        date: m.date,
        attachments,
    }
}

/// The original from what a client wrote (a draft, an event it added).
fn sent(data: &Element<'_>, kind: Kind) -> Original {
    use wbxml::tags::{air_sync_base as asb, calendar as cal, email as em};
    let text = |tag| {
        data.elements()
            .find(|e| e.tag == tag)
            .map(|e| e.text())
            .unwrap_or_default()
    };
    let body = data
        .elements()
        .find(|e| e.tag == asb::BODY)
        .and_then(|b| b.elements().find(|e| e.tag == asb::DATA).map(|d| d.text()))
        .unwrap_or_default();
    match kind {
        Kind::Calendar => Original {
            from: text(cal::ORGANIZER_EMAIL),
            subject: text(cal::SUBJECT),
            text: body,
            ..Original::default()
        },
        _ => Original {
            from: text(em::FROM),
            to: text(em::TO),
            subject: text(em::SUBJECT),
            text: body,
            ..Original::default()
        },
    }
}

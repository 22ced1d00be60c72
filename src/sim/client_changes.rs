//! The client's changes in a Sync collection (MS-ASCMD 2.2.3.7.2 `Add`, 2.2.3.24.2 `Change`,
//! 2.2.3.42.2 `Delete`), applied as Exchange applies them and answered in `Responses`
//! (2.2.3.155; a Change or Delete only when it failed):
//!
//! - an Email Change merges: only `Read`, `Flag` and `Categories` change (MS-ASEMAIL 2.2.2), the
//!   rest of the mail stays ([`MailFlags::merged`]); other classes are replaced by what was sent;
//! - with `server-wins-conflicts` ([`super::profile`]) a Change or Delete of an item the server
//!   changed after the client's SyncKey answers Status 7 unless `Options/Conflict` is 0
//!   (2.2.3.34), and the server's version goes out in the same response;
//! - a mail Delete with `DeletesAsMoves` 1, empty or absent (2.2.3.42.1) moves the mail to
//!   Deleted Items under a new ServerId (the deleting device gets its `Add` there too); with 0,
//!   in Deleted Items itself or outside mail it is a hard delete;
//! - a resent request (the same or an older SyncKey: a client that lost the response) applies
//!   nothing twice: an Add whose ClientId the device sent in that folder from that key or a later
//!   one answers the ServerId it got then (2.2.3.28.2), a Change that changes nothing is not a
//!   change, a Delete of an item the device itself deleted after its key succeeds again;
//! - the `add-status`, `change-status`, `delete-status` faults answer their status and apply
//!   nothing (7 sends the server's version, as a conflict does).
//!
//! - a Change or Delete with `airsyncbase:InstanceId` (16.x) changes or cancels one occurrence
//!   of a calendar series and leaves the series ([`super::occurrences`]);
//!
//! The device that made a change is not sent it back (`by`, [`super::plan`]). A Change or
//! Delete of an item that is not there answers Status 8; on 16.x mail is added only to Drafts
//! (Status 6 elsewhere).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb};

use super::faults::ClientOp;
use super::mail::{self, MailFlags};
use super::mailbox::{ClientAdd, Item, Kind, Mailbox, Position, State};
use super::occurrences;
use super::plan;
use super::server::SyncFaults;
use crate::proto::classes::ApplicationData;

/// The FolderSync type of Deleted Items (MS-ASCMD 2.2.3.186.3).
const DELETED_ITEMS: u16 = 4;

/// What the commands of one collection are applied with.
pub(super) struct Collection<'a> {
    pub id: &'a str,
    /// The position of the SyncKey the request sent.
    pub from: Position,
    pub device: &'a Arc<str>,
    pub v16: bool,
    /// A conflict answers Status 7 (`server-wins-conflicts` and `Options/Conflict` not 0).
    pub server_wins: bool,
    /// `DeletesAsMoves` (1 when absent).
    pub deletes_as_moves: bool,
    pub faults: SyncFaults,
}

/// The answers to a collection's commands.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub responses: Vec<Element<'static>>,
    /// Items whose server version goes out with the response (Status 7).
    pub resend: Vec<u32>,
}

/// Applies the commands in order.
pub(super) fn apply(mb: &mut Mailbox, c: &Collection<'_>, commands: &[Element<'_>]) -> Outcome {
    let mut out = Outcome::default();
    for cmd in commands {
        match cmd.tag {
            s::ADD => out.responses.push(add(mb, c, cmd)),
            s::CHANGE | s::DELETE => existing(mb, c, cmd, &mut out),
            _ => {}
        }
    }
    out
}

fn text(cmd: &Element<'_>, name: &str) -> String {
    cmd.child(0, name).map(|e| e.text()).unwrap_or_default()
}

fn status(code: u16) -> Element<'static> {
    Element::new(s::STATUS).with_text(code.to_string())
}

/// An Add: the new item's ServerId, or the one a resent ClientId got before.
fn add(mb: &mut Mailbox, c: &Collection<'_>, cmd: &Element<'_>) -> Element<'static> {
    let client_id = text(cmd, "ClientId");
    let answer = |code: u16, server_id: Option<String>| {
        let mut e =
            Element::new(s::ADD).with(Element::new(s::CLIENT_ID).with_text(client_id.clone()));
        if let Some(sid) = server_id {
            e = e.with(Element::new(s::SERVER_ID).with_text(sid));
        }
        e.with(status(code))
    };
    if let Some(code) = c.faults.status_of(ClientOp::Add).filter(|&n| n != 1) {
        return answer(code, None);
    }
    let Some(f) = mb.folder(c.id) else {
        return answer(8, None);
    };
    let before = f
        .client_ids
        .get(&**c.device)
        .and_then(|ids| ids.get(&client_id));
    if let Some(prev) = before.filter(|prev| c.from <= prev.at) {
        return answer(1, Some(f.server_id(prev.idx)));
    }
    if c.v16 && f.kind == Kind::Mail && f.folder_type != 3 {
        return answer(6, None);
    }
    let data = cmd
        .child(0, "ApplicationData")
        .map(|d| ApplicationData::Other(keep_uid(f.kind, d.clone().into_owned(), None)));
    let m = mb.next_modseq();
    let Some(f) = mb.folder_mut(c.id) else {
        return answer(8, None);
    };
    let idx = f.push(m, Some(c.device.clone()), data);
    if !client_id.is_empty() {
        let add = ClientAdd { idx, at: c.from };
        let ids = f.client_ids.entry(c.device.clone()).or_default();
        ids.insert(client_id.clone(), add);
    }
    answer(1, Some(f.server_id(idx)))
}

/// A Change or Delete of an item the client names; answered only when it failed.
fn existing(mb: &mut Mailbox, c: &Collection<'_>, cmd: &Element<'_>, out: &mut Outcome) {
    let sid = text(cmd, "ServerId");
    let idx = mb.folder(c.id).and_then(|f| f.idx_of(&sid));
    let op = if cmd.tag == s::CHANGE {
        ClientOp::Change
    } else {
        ClientOp::Delete
    };
    let instance = occurrences::instance_id(cmd);
    let code = match (c.faults.status_of(op), idx, &instance) {
        (Some(code), ..) if code != 1 => code,
        (_, _, Some(id)) => {
            let data = cmd.child(0, "ApplicationData");
            let data = data.filter(|_| op == ClientOp::Change);
            occurrences::record(mb, c, idx, id, data)
        }
        (_, None, _) => 8,
        (_, Some(i), None) if op == ClientOp::Change => change(mb, c, i, cmd),
        (_, Some(i), None) => delete(mb, c, i),
    };
    if code == 1 {
        return;
    }
    if let (7, Some(i)) = (code, idx) {
        out.resend.push(i);
    }
    // The InstanceId goes with the ServerId in the answer (MS-ASAIRS 2.2.2.25).
    let mut e = Element::new(cmd.tag).with(Element::new(s::SERVER_ID).with_text(sid));
    if let Some(id) = instance {
        e = e.with(Element::new(asb::INSTANCE_ID).with_text(id));
    }
    out.responses.push(e.with(status(code)));
}

/// An event's `UID` as Exchange keeps it (MS-ASCAL 2.2.2.46): on 16.x a client sends
/// `ClientUid` with its Add and the server answers with that `UID` from then on; a 16.x Change
/// carries neither, and the UID stays.
fn keep_uid(kind: Kind, mut data: Element<'static>, old: Option<&Element<'_>>) -> Element<'static> {
    const CALENDAR: u8 = 4;
    if kind != Kind::Calendar || data.child(CALENDAR, "UID").is_some() {
        return data;
    }
    let uid = old
        .and_then(|o| o.child(CALENDAR, "UID"))
        .map(|e| e.text())
        .or_else(|| data.child(CALENDAR, "ClientUid").map(|e| e.text()));
    if let (Some(uid), Some(tag)) = (uid, wbxml::Tag::by_name(CALENDAR, "UID")) {
        data = data.with(Element::new(tag).with_text(uid));
    }
    data
}

/// What a Change makes of an item.
enum Update {
    /// A generated mail's new state.
    Flags(MailFlags),
    /// What the client sent (a whole item, or its own mail with the state merged in).
    Custom(ApplicationData),
}

/// The item as the Change in `data` leaves it; `None` when it changes nothing.
fn update(kind: Kind, idx: u32, item: &Item, data: &Element<'_>) -> Option<Update> {
    match (kind, item.custom.as_deref()) {
        (Kind::Mail, Some(ApplicationData::Other(sent))) => {
            let merged = mail::merge_sent(sent, data);
            (&merged != sent).then_some(Update::Custom(ApplicationData::Other(merged)))
        }
        (Kind::Mail, _) => {
            let now = mail::flags(idx, item.version, item.flags.as_deref());
            let merged = now.merged(data);
            (merged != now).then_some(Update::Flags(merged))
        }
        (_, custom) => {
            let old = match custom {
                Some(ApplicationData::Other(e)) => Some(e),
                _ => None,
            };
            let sent = ApplicationData::Other(keep_uid(kind, data.clone().into_owned(), old));
            (custom != Some(&sent)).then_some(Update::Custom(sent))
        }
    }
}

fn change(mb: &mut Mailbox, c: &Collection<'_>, idx: u32, cmd: &Element<'_>) -> u16 {
    let Some(f) = mb.folder(c.id) else {
        return 8;
    };
    let Some(item) = f.item(idx).filter(|i| i.state == State::Live) else {
        return 8;
    };
    if c.server_wins && plan::changed_since(f, c.from, idx, c.device) {
        return 7;
    }
    let Some(data) = cmd.child(0, "ApplicationData") else {
        return 1; // nothing to change
    };
    let Some(update) = update(f.kind, idx, item, data) else {
        return 1;
    };
    let m = mb.next_modseq();
    let Some(f) = mb.folder_mut(c.id) else {
        return 8;
    };
    f.touch(idx, m, State::Live, Some(c.device.clone()));
    let item = &mut f.items[idx as usize - 1];
    match update {
        Update::Flags(state) => item.flags = Some(Arc::new(state)),
        Update::Custom(data) => item.custom = Some(Arc::new(data)),
    }
    1
}

fn delete(mb: &mut Mailbox, c: &Collection<'_>, idx: u32) -> u16 {
    let Some(f) = mb.folder(c.id) else {
        return 8;
    };
    let Some(item) = f.item(idx) else {
        return 8;
    };
    if item.state != State::Live {
        let resent = item.state == State::Deleted
            && (item.modseq, idx) > (c.from.modseq, c.from.idx)
            && f.own(item.by.as_deref(), item.modseq, c.device);
        return if resent { 1 } else { 8 };
    }
    if c.server_wins && plan::changed_since(f, c.from, idx, c.device) {
        return 7;
    }
    let to_trash = c.deletes_as_moves && f.kind == Kind::Mail && f.folder_type != DELETED_ITEMS;
    let trash = to_trash.then(|| deleted_items(mb)).flatten();
    let by = Some(c.device.clone());
    if let Some(trash) = trash {
        mb.move_item((c.id, idx), &trash, by, None);
        return 1;
    }
    let m = mb.next_modseq();
    if let Some(f) = mb.folder_mut(c.id) {
        f.touch(idx, m, State::Deleted, by);
    }
    1
}

/// The id of the Deleted Items folder, if the mailbox has one.
fn deleted_items(mb: &Mailbox) -> Option<String> {
    mb.folders
        .iter()
        .find(|f| !f.deleted && f.folder_type == DELETED_ITEMS)
        .map(|f| f.id.clone())
}

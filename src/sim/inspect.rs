//! What the server holds, item by item, for tests and scripts that check the result of a
//! client's changes directly: [`Sim::items`] of a folder, [`Sim::item`] by server id,
//! [`Sim::mails_with_subject`] anywhere, the occurrences recorded on a series
//! ([`Sim::instances`]). Each view gives what a client would be sent — the
//! subject (a contact's FileAs), and for mail its read flag, follow-up flag and categories —
//! whether the content was generated (also after a move: it keeps its content) or sent by a
//! client.

use wbxml::Element;
use wbxml::tags::{calendar, contacts, email, notes, tasks};

use super::mail::{self, BodyWanted, MailFlags};
use super::mailbox::{Folder, Item, Kind, Source};
use super::occurrences::InstanceView;
use super::{Sim, SimError, State, events, mime, pim};
use crate::proto::classes::ApplicationData;

/// One live item as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemView {
    pub server_id: String,
    /// The id of its folder.
    pub folder: String,
    pub kind: Kind,
    /// How many times it changed.
    pub version: u32,
    /// The subject of a mail, event, task or note, the FileAs of a contact.
    pub subject: Option<String>,
    /// A mail's read flag, follow-up flag and categories (MS-ASEMAIL 2.2.2); `None` otherwise.
    pub mail: Option<MailFlags>,
    /// Its content is what a client sent (an Add, or a Change of a class other than mail).
    pub sent: bool,
}

impl Sim {
    /// The live items of a folder (by id or display name), in server-id order.
    pub fn items(&self, folder: &str) -> Result<Vec<ItemView>, SimError> {
        let mb = self.mailbox();
        let f = mb
            .find(folder)
            .ok_or_else(|| SimError::NoFolder(folder.into()))?;
        let seed = self.config.seed;
        Ok((1..=f.items.len() as u32)
            .filter_map(|idx| view(seed, f, idx))
            .collect())
    }

    /// The live item with this server id.
    pub fn item(&self, server_id: &str) -> Result<ItemView, SimError> {
        let mb = self.mailbox();
        let folder = server_id.rsplit_once(':').map_or("", |(f, _)| f);
        let f = mb
            .folder(folder)
            .ok_or_else(|| SimError::NoFolder(folder.into()))?;
        f.idx_of(server_id)
            .and_then(|idx| view(self.config.seed, f, idx))
            .ok_or_else(|| SimError::NoItem(server_id.into()))
    }

    /// The occurrences clients changed or cancelled on the live series with this server id,
    /// in the order recorded ([`super::occurrences`]).
    pub fn instances(&self, server_id: &str) -> Result<Vec<InstanceView>, SimError> {
        let mb = self.mailbox();
        let folder = server_id.rsplit_once(':').map_or("", |(f, _)| f);
        let f = mb
            .folder(folder)
            .ok_or_else(|| SimError::NoFolder(folder.into()))?;
        let item = f
            .idx_of(server_id)
            .and_then(|idx| f.item(idx))
            .filter(|i| i.state == State::Live)
            .ok_or_else(|| SimError::NoItem(server_id.into()))?;
        let list = item.occurrences.as_ref().map(|o| o.list.as_slice());
        Ok(list
            .unwrap_or_default()
            .iter()
            .map(InstanceView::of)
            .collect())
    }

    /// Every live mail with this subject, in any folder.
    pub fn mails_with_subject(&self, subject: &str) -> Vec<ItemView> {
        let mb = self.mailbox();
        let seed = self.config.seed;
        mb.folders
            .iter()
            .filter(|f| !f.deleted && f.kind == Kind::Mail)
            .flat_map(|f| (1..=f.items.len() as u32).filter_map(move |idx| view(seed, f, idx)))
            .filter(|v| v.subject.as_deref() == Some(subject))
            .collect()
    }
}

/// Item `idx` of `f` if it is live.
fn view(seed: u64, f: &Folder, idx: u32) -> Option<ItemView> {
    let item = f.item(idx).filter(|i| i.state == State::Live)?;
    let (subject, mail) = match item.custom.as_deref() {
        Some(ApplicationData::Other(data)) => (
            sent_subject(f.kind, data),
            (f.kind == Kind::Mail).then(|| MailFlags::of_sent(data)),
        ),
        Some(_) => (None, None),
        None if item.message.is_some() => {
            let raw = item.message.as_deref().map_or(&[][..], |m| m.as_slice());
            let flags = mail::flags(idx, item.version, item.flags.as_deref());
            (mime::summary(raw).subject, Some(flags))
        }
        None => generated(seed, f.kind, &f.source_of(idx), idx, item),
    };
    Some(ItemView {
        server_id: f.server_id(idx),
        folder: f.id.clone(),
        kind: f.kind,
        version: item.version,
        subject,
        mail,
        sent: item.custom.is_some(),
    })
}

fn generated(
    seed: u64,
    kind: Kind,
    src: &Source,
    idx: u32,
    item: &Item,
) -> (Option<String>, Option<MailFlags>) {
    let (stream, content, version) = (&*src.stream, src.idx, item.version);
    match kind {
        Kind::Mail => (
            Some(mail::message(seed, stream, content).subject),
            Some(mail::flags(idx, version, item.flags.as_deref())),
        ),
        Kind::Contacts => (pim::contact(seed, stream, content, version).file_as, None),
        Kind::Calendar => {
            let want = BodyWanted::default();
            let version = item.content_version();
            let (e, _) = events::event(seed, stream, content, version, false, &want);
            (e.subject, None)
        }
        Kind::Tasks => (pim::task(seed, stream, content, version).subject, None),
        Kind::Notes => (None, None),
    }
}

/// The subject (FileAs) of an item a client sent.
fn sent_subject(kind: Kind, data: &Element<'_>) -> Option<String> {
    let tag = match kind {
        Kind::Mail => email::SUBJECT,
        Kind::Contacts => contacts::FILE_AS,
        Kind::Calendar => calendar::SUBJECT,
        Kind::Tasks => tasks::SUBJECT,
        Kind::Notes => notes::SUBJECT,
    };
    data.elements().find(|e| e.tag == tag).map(|e| e.text())
}

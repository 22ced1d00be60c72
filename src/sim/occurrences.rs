//! One occurrence of a calendar series changed or cancelled by a client on 16.x: a Sync
//! `Change` or `Delete` carrying `airsyncbase:InstanceId` right after its `ServerId` (MS-ASCMD
//! 2.2.3.24.3, 2.2.3.42.3; MS-ASAIRS 2.2.2.25: the occurrence's original start, UTC, as a
//! Compact DateTime). Exchange keeps the series and records the occurrence on it; so does the
//! simulator (`record`), for generated series and for series a client wrote alike:
//!
//! - Status 1 when recorded (also when it changes nothing: a resend); 8 when the series is not
//!   there or does not recur; 4 (protocol error) for an `InstanceId` before 16.0 (the element
//!   does not exist there), outside a calendar folder, or that is not a date and time; a
//!   failed one is answered with its `InstanceId` beside the `ServerId` (MS-ASAIRS 2.2.2.25);
//! - the series' version is bumped (so other devices get it), its content is not
//!   ([`super::mailbox::Item::content_version`]);
//! - a device that has the series is sent only the occurrences recorded since its key, the
//!   device that made one excepted (`pending`); a device that gets the series whole (an Add,
//!   a Change of the series) gets every recorded occurrence after it, as per-instance commands
//!   (MS-ASCMD 2.2.3.87): a `Change` whose `ApplicationData` starts with the `InstanceId` (the
//!   form of the generated 16.x instances, [`super::events`]) or a `Delete` with it.
//!
//! Not modelled: a conflict on one occurrence (a per-instance command is never answered 7);
//! checking that an `InstanceId` is an occurrence of the series' rule; a device whose own
//! change of the whole series came after another device's occurrence is not sent that
//! occurrence (its own last change hides the item from it, as for any item).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb, calendar as cal};

use super::client_changes::Collection;
use super::events;
use super::mailbox::{Folder, Item, Kind, Mailbox, Position, State};
use crate::proto::ProtoError;
use crate::proto::classes::ApplicationData;
use crate::proto::write::Writer;

/// One occurrence a client changed or cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// The `InstanceId` as the client sent it (and as other devices are sent it).
    pub instance_id: String,
    /// [`key`] of the id: one occurrence whatever form its id was written in.
    pub key: String,
    /// When it was recorded, and by whom (not sent back to that device).
    pub modseq: u64,
    pub by: Option<Arc<str>>,
    /// What the occurrence became (the client's `ApplicationData` without its `InstanceId`);
    /// `None`: cancelled.
    pub change: Option<Element<'static>>,
}

/// The occurrences recorded on one series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Occurrences {
    /// In the order they were recorded; one per occurrence (a later record replaces it).
    pub list: Vec<Occurrence>,
    /// How many version bumps were occurrence records.
    pub bumps: u32,
    /// The modseq of the last occurrence record.
    pub last: u64,
    /// The modseq of the series' own last change before it (a device past it has the series).
    pub series_at: u64,
}

/// One occurrence as the server holds it (for tests, [`super::Sim::instances`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceView {
    pub instance_id: String,
    /// Cancelled (a Delete with `InstanceId`).
    pub deleted: bool,
    pub subject: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

impl InstanceView {
    pub(super) fn of(o: &Occurrence) -> Self {
        let field = |tag| {
            o.change
                .as_ref()
                .and_then(|d| d.elements().find(|e| e.tag == tag).map(|e| e.text()))
        };
        Self {
            instance_id: o.instance_id.clone(),
            deleted: o.change.is_none(),
            subject: field(cal::SUBJECT),
            start_time: field(cal::START_TIME),
            end_time: field(cal::END_TIME),
        }
    }
}

/// The `InstanceId` of a client command, if it has one.
pub(super) fn instance_id(cmd: &Element<'_>) -> Option<String> {
    cmd.elements()
        .find(|e| e.tag == asb::INSTANCE_ID)
        .map(|e| e.text().trim().to_string())
}

/// One form for an `InstanceId` written as a Compact DateTime (`20261026T090000Z`) or an
/// MS-ASDTYPE dateTime (`2026-10-26T09:00:00.000Z`): its 14 digits of date and time; `None`
/// when it is neither.
pub fn key(instance_id: &str) -> Option<String> {
    let digits: String = instance_id.chars().filter(char::is_ascii_digit).collect();
    let ok = instance_id.ends_with('Z') && matches!(digits.len(), 14 | 17);
    ok.then(|| digits[..14].to_string())
}

/// Whether item `idx` of `f` is a recurring series.
fn recurs(seed: u64, f: &Folder, idx: u32, item: &Item) -> bool {
    match item.custom.as_deref() {
        Some(ApplicationData::Other(e)) => e.elements().any(|e| e.tag == cal::RECURRENCE),
        Some(ApplicationData::Event(e)) => e.recurrence.is_some(),
        Some(_) => false,
        None => {
            let src = f.source_of(idx);
            events::recurs(seed, &src.stream, src.idx)
        }
    }
}

/// Records a Change (`change` its `ApplicationData`) or a Delete (`None`) of the occurrence
/// `instance_id` of series `idx`; the Status to answer.
pub(super) fn record(
    mb: &mut Mailbox,
    c: &Collection<'_>,
    idx: Option<u32>,
    instance_id: &str,
    change: Option<&Element<'_>>,
) -> u16 {
    let seed = mb.seed;
    let Some(f) = mb.folder(c.id) else {
        return 8;
    };
    let Some(key) = key(instance_id).filter(|_| c.v16 && f.kind == Kind::Calendar) else {
        return 4;
    };
    let Some(idx) = idx else {
        return 8;
    };
    let Some(item) = f.item(idx).filter(|i| i.state == State::Live) else {
        return 8;
    };
    if !recurs(seed, f, idx, item) {
        return 8;
    }
    let change = change.map(without_instance_id);
    let mut occ = item.occurrences.as_deref().cloned().unwrap_or_default();
    if occ.list.iter().any(|o| o.key == key && o.change == change) {
        return 1; // already so (a resend)
    }
    if occ.list.is_empty() || occ.last != item.modseq {
        occ.series_at = item.modseq;
    }
    let m = mb.next_modseq();
    let Some(f) = mb.folder_mut(c.id) else {
        return 8;
    };
    f.touch(idx, m, State::Live, Some(c.device.clone()));
    occ.list.retain(|o| o.key != key);
    occ.list.push(Occurrence {
        instance_id: instance_id.to_string(),
        key,
        modseq: m,
        by: Some(c.device.clone()),
        change,
    });
    (occ.bumps, occ.last) = (occ.bumps + 1, m);
    f.items[idx as usize - 1].occurrences = Some(Arc::new(occ));
    1
}

/// The client's `ApplicationData` without an `InstanceId` of its own.
fn without_instance_id(data: &Element<'_>) -> Element<'static> {
    let mut out = data.clone().into_owned();
    out.children.retain(|n| match n {
        wbxml::Node::Element(e) => e.tag != asb::INSTANCE_ID,
        _ => true,
    });
    out
}

/// Whether a device at `from` has the series of item `idx` as it is now.
pub(super) fn has_series(occ: &Occurrences, item: &Item, from: Position, idx: u32) -> bool {
    item.modseq == occ.last && (occ.series_at, idx) <= (from.modseq, from.idx)
}

/// The occurrences a device at `from` that has the series is still to be sent.
pub(super) fn pending(
    f: &Folder,
    occ: &Occurrences,
    from: Position,
    idx: u32,
    device: &str,
) -> Vec<Occurrence> {
    occ.list
        .iter()
        .filter(|o| (o.modseq, idx) > (from.modseq, from.idx))
        .filter(|o| !f.own(o.by.as_deref(), o.modseq, device))
        .cloned()
        .collect()
}

/// Writes the per-instance commands of `list` for series `server_id`.
pub(super) fn write(
    w: &mut Writer,
    server_id: &str,
    list: &[Occurrence],
) -> Result<(), ProtoError> {
    for o in list {
        w.start(match o.change {
            Some(_) => s::CHANGE,
            None => s::DELETE,
        })?;
        w.leaf(s::SERVER_ID, server_id)?;
        match &o.change {
            Some(data) => {
                let mut out = Element::new(s::APPLICATION_DATA)
                    .with(Element::new(asb::INSTANCE_ID).with_text(o.instance_id.clone()));
                out.children.extend(data.children.iter().cloned());
                w.element(&out)?;
            }
            None => w.leaf(asb::INSTANCE_ID, &o.instance_id)?,
        }
        w.end()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_id_in_either_form_is_one_key() {
        let compact = key("20261026T090000Z");
        assert_eq!(compact.as_deref(), Some("20261026090000"));
        assert_eq!(key("2026-10-26T09:00:00.000Z"), compact);
        assert_eq!(key("20261026T090000"), None, "not UTC");
        assert_eq!(key("tomorrow Z"), None);
    }
}

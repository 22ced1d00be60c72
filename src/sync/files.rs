//! A contact, event or task as a user's file holds it (vCard, iCalendar from a vdir), typed
//! ([`crate::import`]) and made into what a Sync Add or Change carries ([`super::to_proto`]).
//! Before 16.0 a series' exceptions travel inside its data; on 16.x each is a Change or Delete of
//! its own after the series ([`occurrences`]).

use crate::model::Item;
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;

use super::to_proto::{self, Mode};

/// The item the file's `text` holds, for a folder of `class`; the error says what is wrong.
pub fn parse(class: &str, text: &str) -> Result<(Item, Option<String>), String> {
    let first = |what: &str| format!("the file holds no {what}");
    match class {
        "Contacts" => crate::import::vcard::contact(text)
            .map(|(c, uid)| (Item::Contact(Box::new(c)), uid))
            .map_err(|e| e.to_string()),
        "Calendar" => crate::import::ical::events(text)
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .map(|(e, uid)| (Item::Event(Box::new(e)), uid))
            .ok_or_else(|| first("event")),
        "Tasks" => crate::import::ical::tasks(text)
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .map(|(t, uid)| (Item::Task(Box::new(t)), uid))
            .ok_or_else(|| first("task")),
        other => Err(format!("{other} items cannot be written from files")),
    }
}

/// What a file's item sends on 16.x after the series: its changed and cancelled occurrences,
/// each its own Change or Delete with `InstanceId` (MS-ASCMD 2.2.3.24.3, MS-ASAIRS 2.2.2.26).
/// Empty before 16.0 (the series carries them) and for other classes.
pub fn occurrences(
    class: &str,
    text: &str,
    version: ProtocolVersion,
) -> Result<Vec<to_proto::Occurrence>, String> {
    match parse(class, text)? {
        (Item::Event(e), _) => Ok(to_proto::occurrences(&e, version)),
        _ => Ok(Vec::new()),
    }
}

/// The occurrences of the file's series as the store keeps them (16.x overlays, so a later
/// Change of the series from the server does not lose them).
pub fn instances(class: &str, text: &str) -> Vec<crate::model::Exception> {
    match parse(class, text) {
        Ok((Item::Event(e), _)) => e.exceptions.clone(),
        _ => Vec::new(),
    }
}

/// Whether the file's item, on `version`, needs its occurrences sent after the series.
pub fn has_occurrences(class: &str, text: &str, version: ProtocolVersion) -> bool {
    version.is_16() && !instances(class, text).is_empty()
}

/// The form the mirror keeps of what a file sends: on 16.x the series' exceptions inside it
/// (as 14.x data), so exports show them while their per-instance Changes are on their way.
pub fn stored_form(class: &str, text: &str, version: ProtocolVersion) -> ProtocolVersion {
    if has_occurrences(class, text, version) {
        ProtocolVersion::V14_1
    } else {
        version
    }
}

/// What a Sync Add of the file carries.
pub fn add_data(
    class: &str,
    text: &str,
    version: ProtocolVersion,
) -> Result<ApplicationData, String> {
    let (item, _) = parse(class, text)?;
    to_proto::application_data(&item, version, Mode::Add).map_err(|e| e.to_string())
}

/// What a Sync Change of the file carries, over the item the store holds (`stored`): what the
/// file does not say is kept.
pub fn change_data(
    class: &str,
    text: &str,
    stored: &ApplicationData,
    version: ProtocolVersion,
) -> Result<ApplicationData, String> {
    let (item, _) = parse(class, text)?;
    to_proto::change_data(&item, stored, version).map_err(|e| e.to_string())
}

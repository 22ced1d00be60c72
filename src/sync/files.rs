//! A contact, event or task as a user's file holds it (vCard, iCalendar from a vdir), typed
//! ([`crate::import`]) and made into what a Sync Add or Change carries ([`super::to_proto`]).
//! 16.x occurrence changes (`InstanceId`) are not sent yet ([`sendable`] refuses such a series):
//! before 16.0 a series' exceptions travel inside its data.

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

/// Refuses what would be sent incompletely: on 16.x a series' changed or cancelled occurrences
/// are Changes of their own (`InstanceId`), not sent yet — rather than sending the series without
/// them (and then writing the file back without them), nothing is sent and the file is kept.
pub fn sendable(item: &Item, version: ProtocolVersion) -> Result<(), String> {
    match item {
        Item::Event(e) if version.is_16() && !e.exceptions.is_empty() => Err(format!(
            "its series has {} changed or cancelled occurrence(s), which easync cannot send over \
             EAS 16.x yet; nothing was sent and the file is kept as it is (a series without \
             RECURRENCE-ID overrides and EXDATE is sent)",
            e.exceptions.len()
        )),
        _ => Ok(()),
    }
}

/// What a Sync Add of the file carries.
pub fn add_data(
    class: &str,
    text: &str,
    version: ProtocolVersion,
) -> Result<ApplicationData, String> {
    let (item, _) = parse(class, text)?;
    sendable(&item, version)?;
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
    sendable(&item, version)?;
    to_proto::change_data(&item, stored, version).map_err(|e| e.to_string())
}

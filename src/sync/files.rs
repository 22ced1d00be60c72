//! A contact, event or task as a user's file holds it (vCard, iCalendar from a vdir), typed once
//! ([`crate::import`]) and made into what a Sync Add or Change carries ([`super::to_proto`]).
//! Before 16.0 a series' exceptions travel inside its data; on 16.x each is a Change or Delete of
//! its own after the series ([`FileItem::occurrences`]).

use crate::model::Item;
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;

use super::to_proto::{self, Mode, Occurrence};

/// The item of a file, typed for its folder's class.
#[derive(Debug, Clone)]
pub struct FileItem {
    pub item: Item,
}

impl FileItem {
    /// The item the file's `text` holds, for a folder of `class`; the error says what is wrong.
    pub fn parse(class: &str, text: &str) -> Result<Self, String> {
        let none = |what: &str| format!("the file holds no {what}");
        let item = match class {
            "Contacts" => crate::import::vcard::contact(text)
                .map(|(c, _)| Item::Contact(Box::new(c)))
                .map_err(|e| e.to_string())?,
            "Calendar" => crate::import::ical::events(text)
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .map(|(e, _)| Item::Event(Box::new(e)))
                .ok_or_else(|| none("event"))?,
            "Tasks" => crate::import::ical::tasks(text)
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .map(|(t, _)| Item::Task(Box::new(t)))
                .ok_or_else(|| none("task"))?,
            other => return Err(format!("{other} items cannot be written from files")),
        };
        Ok(Self { item })
    }

    /// The series' changed and cancelled occurrences (MS-ASCAL 2.2.2.20).
    pub fn instances(&self) -> &[crate::model::Exception] {
        match &self.item {
            Item::Event(e) => &e.exceptions,
            _ => &[],
        }
    }

    /// What it sends on 16.x after the series: each occurrence its own Change or Delete with
    /// `InstanceId` (MS-ASCMD 2.2.3.24.3, MS-ASAIRS 2.2.2.26); empty before 16.0.
    pub fn occurrences(&self, version: ProtocolVersion) -> Vec<Occurrence> {
        match &self.item {
            Item::Event(e) => to_proto::occurrences(e, version),
            _ => Vec::new(),
        }
    }

    /// Whether, on `version`, occurrences follow the series.
    pub fn has_occurrences(&self, version: ProtocolVersion) -> bool {
        version.is_16() && !self.instances().is_empty()
    }

    /// The form the mirror keeps of what it sends: on 16.x with occurrences the 14.x form (the
    /// exceptions inside), so exports show them while their own Changes are on their way.
    pub fn stored_form(&self, version: ProtocolVersion) -> ProtocolVersion {
        if self.has_occurrences(version) {
            ProtocolVersion::V14_1
        } else {
            version
        }
    }

    /// What a Sync Add of it carries.
    pub fn add_data(&self, version: ProtocolVersion) -> Result<ApplicationData, String> {
        to_proto::application_data(&self.item, version, Mode::Add).map_err(|e| e.to_string())
    }

    /// What a Sync Change of it carries, over the item the store holds (`stored`): what the
    /// file does not say is kept.
    pub fn change_data(
        &self,
        stored: &ApplicationData,
        version: ProtocolVersion,
    ) -> Result<ApplicationData, String> {
        to_proto::change_data(&self.item, stored, version).map_err(|e| e.to_string())
    }
}

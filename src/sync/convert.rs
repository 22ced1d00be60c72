//! From the protocol layer's classes to the model the store keeps, plus the raw data.

use crate::model::{Attachment, Contact, Email, Event, Item, ItemRecord, Note, Task};
use crate::proto::ProtoError;
use crate::proto::classes::{self, ApplicationData};
use crate::proto::write::Writer;

/// The record of an item received in a Sync response.
pub fn record(server_id: &str, data: &ApplicationData) -> Result<ItemRecord, ProtoError> {
    let mut w = Writer::new("store");
    data.write(&mut w)?;
    Ok(ItemRecord {
        server_id: server_id.to_string(),
        item: item(data),
        raw: w.finish()?,
    })
}

fn item(data: &ApplicationData) -> Item {
    match data {
        ApplicationData::Email(e) => Item::Email(Box::new(email(e))),
        ApplicationData::Contact(c) => Item::Contact(Box::new(contact(c))),
        ApplicationData::Event(e) => Item::Event(Box::new(event(e))),
        ApplicationData::Task(t) => Item::Task(Box::new(Task {
            subject: t.subject.clone(),
            due_date: t.utc_due_date.clone().or_else(|| t.due_date.clone()),
            complete: t.complete,
            importance: t.importance,
        })),
        ApplicationData::Note(n) => Item::Note(Box::new(Note {
            subject: n.subject.clone(),
            last_modified: n.last_modified_date.clone(),
        })),
        ApplicationData::Other(_) => Item::Other,
    }
}

fn email(e: &classes::email::Email) -> Email {
    let body = e.body.as_ref();
    Email {
        subject: e.subject.clone(),
        sender: e.from.clone(),
        recipients: e.to.clone(),
        cc: e.cc.clone(),
        reply_to: e.reply_to.clone(),
        date_received: e.date_received.clone(),
        read: e.read,
        flag_status: e.flag.as_ref().and_then(|f| f.status),
        importance: e.importance,
        message_class: e.message_class.clone(),
        categories: e
            .categories
            .as_ref()
            .map(|c| c.items.iter().map(|c| c.0.clone()).collect())
            .unwrap_or_default(),
        body_type: body.and_then(|b| b.body_type),
        body: body.and_then(|b| b.data.clone()),
        body_truncated: body.and_then(|b| b.truncated),
        preview: body
            .and_then(|b| b.preview.clone())
            .filter(|p| !p.is_empty()),
        attachments: e
            .attachments
            .as_ref()
            .map(|a| {
                a.items
                    .iter()
                    .map(|a| Attachment {
                        name: a.display_name.clone(),
                        file_reference: a.file_reference.clone(),
                        size: a.estimated_data_size,
                        content_id: a.content_id.clone(),
                        inline: a.is_inline.unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        conversation_id: e.conversation_id.as_ref().map(|c| c.0.clone()),
    }
}

fn contact(c: &classes::contacts::Contact) -> Contact {
    let phones = [
        ("mobile", &c.mobile_phone_number),
        ("business", &c.business_phone_number),
        ("business2", &c.business2_phone_number),
        ("home", &c.home_phone_number),
        ("home2", &c.home2_phone_number),
        ("car", &c.car_phone_number),
        ("pager", &c.pager_number),
        ("business_fax", &c.business_fax_number),
        ("home_fax", &c.home_fax_number),
        ("company", &c.company_main_phone),
    ];
    Contact {
        file_as: c.file_as.clone().filter(|s| !s.is_empty()),
        first_name: c.first_name.clone().filter(|s| !s.is_empty()),
        middle_name: c.middle_name.clone().filter(|s| !s.is_empty()),
        last_name: c.last_name.clone().filter(|s| !s.is_empty()),
        company: c.company_name.clone().filter(|s| !s.is_empty()),
        job_title: c.job_title.clone().filter(|s| !s.is_empty()),
        emails: [&c.email1_address, &c.email2_address, &c.email3_address]
            .into_iter()
            .flatten()
            .filter(|a| !a.is_empty())
            .cloned()
            .collect(),
        phones: phones
            .into_iter()
            .filter_map(|(k, v)| {
                v.as_ref()
                    .filter(|n| !n.is_empty())
                    .map(|n| (k.to_string(), n.clone()))
            })
            .collect(),
        birthday: c.birthday.clone(),
    }
}

fn event(e: &classes::calendar::Event) -> Event {
    Event {
        uid: e.uid.clone(),
        subject: e.subject.clone(),
        location: e
            .location
            .clone()
            .or_else(|| e.location16.as_ref().and_then(|l| l.display_name.clone())),
        start_time: e.start_time.clone(),
        end_time: e.end_time.clone(),
        all_day: e.all_day_event,
        busy_status: e.busy_status,
        organizer_email: e.organizer_email.clone(),
        recurring: e.recurrence.is_some(),
    }
}

//! From the protocol layer's classes to the model the store keeps, plus the raw data.

#[path = "convert_pim.rs"]
mod pim;

pub use pim::{instant_key, time_zone};

use crate::model::{Attachment, Email, Item, ItemRecord, Note};
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

/// The model of an item the store holds, from its raw ApplicationData (the WBXML [`record`]
/// wrote): decoded as `class` and mapped as a received item is, so that what the exports write
/// from it is what the store's rows say. The exports' one way from `items.raw` to model values.
pub fn stored(raw: &[u8], class: classes::ItemClass) -> Result<Item, ProtoError> {
    Ok(item(&ApplicationData::decode("store", raw, Some(class))?))
}

/// The occurrence a 16.x Change is about (an event's `InstanceId`), as an exception entry.
pub fn instance(data: &ApplicationData) -> Option<crate::model::Exception> {
    let ApplicationData::Event(e) = data else {
        return None;
    };
    pim::instance(e)
}

fn item(data: &ApplicationData) -> Item {
    match data {
        ApplicationData::Email(e) => Item::Email(Box::new(email(e))),
        ApplicationData::Contact(c) => Item::Contact(Box::new(pim::contact(c))),
        ApplicationData::Event(e) => Item::Event(Box::new(pim::event(e))),
        ApplicationData::Task(t) => Item::Task(Box::new(pim::task(t))),
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
        last_verb_executed: e.last_verb_executed,
    }
}

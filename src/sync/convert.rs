//! From the protocol layer's classes to the model the store keeps, plus the raw data.

#[path = "convert_pim.rs"]
mod pim;

pub use pim::{instant_key, time_zone};

use crate::model::{Attachment, Email, Invite, Item, ItemRecord, Note};
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
        meeting: e.meeting_request.as_ref().map(|m| Invite {
            uid: m.global_obj_id.as_deref().and_then(global_obj_id_uid),
            organizer: m.organizer.clone().filter(|o| !o.is_empty()),
            start_time: m.start_time.clone(),
            end_time: m.end_time.clone(),
            recurrence_id: m.recurrence_id.clone().filter(|r| !r.is_empty()),
        }),
    }
}

/// The iCalendar UID of a meeting request's `GlobalObjId` (MS-ASEMAIL 3.1.4.7, examples in
/// 4.3): the UID written after the `vCal-Uid` marker when there is one, else the whole blob in
/// upper-case hex with the instance date (bytes 17–20) zeroed — the id of the series.
pub fn global_obj_id_uid(b64: &str) -> Option<String> {
    use base64::Engine as _;
    let clean: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(clean)
        .ok()?;
    if bytes.len() < 40 {
        return None;
    }
    if bytes.get(40..48) == Some(b"vCal-Uid".as_slice()) {
        let uid = bytes.get(52..)?;
        let end = uid.iter().position(|&b| b == 0).unwrap_or(uid.len());
        return std::str::from_utf8(&uid[..end]).ok().map(String::from);
    }
    bytes[16..20].fill(0);
    Some(bytes.iter().map(|b| format!("{b:02X}")).collect())
}

#[cfg(test)]
mod uid_tests {
    use super::global_obj_id_uid;

    #[test]
    fn global_obj_ids_become_uids_as_ms_asemail_4_3_shows() {
        let outlook =
            "BAAAAIIA4AB0xbcQGoLgCAfUCRDgQMnBJoXEAQAAAAAAAAAAEAAAAAvw7UtuTulOnjnjhns3jvM=";
        assert_eq!(
            global_obj_id_uid(outlook).as_deref(),
            Some(
                "040000008200E00074C5B7101A82E00800000000E040C9C12685C4010000000000000000100000000\
                 BF0ED4B6E4EE94E9E39E3867B378EF3"
            )
        );
        let vcal = "BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAMwAAAHZDYWwtVWlkAQAAAHs4MTQxMkQzQy0yQTI0LTRFOUQtQjIwRS0xMUY3QkJFOTI3OTl9AA==";
        assert_eq!(
            global_obj_id_uid(vcal).as_deref(),
            Some("{81412D3C-2A24-4E9D-B20E-11F7BBE92799}")
        );
        assert_eq!(global_obj_id_uid("not base64!"), None);
        assert_eq!(global_obj_id_uid("AAAA"), None);
    }
}

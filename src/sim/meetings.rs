//! Meeting invitations from other people, delivered as Exchange delivers them
//! ([`Sim::invite`], admin op `invite`): a meeting request mail in the Inbox —
//! `email:MessageClass` `IPM.Schedule.Meeting.Request` with an `email:MeetingRequest`
//! (MS-ASEMAIL 2.2.2.48; MS-ASCMD 3.1.5.6) whose `GlobalObjId` is the Outlook form of the UID
//! (MS-OXOCAL 2.2.1.27, "vCal-Uid") — and the tentative calendar item Exchange's calendar
//! attendant puts in the Calendar beside it (`BusyStatus` 1 tentative, `MeetingStatus` 3 a
//! meeting received, `ResponseType` 5 not responded; MS-ASCAL 2.2.2.8, .30, .38). Both are
//! items every device gets through Sync; a client answers with MeetingResponse
//! (`cmd_meeting`).

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wbxml::Element;
use wbxml::tags::{calendar as cal, email as em};

use super::mailbox::{Kind, Mailbox, State};
use super::{Sim, SimError, dates, lock};
use crate::proto::classes::airsyncbase::Body;
use crate::proto::classes::calendar::{Attendee, Event, Recurrence};
use crate::proto::classes::email::{self, Email, MeetingRequest};
use crate::proto::classes::{ApplicationData, List};
use crate::proto::write::Writer;

/// A meeting someone else organizes and invites the user to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub subject: String,
    /// (display name, address).
    pub organizer: (String, String),
    /// Unix seconds, UTC.
    pub start: i64,
    pub minutes: u32,
    pub location: String,
    /// A weekly series of this many occurrences; `None`: one meeting.
    pub weekly: Option<u16>,
}

impl Default for Invite {
    fn default() -> Self {
        Self {
            subject: "Projektplanung Q1".into(),
            organizer: ("Zoë Åkesson".into(), "zoe.akesson@example.test".into()),
            start: dates::wall(2027, 1, 11, 9, 0),
            minutes: 60,
            location: "Room Everest".into(),
            weekly: None,
        }
    }
}

/// A delivered invitation, as the server remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub invite: Invite,
    pub uid: String,
    /// `email:GlobalObjId` of the request mail.
    pub global_obj_id: String,
}

impl Meeting {
    pub fn end(&self) -> i64 {
        self.invite.start + i64::from(self.invite.minutes) * 60
    }

    /// Whether `key` ([`super::occurrences::key`] of an `InstanceId`) is an occurrence.
    pub fn has_occurrence(&self, key: &str) -> bool {
        let n = self.invite.weekly.unwrap_or(0);
        (0..i64::from(n)).any(|k| {
            let at = dates::compact(self.invite.start + k * 7 * 86_400);
            at.chars().filter(char::is_ascii_digit).collect::<String>() == key
        })
    }
}

/// `PidLidGlobalObjectId` for a UID that is not Outlook's own (MS-OXOCAL 2.2.1.27): the
/// class id, no instance date, no creation time, then "vCal-Uid", 1 and the UID.
pub fn global_obj_id(uid: &str) -> String {
    let mut b = vec![
        0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0,
        0x08,
    ];
    b.extend_from_slice(&[0; 20]);
    let data_len = (8 + 4 + uid.len() + 1) as u32;
    b.extend_from_slice(&data_len.to_le_bytes());
    b.extend_from_slice(b"vCal-Uid");
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(uid.as_bytes());
    b.push(0);
    STANDARD.encode(b)
}

/// A typed class value as the element tree the mailbox keeps for items it did not generate.
pub(super) fn element(data: &ApplicationData) -> Option<Element<'static>> {
    let mut w = Writer::new("Sync");
    data.write(&mut w).ok()?;
    let bytes = w.finish().ok()?;
    Element::decode(&bytes).ok().map(Element::into_owned)
}

fn weekly(m: &Meeting) -> Option<Recurrence> {
    let n = m.invite.weekly?;
    let dow = dates::weekday(m.invite.start.div_euclid(86_400));
    Some(Recurrence {
        recurrence_type: Some(1),
        interval: Some(1),
        occurrences: Some(n),
        day_of_week: Some(1 << dow),
        ..Recurrence::default()
    })
}

fn body(text: String) -> Body {
    Body {
        body_type: Some(1),
        estimated_data_size: Some(text.len() as u32),
        data: Some(text),
        ..Body::default()
    }
}

/// The meeting request mail.
fn request_mail(m: &Meeting, user: &str) -> Email {
    let (name, addr) = &m.invite.organizer;
    let when = format!(
        "When: {} – {} (UTC)\r\nWhere: {}\r\n\r\n*~*~*~*~*~*~*~*~*~*\r\n",
        dates::rfc5322(m.invite.start),
        dates::rfc5322(m.end()),
        m.invite.location
    );
    let recurrences = weekly(m).map(|r| {
        List::from(vec![email::Recurrence {
            recurrence_type: r.recurrence_type,
            interval: r.interval,
            occurrences: r.occurrences,
            day_of_week: r.day_of_week,
            ..email::Recurrence::default()
        }])
    });
    let request = MeetingRequest {
        all_day_event: Some(false),
        start_time: Some(dates::iso(m.invite.start)),
        dt_stamp: Some(dates::iso(m.invite.start - 7 * 86_400)),
        end_time: Some(dates::iso(m.end())),
        instance_type: Some(if recurrences.is_some() { 1 } else { 0 }),
        location: Some(m.invite.location.clone()),
        organizer: Some(format!("\"{name}\" <{addr}>")),
        response_requested: Some(true),
        recurrences,
        sensitivity: Some(0),
        busy_status: Some(2),
        time_zone: Some(dates::ZONES[0].blob()),
        global_obj_id: Some(m.global_obj_id.clone()),
        meeting_message_type: Some(1),
        ..MeetingRequest::default()
    };
    Email {
        to: Some(format!("\"Demo User\" <{user}>")),
        from: Some(format!("\"{name}\" <{addr}>")),
        subject: Some(m.invite.subject.clone()),
        date_received: Some(dates::iso(m.invite.start - 7 * 86_400)),
        display_to: Some("Demo User".into()),
        thread_topic: Some(m.invite.subject.clone()),
        importance: Some(1),
        read: Some(false),
        body: Some(body(when)),
        message_class: Some("IPM.Schedule.Meeting.Request".into()),
        meeting_request: Some(request),
        internet_cpid: Some("65001".into()),
        content_class: Some("urn:content-classes:calendarmessage".into()),
        native_body_type: Some(1),
        ..Email::default()
    }
}

/// The tentative calendar item beside the request.
pub(super) fn calendar_item(m: &Meeting, user: &str) -> Event {
    let (name, addr) = &m.invite.organizer;
    Event {
        timezone: Some(dates::ZONES[0].blob()),
        all_day_event: Some(false),
        body: Some(body(format!("Agenda: {}", m.invite.subject))),
        busy_status: Some(1),
        organizer_name: Some(name.clone()),
        organizer_email: Some(addr.clone()),
        dt_stamp: Some(dates::compact(m.invite.start - 7 * 86_400)),
        end_time: Some(dates::compact(m.end())),
        location: Some(m.invite.location.clone()),
        reminder: Some(15),
        sensitivity: Some(0),
        subject: Some(m.invite.subject.clone()),
        start_time: Some(dates::compact(m.invite.start)),
        uid: Some(m.uid.clone()),
        meeting_status: Some(3),
        attendees: Some(List::from(vec![Attendee {
            email: Some(user.to_string()),
            name: Some("Demo User".into()),
            attendee_status: Some(5),
            attendee_type: Some(1),
            ..Attendee::default()
        }])),
        recurrence: weekly(m),
        response_requested: Some(true),
        response_type: Some(5),
        ..Event::default()
    }
}

/// The first live folder of a FolderSync type.
pub(super) fn folder_of_type(mb: &Mailbox, folder_type: u16) -> Option<String> {
    mb.folders
        .iter()
        .find(|f| !f.deleted && f.folder_type == folder_type)
        .map(|f| f.id.clone())
}

/// Adds a server-made item (every device gets it as an `Add`); its index.
pub(super) fn add_item(mb: &mut Mailbox, folder: &str, data: Element<'static>) -> Option<u32> {
    let m = mb.next_modseq();
    let f = mb.folder_mut(folder)?;
    Some(f.push(m, None, Some(ApplicationData::Other(data))))
}

/// The text of the first child with `tag` of an item's element tree.
pub(super) fn child_text(data: &Element<'_>, tag: wbxml::Tag) -> Option<String> {
    data.elements().find(|e| e.tag == tag).map(|e| e.text())
}

/// The meeting a live item stands for: a request mail by its `GlobalObjId`, a calendar item
/// by its `UID`; `None` for anything else (the user's own meetings among them).
pub(super) fn meeting_of(meetings: &[Meeting], kind: Kind, data: &Element<'_>) -> Option<Meeting> {
    let found = match kind {
        Kind::Mail => {
            let request = data.elements().find(|e| e.tag == em::MEETING_REQUEST)?;
            let goid = child_text(request, em::GLOBAL_OBJ_ID)?;
            meetings.iter().find(|m| m.global_obj_id == goid)
        }
        Kind::Calendar => {
            let uid = child_text(data, cal::UID)?;
            meetings.iter().find(|m| m.uid == uid)
        }
        _ => None,
    };
    found.cloned()
}

/// The live calendar item of a meeting: (folder id, index).
pub(super) fn find_event(mb: &Mailbox, uid: &str) -> Option<(String, u32)> {
    mb.folders
        .iter()
        .filter(|f| !f.deleted && f.kind == Kind::Calendar)
        .find_map(|f| {
            let idx = f.items.iter().position(|i| {
                i.state == State::Live
                    && matches!(i.custom.as_deref(), Some(ApplicationData::Other(d))
                        if child_text(d, cal::UID).as_deref() == Some(uid))
            })?;
            Some((f.id.clone(), idx as u32 + 1))
        })
}

impl Sim {
    /// Delivers an invitation: the request mail in the Inbox and the tentative item in the
    /// Calendar; their server ids.
    pub fn invite(&self, invite: Invite) -> Result<(String, String), SimError> {
        let user = self.config.user.clone();
        let meeting = {
            let mut all = lock(&self.meetings);
            let uid = format!(
                "sim-invite-{}-{}@example.test",
                self.config.seed,
                all.len() + 1
            );
            let m = Meeting {
                global_obj_id: global_obj_id(&uid),
                uid,
                invite,
            };
            all.push(m.clone());
            m
        };
        let mail = element(&ApplicationData::Email(Box::new(request_mail(
            &meeting, &user,
        ))));
        let event = element(&ApplicationData::Event(Box::new(calendar_item(
            &meeting, &user,
        ))));
        let mut mb = self.mailbox();
        let inbox = folder_of_type(&mb, 2).ok_or_else(|| SimError::NoFolder("Inbox".into()))?;
        let calendar =
            folder_of_type(&mb, 8).ok_or_else(|| SimError::NoFolder("Calendar".into()))?;
        let (Some(mail), Some(event)) = (mail, event) else {
            return Err(SimError::NoItem(meeting.uid));
        };
        let mail_idx = add_item(&mut mb, &inbox, mail).ok_or(SimError::NoFolder(inbox.clone()))?;
        let event_idx =
            add_item(&mut mb, &calendar, event).ok_or(SimError::NoFolder(calendar.clone()))?;
        let m = mb.modseq;
        drop(mb);
        self.notify(m);
        Ok((
            format!("{inbox}:{mail_idx}"),
            format!("{calendar}:{event_idx}"),
        ))
    }

    /// The invitations delivered so far.
    pub fn meetings(&self) -> Vec<Meeting> {
        lock(&self.meetings).clone()
    }
}

/// Replaces (or adds) the child with `tag` of an item's element tree.
pub(super) fn set_child(data: &mut Element<'static>, tag: wbxml::Tag, text: String) {
    data.children
        .retain(|n| !matches!(n, wbxml::Node::Element(e) if e.tag == tag));
    data.children
        .push(wbxml::Node::Element(Element::new(tag).with_text(text)));
}

/// An item's element tree with new values, as an `Arc` for the mailbox.
pub(super) fn updated(data: &Element<'_>, values: &[(wbxml::Tag, String)]) -> Arc<ApplicationData> {
    let mut out = data.clone().into_owned();
    for (tag, v) in values {
        set_child(&mut out, *tag, v.clone());
    }
    Arc::new(ApplicationData::Other(out))
}

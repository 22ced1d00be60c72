//! MeetingResponse (MS-ASCMD 2.2.1.11): accept (1), tentatively accept (2) or decline (3) an
//! invitation ([`super::meetings`]), named by `CollectionId` + `RequestId` — the request mail in
//! the Inbox or the calendar item — with 16.x `InstanceId` (one occurrence) and `SendResponse`.
//! Each `Request` gets a `Result` with its `RequestId`, `Status` (2.2.3.177.9) and, unless
//! declined, the `CalendarId` of the calendar item (2.2.3.18). As Exchange does:
//!
//! - accept / tentative: the calendar item gets `ResponseType` 3 / 2, `BusyStatus` 2 / 1 and an
//!   `AppointmentReplyTime` (MS-ASCAL 2.2.2.38, .8, .2) — every device, the answering one
//!   included, gets a `Change` through Sync; decline: the calendar item is deleted (`Delete`);
//! - answered through the request mail, the mail moves to Deleted Items afterwards (a `Delete`
//!   in the Inbox, an `Add` there), as Exchange does with a meeting request once answered
//!   (the Kopano backend of Z-Push deletes it too, `MeetingResponse()`);
//! - one occurrence (16.x `InstanceId` of a calendar item of a series): recorded on the series
//!   as a per-instance change (decline: the occurrence cancelled, [`super::occurrences`]); on
//!   14.1 the answer is taken and the series left as it is (not modelled there);
//! - `SendResponse` (16.0 and 16.1): the server sends the organizer the reply — a mail with an
//!   iCalendar `METHOD:REPLY` part (RFC 5546 3.2.3; `METHOD:COUNTER` with a proposed time,
//!   3.2.7) — recorded in the [`super::outbox`]; without it, and always on 14.x, nothing is
//!   sent: "In protocol versions … 14.0 and 14.1, the SendMail command can be used to send a
//!   message back to the meeting organizer" (2.2.1.11), the Kopano backend says the same ("the
//!   device will send it itself");
//! - Status 2 for what is not an invitation to answer (an item that is not there, not a
//!   meeting, the user's own meeting, an `InstanceId` on a request mail or that is not an
//!   occurrence, a `LongId` — the simulator has no Search — or a bad `UserResponse`); 3 and 4
//!   only through the `meeting-status=N` fault, which answers every `Request` and changes
//!   nothing.

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{air_sync as s, air_sync_base as asb, calendar as cal};
use wbxml::tags::{meeting_response as mr, search};

use super::client_changes::Collection;
use super::faults::ClientOp;
use super::mailbox::{Kind, Mailbox, Position, State};
use super::meetings::{self, Meeting};
use super::outbox::Outgoing;
use super::request::Request;
use super::server::{Reply, SyncFaults};
use super::{Sim, dates, lock, occurrences};
use crate::proto::classes::ApplicationData;

/// One `Request` of the command.
#[derive(Debug, Default)]
struct Wanted {
    response: u8,
    collection: String,
    request_id: Option<String>,
    long_id: Option<String>,
    instance: Option<String>,
    /// `SendResponse` (16.x): the note, proposed start and end.
    send: Option<(String, Option<String>, Option<String>)>,
}

fn parse(e: &Element<'_>) -> Wanted {
    let text = |tag| e.elements().find(|c| c.tag == tag).map(|c| c.text());
    let send = e.elements().find(|c| c.tag == mr::SEND_RESPONSE).map(|sr| {
        let t = |tag| sr.elements().find(|c| c.tag == tag).map(|c| c.text());
        let note = sr
            .elements()
            .find(|c| c.tag == asb::BODY)
            .and_then(|b| b.elements().find(|c| c.tag == asb::DATA).map(|d| d.text()));
        let proposed = (t(mr::PROPOSED_START_TIME), t(mr::PROPOSED_END_TIME));
        (note.unwrap_or_default(), proposed.0, proposed.1)
    });
    Wanted {
        response: text(mr::USER_RESPONSE)
            .and_then(|r| r.trim().parse().ok())
            .unwrap_or(0),
        collection: text(mr::COLLECTION_ID).unwrap_or_default(),
        request_id: text(mr::REQUEST_ID),
        long_id: text(search::LONG_ID),
        instance: text(mr::INSTANCE_ID),
        send,
    }
}

/// What answering one request did.
struct Answer {
    status: u16,
    calendar_id: Option<String>,
    /// The meeting answered (for the reply to the organizer).
    meeting: Option<Meeting>,
}

impl Answer {
    fn status(status: u16) -> Self {
        Self {
            status,
            calendar_id: None,
            meeting: None,
        }
    }
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8], faults: SyncFaults) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(102); // InvalidWBXML
    };
    if tree.tag != mr::MEETING_RESPONSE {
        return Reply::Status(103); // InvalidXML
    }
    let forced = faults.status_of(ClientOp::Meeting);
    let v16 = req.version.starts_with("16.");
    let wanted: Vec<Wanted> = tree
        .elements()
        .filter(|e| e.tag == mr::REQUEST)
        .map(parse)
        .collect();
    let meetings = sim.meetings();
    let (answers, changed) = {
        let mut mb = sim.mailbox();
        let before = mb.modseq;
        let answers: Vec<Answer> = wanted
            .iter()
            .map(|w| match forced {
                Some(code) => Answer::status(code),
                None => answer(&mut mb, &meetings, w, (v16, &sim.config.user)),
            })
            .collect();
        (answers, (mb.modseq != before).then_some(mb.modseq))
    };
    if let Some(m) = changed {
        sim.notify(m);
    }
    for (w, a) in wanted.iter().zip(&answers) {
        if let (true, Some(send), Some(m), 1) = (v16, &w.send, &a.meeting, a.status) {
            reply_to_organizer(sim, &req.device_id, m, w, send);
        }
    }
    let mut root = Element::new(mr::MEETING_RESPONSE);
    for (w, a) in wanted.iter().zip(answers) {
        let mut r = Element::new(mr::RESULT);
        if let Some(id) = &w.request_id {
            r = r.with(Element::new(mr::REQUEST_ID).with_text(id.clone()));
        }
        r = r.with(Element::new(mr::STATUS).with_text(a.status.to_string()));
        if let Some(id) = a.calendar_id {
            r = r.with(Element::new(mr::CALENDAR_ID).with_text(id));
        }
        root = root.with(r);
    }
    match root.encode() {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Answers one request; Status 2 for anything that is not an invitation to answer.
fn answer(mb: &mut Mailbox, meetings: &[Meeting], w: &Wanted, (v16, user): (bool, &str)) -> Answer {
    if !(1..=3).contains(&w.response) || w.long_id.is_some() {
        return Answer::status(2);
    }
    let Some((kind, meeting)) = named(mb, meetings, w) else {
        return Answer::status(2);
    };
    let result = match (&w.instance, kind) {
        (Some(_), Kind::Mail) => return Answer::status(2),
        (Some(id), _) => occurrence(mb, &meeting, id, w.response, v16),
        (None, _) => whole(mb, &meeting, w.response, user),
    };
    let Some(calendar_id) = result else {
        return Answer::status(2);
    };
    if kind == Kind::Mail {
        retire_request(mb, &w.collection, w.request_id.as_deref().unwrap_or(""));
    }
    Answer {
        status: 1,
        calendar_id: (w.response != 3).then_some(calendar_id),
        meeting: Some(meeting),
    }
}

/// The kind of the named live item and the invitation it stands for.
fn named(mb: &Mailbox, meetings: &[Meeting], w: &Wanted) -> Option<(Kind, Meeting)> {
    let f = mb.folder(&w.collection)?;
    let idx = f.idx_of(w.request_id.as_deref()?)?;
    let item = f.item(idx).filter(|i| i.state == State::Live)?;
    let Some(ApplicationData::Other(data)) = item.custom.as_deref() else {
        return None; // generated: the user's own meetings and ordinary mail
    };
    Some((f.kind, meetings::meeting_of(meetings, f.kind, data)?))
}

/// The whole meeting answered: the calendar item changed (or re-made after a decline) or
/// deleted; its server id.
fn whole(mb: &mut Mailbox, meeting: &Meeting, response: u8, user: &str) -> Option<String> {
    let found = meetings::find_event(mb, &meeting.uid);
    if response == 3 {
        let (folder, idx) = found?;
        let m = mb.next_modseq();
        let f = mb.folder_mut(&folder)?;
        f.touch(idx, m, State::Deleted, None);
        return Some(f.server_id(idx));
    }
    let (folder, idx) = match found {
        Some(at) => at,
        None => remake(mb, meeting, user)?,
    };
    let f = mb.folder(&folder)?;
    let Some(ApplicationData::Other(data)) = f.item(idx)?.custom.as_deref() else {
        return None;
    };
    let (response_type, busy) = if response == 1 { (3, 2) } else { (2, 1) };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let new = meetings::updated(
        data,
        &[
            (cal::RESPONSE_TYPE, response_type.to_string()),
            (cal::BUSY_STATUS, busy.to_string()),
            (cal::APPOINTMENT_REPLY_TIME, dates::compact(now)),
        ],
    );
    let m = mb.next_modseq();
    let f = mb.folder_mut(&folder)?;
    f.touch(idx, m, State::Live, None);
    f.items[idx as usize - 1].custom = Some(new);
    Some(f.server_id(idx))
}

/// A calendar item for a meeting declined before and now accepted.
fn remake(mb: &mut Mailbox, meeting: &Meeting, user: &str) -> Option<(String, u32)> {
    let calendar = meetings::folder_of_type(mb, 8)?;
    let event = meetings::calendar_item(meeting, user);
    let data = meetings::element(&ApplicationData::Event(Box::new(event)))?;
    let idx = meetings::add_item(mb, &calendar, data)?;
    Some((calendar, idx))
}

/// One occurrence answered (16.x): recorded on the series as the server's own change (every
/// device gets it); on 14.1 taken without a change. The series' server id.
fn occurrence(mb: &mut Mailbox, m: &Meeting, id: &str, response: u8, v16: bool) -> Option<String> {
    occurrences::key(id).filter(|k| m.has_occurrence(k))?;
    let (folder, idx) = meetings::find_event(mb, &m.uid)?;
    let server_id = format!("{folder}:{idx}");
    if !v16 {
        return Some(server_id);
    }
    let server: Arc<str> = "#server".into();
    let c = Collection {
        id: &folder,
        from: Position { modseq: 0, idx: 0 },
        device: &server,
        v16: true,
        server_wins: false,
        deletes_as_moves: false,
        faults: SyncFaults::default(),
    };
    let change = (response != 3).then(|| {
        let (response_type, busy) = if response == 1 { (3, 2) } else { (2, 1) };
        Element::new(s::APPLICATION_DATA)
            .with(Element::new(cal::BUSY_STATUS).with_text(busy.to_string()))
            .with(Element::new(cal::RESPONSE_TYPE).with_text(response_type.to_string()))
    });
    (occurrences::record(mb, &c, Some(idx), id, change.as_ref()) == 1).then_some(server_id)
}

/// The answered request mail goes to Deleted Items.
fn retire_request(mb: &mut Mailbox, folder: &str, request_id: &str) {
    let Some(idx) = mb.folder(folder).and_then(|f| f.idx_of(request_id)) else {
        return;
    };
    match meetings::folder_of_type(mb, 4) {
        Some(trash) if trash != folder => {
            mb.move_item((folder, idx), &trash, None, None);
        }
        _ => {
            let m = mb.next_modseq();
            if let Some(f) = mb.folder_mut(folder) {
                f.touch(idx, m, State::Deleted, None);
            }
        }
    }
}

/// The reply the server sends the organizer for a 16.x `SendResponse`, into the outbox.
fn reply_to_organizer(
    sim: &Sim,
    device: &str,
    m: &Meeting,
    w: &Wanted,
    send: &(String, Option<String>, Option<String>),
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mime = reply_mime(m, w, send, &sim.config.user, now);
    lock(&sim.outbox).record(Outgoing {
        command: "MeetingResponse",
        device: device.to_string(),
        mime: mime.into_bytes(),
        source: Some(format!(
            "{}/{}",
            w.collection,
            w.request_id.clone().unwrap_or_default()
        )),
        ..Outgoing::default()
    });
}

/// `YYYYMMDDTHHMMSSZ` of an `InstanceId` or proposed time in either form.
fn ical_time(t: Option<&str>) -> Option<String> {
    let k = occurrences::key(t?)?;
    Some(format!("{}T{}Z", &k[..8], &k[8..]))
}

/// The reply mail: the note, then the iCalendar part — `METHOD:REPLY` with the user's
/// `PARTSTAT` (RFC 5546 3.2.3), `METHOD:COUNTER` with a proposed time (3.2.7), the occurrence
/// as `RECURRENCE-ID`.
fn reply_mime(
    m: &Meeting,
    w: &Wanted,
    (note, start, end): &(String, Option<String>, Option<String>),
    user: &str,
    now: i64,
) -> String {
    let (verb, partstat) = match w.response {
        1 => ("Accepted", "ACCEPTED"),
        2 => ("Tentative", "TENTATIVE"),
        _ => ("Declined", "DECLINED"),
    };
    let counter = start.is_some() || end.is_some();
    let (method, subject) = match counter {
        true => (
            "COUNTER",
            format!("New Time Proposed: {}", m.invite.subject),
        ),
        false => ("REPLY", format!("{verb}: {}", m.invite.subject)),
    };
    let recurrence_id = ical_time(w.instance.as_deref())
        .map(|t| format!("RECURRENCE-ID:{t}\r\n"))
        .unwrap_or_default();
    let (name, addr) = &m.invite.organizer;
    let start = ical_time(start.as_deref()).unwrap_or_else(|| dates::compact(m.invite.start));
    let end = ical_time(end.as_deref()).unwrap_or_else(|| dates::compact(m.end()));
    format!(
        "From: \"Demo User\" <{user}>\r\nTo: \"{name}\" <{addr}>\r\nSubject: {subject}\r\n\
         Date: {date}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"=_reply\"\r\n\r\n\
         --=_reply\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         {note}\r\n--=_reply\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n\
         BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nPRODID:-//easync-sim//EN\r\nVERSION:2.0\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\n{recurrence_id}DTSTART:{start}\r\n\
         DTEND:{end}\r\nSUMMARY:{summary}\r\nORGANIZER;CN=\"{name}\":mailto:{addr}\r\n\
         ATTENDEE;PARTSTAT={partstat};CN=\"Demo User\":mailto:{user}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n--=_reply--\r\n",
        date = dates::rfc5322(now),
        uid = m.uid,
        stamp = dates::compact(now),
        summary = m.invite.subject,
    )
}

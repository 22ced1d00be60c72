//! Invitations and MeetingResponse as Exchange handles them ([`super::meetings`],
//! [`super::cmd_meeting`]): the request mail and tentative item delivered, the calendar item
//! changed or deleted by the answer, the request moved to Deleted Items, one occurrence on
//! 16.x, the reply to the organizer only with 16.x `SendResponse`, Status 2 for what cannot
//! be answered, and the `meeting-status` fault.

use wbxml::tags::calendar as cal;

use super::faults::{ClientOp, Fault, Scope};
use super::meetings::Invite;
use super::testkit::{Client, ops, sim};
use super::{Profile, Sim};
use crate::proto::classes::ApplicationData;
use crate::proto::meetingresponse::{MeetingResult, Request, RequestRef, UserResponse};
use crate::proto::sync::ServerCommand;
use crate::proto::{Command, ProtocolVersion};

const V14: ProtocolVersion = ProtocolVersion::V14_1;
const V16: ProtocolVersion = ProtocolVersion::V16_1;

fn request(response: UserResponse, folder: &str, id: &str) -> Request {
    Request {
        user_response: response,
        request: RequestRef::Item {
            collection_id: folder.parse().unwrap(),
            request_id: id.parse().unwrap(),
        },
        instance_id: None,
        proposed_start_time: None,
        proposed_end_time: None,
        send_response: None,
    }
}

fn codes(r: &[MeetingResult]) -> Vec<u16> {
    r.iter().map(|r| r.status.code()).collect()
}

/// The text of a calendar element of a live item the server holds.
fn event_field(sim: &Sim, id: &str, tag: wbxml::Tag) -> Option<String> {
    let mb = sim.snapshot();
    let (folder, idx) = id.rsplit_once(':')?;
    let f = mb.folder(folder)?;
    let item = f.item(idx.parse().ok()?)?;
    let Some(ApplicationData::Other(data)) = item.custom.as_deref() else {
        return None;
    };
    super::meetings::child_text(data, tag)
}

#[test]
fn an_invitation_arrives_as_a_request_mail_and_a_tentative_item() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, V16);
    let (ki, kc) = (c.prime("inbox"), c.prime("calendar"));
    let (mail, event) = sim.invite(Invite::default()).unwrap();
    let r = c.sync_one("inbox", &ki, 100).unwrap();
    assert_eq!(ops(&r), vec![("Add", mail)]);
    let ServerCommand::Add {
        data: ApplicationData::Email(e),
        ..
    } = &r.commands[0]
    else {
        panic!("an Email: {:?}", r.commands[0]);
    };
    assert_eq!(
        e.message_class.as_deref(),
        Some("IPM.Schedule.Meeting.Request")
    );
    let mr = e.meeting_request.as_ref().expect("a MeetingRequest");
    assert_eq!(mr.start_time.as_deref(), Some("2027-01-11T09:00:00.000Z"));
    assert!(
        mr.global_obj_id
            .as_deref()
            .is_some_and(|g| g.starts_with("BAAAAIIA4AB0xbcQGoLgCA"))
    );
    let r = c.sync_one("calendar", &kc, 100).unwrap();
    assert_eq!(ops(&r), vec![("Add", event.clone())]);
    let ServerCommand::Add {
        data: ApplicationData::Event(ev),
        ..
    } = &r.commands[0]
    else {
        panic!("an Event: {:?}", r.commands[0]);
    };
    assert_eq!(
        (ev.busy_status, ev.meeting_status, ev.response_type),
        (Some(1), Some(3), Some(5))
    );
}

#[test]
fn accepting_through_the_mail_changes_the_item_and_retires_the_request() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, V14);
    let (mail, event) = sim.invite(Invite::default()).unwrap();
    let (ki, kc, kd) = (c.prime("inbox"), c.prime("calendar"), c.prime("deleted"));
    let r = c.meeting_response(vec![request(UserResponse::Accepted, "inbox", &mail)]);
    assert_eq!(codes(&r), vec![1]);
    assert_eq!(
        r[0].request_id.as_ref().map(|i| i.to_string()),
        Some(mail.clone())
    );
    assert_eq!(
        r[0].calendar_id.as_ref().map(|i| i.to_string()),
        Some(event.clone())
    );
    assert_eq!(
        event_field(&sim, &event, cal::RESPONSE_TYPE).as_deref(),
        Some("3")
    );
    assert_eq!(
        event_field(&sim, &event, cal::BUSY_STATUS).as_deref(),
        Some("2")
    );
    let rc = c.sync_one("calendar", &kc, 100).unwrap();
    assert_eq!(
        ops(&rc),
        vec![("Change", event)],
        "the answering device too"
    );
    let ri = c.sync_one("inbox", &ki, 100).unwrap();
    assert_eq!(ops(&ri), vec![("Delete", mail)]);
    let rd = c.sync_one("deleted", &kd, 100).unwrap();
    assert_eq!(ops(&rd).len(), 1, "the request is in Deleted Items");
    assert!(
        sim.outbox().is_empty(),
        "14.x: the client sends the reply itself"
    );
}

#[test]
fn tentative_then_decline_through_the_calendar_item() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, V16);
    let (mail, event) = sim.invite(Invite::default()).unwrap();
    let r = c.meeting_response(vec![request(UserResponse::Tentative, "calendar", &event)]);
    assert_eq!(codes(&r), vec![1]);
    assert_eq!(
        r[0].calendar_id.as_ref().map(|i| i.to_string()),
        Some(event.clone())
    );
    assert_eq!(
        event_field(&sim, &event, cal::RESPONSE_TYPE).as_deref(),
        Some("2")
    );
    assert!(
        sim.item(&mail).is_ok(),
        "answered through the item, the mail stays"
    );
    let kc = c.prime("calendar");
    let r = c.meeting_response(vec![request(UserResponse::Declined, "calendar", &event)]);
    assert_eq!(codes(&r), vec![1]);
    assert_eq!(r[0].calendar_id, None, "no CalendarId for a decline");
    assert!(sim.item(&event).is_err());
    let rc = c.sync_one("calendar", &kc, 100).unwrap();
    assert_eq!(ops(&rc), vec![("Delete", event)]);
    // Accepting again later puts a new item in the calendar.
    let r = c.meeting_response(vec![request(UserResponse::Accepted, "inbox", &mail)]);
    let again = r[0].calendar_id.as_ref().expect("a new item").to_string();
    assert_eq!(
        event_field(&sim, &again, cal::RESPONSE_TYPE).as_deref(),
        Some("3")
    );
}

#[test]
fn what_is_not_an_invitation_is_status_2() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, V16);
    let (mail, _) = sim.invite(Invite::default()).unwrap();
    let mut on_mail = request(UserResponse::Accepted, "inbox", &mail);
    on_mail.instance_id = Some("20270111T090000Z".into());
    let long = Request {
        request: RequestRef::LongId("RgAAAA".into()),
        ..request(UserResponse::Accepted, "inbox", &mail)
    };
    let r = c.meeting_response(vec![
        request(UserResponse::Accepted, "calendar", "calendar:3"),
        request(UserResponse::Accepted, "inbox", "inbox:4"),
        request(UserResponse::Accepted, "inbox", "inbox:99999"),
        request(UserResponse::Accepted, "nowhere", "nowhere:1"),
        on_mail,
        long,
    ]);
    assert_eq!(
        codes(&r),
        vec![2; 6],
        "own meeting, plain mail, missing, InstanceId on a mail, LongId"
    );
    assert!(sim.item(&mail).is_ok());
}

#[test]
fn send_response_on_16_mails_the_organizer_an_icalendar_reply() {
    let sim = sim(Profile::exchange());
    let (mail, _) = sim.invite(Invite::default()).unwrap();
    let c = Client::new(&sim, V16);
    let mut r = request(UserResponse::Accepted, "inbox", &mail);
    r.send_response = Some("Gern, bis Montag!".into());
    assert_eq!(codes(&c.meeting_response(vec![r])), vec![1]);
    let sent = sim.outbox();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].command, sent[0].client_id.as_deref()),
        ("MeetingResponse", None)
    );
    assert_eq!(
        sent[0].to,
        vec!["\"Zoë Åkesson\" <zoe.akesson@example.test>".to_string()]
    );
    assert_eq!(
        sent[0].subject.as_deref(),
        Some("Accepted: Projektplanung Q1")
    );
    let text = String::from_utf8(sent[0].mime.to_vec()).unwrap();
    for needle in [
        "METHOD:REPLY",
        "PARTSTAT=ACCEPTED",
        "UID:sim-invite-1-1@",
        "Gern, bis Montag!",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    // A proposed time is a counter-proposal (RFC 5546 3.2.7).
    let (mail, _) = sim.invite(Invite::default()).unwrap();
    let mut r = request(UserResponse::Tentative, "inbox", &mail);
    r.send_response = Some("Later?".into());
    r.proposed_start_time = Some("20270111T100000Z".into());
    assert_eq!(codes(&c.meeting_response(vec![r])), vec![1]);
    let text = String::from_utf8(sim.outbox()[1].mime.to_vec()).unwrap();
    assert!(text.contains("METHOD:COUNTER") && text.contains("DTSTART:20270111T100000Z"));
    assert!(text.contains("Subject: New Time Proposed: Projektplanung Q1"));
}

#[test]
fn one_occurrence_of_a_series_on_16() {
    let sim = sim(Profile::exchange());
    let weekly = Invite {
        weekly: Some(4),
        ..Invite::default()
    };
    let (_, event) = sim.invite(weekly).unwrap();
    let c = Client::new(&sim, V16);
    let mut decline = request(UserResponse::Declined, "calendar", &event);
    decline.instance_id = Some("20270118T090000Z".into());
    let mut wrong = request(UserResponse::Declined, "calendar", &event);
    wrong.instance_id = Some("20270119T090000Z".into());
    assert_eq!(codes(&c.meeting_response(vec![decline, wrong])), vec![1, 2]);
    let occ = sim.instances(&event).unwrap();
    assert_eq!(occ.len(), 1);
    assert!(occ[0].deleted && occ[0].instance_id == "20270118T090000Z");
    assert!(sim.item(&event).is_ok(), "the series stays");
}

#[test]
fn meeting_status_answers_every_request_and_changes_nothing() {
    let sim = sim(Profile::exchange());
    let (mail, event) = sim.invite(Invite::default()).unwrap();
    sim.faults.arm(
        Fault::ClientStatus(ClientOp::Meeting, 3),
        Scope::once("MeetingResponse"),
    );
    let c = Client::new(&sim, V16);
    let req = crate::proto::meetingresponse::MeetingResponse {
        requests: vec![request(UserResponse::Accepted, "inbox", &mail)],
    };
    let (code, body) = c.post("MeetingResponse", req.encode(V16).unwrap());
    assert_eq!(code, 200);
    assert_eq!(codes(&req.decode(&body, V16).unwrap()), vec![3]);
    assert_eq!(
        event_field(&sim, &event, cal::RESPONSE_TYPE).as_deref(),
        Some("5")
    );
    assert!(sim.item(&mail).is_ok());
}

//! The classes beyond the SOGo conversation: Horde's calendar and meeting-request fixtures
//! (recurrence, exceptions, all-day, time zones, legacy elements kept), and the 16.x shapes
//! written from the spec's examples (Location, ClientUid, drafts, per-instance changes).

mod common;

use common::{find, fixture, leaves};

use easync::proto::classes::calendar::Event;
use easync::proto::classes::timezone::TimeZone;
use easync::proto::classes::{ApplicationData, ItemClass};
use easync::proto::read::Reader;
use easync::proto::sync::{ClientCommand, ServerCommand, Sync, SyncCollection};
use easync::proto::{CollectionId, Command, ProtocolVersion, ServerId, SyncKey};
use wbxml::tags::{air_sync as s, air_sync_base as asb, calendar as cal};

/// Reads a document whose root is `<ApplicationData>` (the Horde fixtures).
fn application_data(name: &str, class: ItemClass) -> ApplicationData {
    let bytes = fixture(&format!("wbxml/{name}"));
    let mut r = Reader::new("test", &bytes).unwrap();
    let root = r.root(s::APPLICATION_DATA).unwrap();
    let data = ApplicationData::read(&mut r, &root, Some(class)).unwrap();
    r.finish().unwrap();
    data
}

fn event(name: &str) -> Event {
    match application_data(name, ItemClass::Calendar) {
        ApplicationData::Event(e) => *e,
        other => panic!("{other:?}"),
    }
}

/// Writes the item back (as the body of an `<ApplicationData>` document) and reads it again.
fn round_trip(data: &ApplicationData, class: ItemClass) -> ApplicationData {
    let mut w = easync::proto::write::Writer::new("test");
    data.write(&mut w).unwrap();
    let bytes = w.finish().unwrap();
    let mut r = Reader::new("test", &bytes).unwrap();
    let root = r.root(s::APPLICATION_DATA).unwrap();
    ApplicationData::read(&mut r, &root, Some(class)).unwrap()
}

#[test]
fn weekly_recurrence_with_a_deleted_exception() {
    let e = event("horde-simpleexception.wbxml");
    assert_eq!(e.subject.as_deref(), Some("Event Title"));
    assert_eq!(e.start_time.as_deref(), Some("20111201T200000Z"));
    let rec = e.recurrence.as_ref().unwrap();
    assert_eq!(
        (rec.recurrence_type, rec.interval, rec.day_of_week),
        (Some(1), Some(2), Some(16))
    );
    let ex = &e.exceptions.as_ref().unwrap().items[0];
    assert_eq!(ex.exception_start_time.as_deref(), Some("20111229T200000Z"));
    assert_eq!(ex.deleted, Some(true));
    // Legacy calendar:Body / BodyTruncated (protocol 2.5) are kept, not dropped:
    assert!(
        e.extra
            .iter()
            .any(|x| x.tag == cal::BODY && x.text() == "Event Description")
    );
    assert!(ex.extra.iter().any(|x| x.tag == cal::BODY_TRUNCATED));
    let data = ApplicationData::Event(Box::new(e));
    assert_eq!(round_trip(&data, ItemClass::Calendar), data);
}

#[test]
fn time_zone_blobs_of_the_horde_fixtures() {
    // US Eastern (bias 300 = UTC-5): first Sunday of November, second Sunday of March.
    let tz = TimeZone::from_base64(event("horde-dst.wbxml").timezone.as_deref().unwrap()).unwrap();
    assert_eq!((tz.bias, tz.daylight_bias), (300, -60));
    let std = tz.standard_date.rule().unwrap();
    let dst = tz.daylight_date.rule().unwrap();
    assert_eq!(
        (std.month, std.week, std.day_of_week, std.hour),
        (11, 1, 0, 2)
    );
    assert_eq!(
        (dst.month, dst.week, dst.day_of_week, dst.hour),
        (3, 2, 0, 2)
    );
}

#[test]
fn all_day_event() {
    let e = event("horde-allday_appointment.wbxml");
    assert_eq!(e.all_day_event, Some(true));
    assert_eq!(e.start_time.as_deref(), Some("19700320T050000Z"));
    assert_eq!(e.end_time.as_deref(), Some("19700321T050000Z"));
    assert_eq!(e.meeting_status, Some(0));
}

#[test]
fn meeting_request_inside_an_email() {
    // Horde's fixture is the MeetingRequest's content; wrap it as an email's.
    let bytes = fixture("wbxml/horde-meeting_request_one.wbxml");
    let inner = wbxml::Element::decode(&bytes).unwrap();
    let mut mr = wbxml::Element::new(wbxml::tags::email::MEETING_REQUEST);
    mr.children = inner.children.clone();
    let data = ApplicationData::from_elements("test", [&mr], Some(ItemClass::Email)).unwrap();
    let ApplicationData::Email(mail) = &data else {
        panic!()
    };
    let m = mail.meeting_request.as_ref().unwrap();
    assert_eq!(m.organizer.as_deref(), Some("mikerubinsky@gmail.com"));
    assert_eq!(m.start_time.as_deref(), Some("2012-06-08T17:30:00.000Z"));
    assert_eq!(m.location.as_deref(), Some("Philadelphia,PA"));
    assert_eq!(
        (m.response_requested, m.busy_status, m.instance_type),
        (Some(true), Some(2), Some(0))
    );
    assert!(
        m.global_obj_id
            .as_deref()
            .unwrap()
            .starts_with("BAAAAIIA4AB0xbcQ")
    );
    assert!(TimeZone::from_base64(m.time_zone.as_deref().unwrap()).is_ok());
    assert_eq!(round_trip(&data, ItemClass::Email), data);
}

#[test]
fn location_and_client_uid_16_0() {
    let req = Sync {
        collections: vec![SyncCollection::new(
            SyncKey::try_from("7").unwrap(),
            CollectionId::try_from("3").unwrap(),
            Some(ItemClass::Calendar),
        )],
        ..Sync::default()
    };
    let resp = req
        .decode(
            &fixture("wbxml/synth-16.0-sync-calendar-location.wbxml"),
            ProtocolVersion::V16_0,
        )
        .unwrap();
    let ServerCommand::Add {
        data: ApplicationData::Event(e),
        ..
    } = &resp.collections[0].commands[0]
    else {
        panic!()
    };
    let loc = e.location16.as_ref().unwrap();
    assert_eq!(loc.display_name.as_deref(), Some("Room 4.12"));
    assert_eq!(loc.city.as_deref(), Some("Springfield"));
    assert_eq!(loc.latitude.as_deref(), Some("39.7817"));
    assert_eq!(loc.location_uri.as_deref(), Some("geo:39.7817,-89.6501"));
    assert_eq!(
        e.client_uid.as_deref(),
        Some("a8f5f167-f44f-4964-a2d4-0c4f6b9e2a11")
    );
    assert_eq!(
        TimeZone::from_base64(e.timezone.as_deref().unwrap())
            .unwrap()
            .bias,
        -60
    );
    assert!(e.extra.is_empty(), "{:?}", e.extra);
}

#[test]
fn draft_add_16_0_encodes_like_the_spec_example() {
    // Read the ApplicationData of the fixture's Add…
    let bytes = fixture("wbxml/synth-16.0-sync-add-draft.wbxml");
    let tree = wbxml::Element::decode(&bytes).unwrap();
    let add_data = find(&tree, s::APPLICATION_DATA).unwrap();
    let elements: Vec<_> = add_data.elements().collect();
    let data = ApplicationData::from_elements("test", elements, Some(ItemClass::Email)).unwrap();
    let ApplicationData::Email(draft) = &data else {
        panic!()
    };
    assert_eq!(draft.is_draft, Some(true));
    assert_eq!(draft.bcc.as_deref(), Some("audit@example.com"));
    assert_eq!(draft.subject.as_deref(), Some("Draft ünïcödé ✓"));
    assert!(draft.send.is_some());
    // …and write the same request: same elements (up to order), Send still empty.
    let mut c = SyncCollection::new(
        SyncKey::try_from("5").unwrap(),
        CollectionId::try_from("11").unwrap(),
        None,
    );
    c.commands.push(ClientCommand::Add {
        client_id: "c1b3e6d2".into(),
        data: data.clone(),
    });
    let ours = Sync {
        collections: vec![c],
        ..Sync::default()
    }
    .encode(ProtocolVersion::V16_0)
    .unwrap();
    assert_eq!(leaves(&ours), leaves(&bytes));
}

#[test]
fn per_instance_changes_and_deletes_16_x() {
    // A 16.x server reports a moved occurrence as a Change with InstanceId inside the
    // ApplicationData, and a cancelled one as a Delete with InstanceId (MS-ASCMD 2.2.3.42.2).
    let change = wbxml::Element::new(s::CHANGE)
        .with(wbxml::Element::new(s::SERVER_ID).with_text("3:41"))
        .with(
            wbxml::Element::new(s::APPLICATION_DATA)
                .with(wbxml::Element::new(asb::INSTANCE_ID).with_text("20240312T140000Z"))
                .with(wbxml::Element::new(cal::START_TIME).with_text("20240312T160000Z"))
                .with(wbxml::Element::new(cal::END_TIME).with_text("20240312T170000Z")),
        );
    let delete = wbxml::Element::new(s::DELETE)
        .with(wbxml::Element::new(s::SERVER_ID).with_text("3:41"))
        .with(wbxml::Element::new(asb::INSTANCE_ID).with_text("20240319T140000Z"));
    let body = wbxml::Element::new(s::SYNC)
        .with(
            wbxml::Element::new(s::COLLECTIONS).with(
                wbxml::Element::new(s::COLLECTION)
                    .with(wbxml::Element::new(s::SYNC_KEY).with_text("9"))
                    .with(wbxml::Element::new(s::COLLECTION_ID).with_text("3"))
                    .with(wbxml::Element::new(s::STATUS).with_text("1"))
                    .with(wbxml::Element::new(s::COMMANDS).with(change).with(delete)),
            ),
        )
        .encode()
        .unwrap();
    let req = Sync {
        collections: vec![SyncCollection::new(
            SyncKey::try_from("8").unwrap(),
            CollectionId::try_from("3").unwrap(),
            Some(ItemClass::Calendar),
        )],
        ..Sync::default()
    };
    let resp = req.decode(&body, ProtocolVersion::V16_1).unwrap();
    match &resp.collections[0].commands[..] {
        [
            ServerCommand::Change {
                data: ApplicationData::Event(moved),
                ..
            },
            ServerCommand::Delete {
                server_id,
                instance_id,
            },
        ] => {
            assert_eq!(moved.instance_id.as_deref(), Some("20240312T140000Z"));
            assert_eq!(moved.start_time.as_deref(), Some("20240312T160000Z"));
            assert_eq!(server_id, &ServerId::try_from("3:41").unwrap());
            assert_eq!(instance_id.as_deref(), Some("20240319T140000Z"));
        }
        other => panic!("{other:?}"),
    }
}

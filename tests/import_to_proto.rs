//! Known answers of `sync::to_proto`: the exact XML of what a contact, an event and a task
//! become for a Sync Add on 14.1 and 16.1 (MS-ASCNTC, MS-ASCAL, MS-ASTASK), a Change that keeps
//! the stored item's other fields, the 16.x occurrences, and what cannot be sent.

use easync::model::{
    Address, Attendee, Contact, Event, Exception, Item, Recurrence, Task, TimeZone,
};
use easync::proto::ProtocolVersion::{V14_1, V16_1};
use easync::proto::classes::airsyncbase::Body;
use easync::proto::classes::{ApplicationData, contacts, tasks};
use easync::proto::write::Writer;
use easync::sync::to_proto::{self, Mode, Occurrence, ToProtoError};

fn xml(d: &ApplicationData) -> String {
    let mut w = Writer::new("test");
    d.write(&mut w).unwrap();
    wbxml::xml::to_xml(&wbxml::Element::decode(&w.finish().unwrap()).unwrap())
}

const BERLIN_BLOB: &str = "xP///1cALgAgAEUAdQByAG8AcABlACAAUwB0AGEAbgBkAGEAcgBkACAAVABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAoAAAAFAAMAAAAAAAAAAAAAAFcALgAgAEUAdQByAG8AcABlACAARABhAHkAbABpAGcAaAB0ACAAVABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAAFAAIAAAAAAAAAxP///w==";

fn berlin() -> TimeZone {
    TimeZone {
        bias: -60,
        standard_name: "W. Europe Standard Time".into(),
        daylight_name: "W. Europe Daylight Time".into(),
        daylight_bias: -60,
        ..TimeZone::default()
    }
}

/// A weekly series in Berlin with a cancelled and a moved occurrence.
fn series() -> Event {
    Event {
        uid: Some("u-1".into()),
        subject: Some("Review".into()),
        location: Some("Room 4".into()),
        start_time: Some("20261005T080000Z".into()),
        end_time: Some("20261005T090000Z".into()),
        all_day: Some(false),
        busy_status: Some(4),
        organizer_email: Some("al@x.test".into()),
        organizer_name: Some("Al".into()),
        time_zone: Some(berlin()),
        reminder: Some(10),
        sensitivity: Some(2),
        description: Some("Agenda".into()),
        categories: vec!["Work".into()],
        attendees: vec![Attendee {
            email: Some("bob@x.test".into()),
            name: None,
            status: Some(3),
            kind: None,
        }],
        recurring: true,
        recurrence: Some(Recurrence {
            kind: Some(1),
            interval: Some(2),
            until: Some("20261214T080000Z".into()),
            day_of_week: Some(2),
            ..Recurrence::default()
        }),
        exceptions: vec![
            Exception {
                original_start: Some("20261019T080000Z".into()),
                deleted: true,
                ..Exception::default()
            },
            Exception {
                original_start: Some("20261102T090000Z".into()),
                subject: Some("Moved".into()),
                start_time: Some("20261103T090000Z".into()),
                location: Some("Room 5".into()),
                ..Exception::default()
            },
        ],
        ..Event::default()
    }
}

fn event_data(e: &Event, v: easync::proto::ProtocolVersion, m: Mode) -> ApplicationData {
    to_proto::application_data(&Item::Event(Box::new(e.clone())), v, m).unwrap()
}

#[test]
fn an_event_on_14_1_has_its_uid_organizer_answers_and_exceptions_inside() {
    let want = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<ApplicationData xmlns="AirSync:" xmlns:calendar="Calendar:" xmlns:airsyncbase="AirSyncBase:">
  <calendar:Timezone>{BERLIN_BLOB}</calendar:Timezone>
  <calendar:AllDayEvent>0</calendar:AllDayEvent>
  <airsyncbase:Body>
    <airsyncbase:Type>1</airsyncbase:Type>
    <airsyncbase:Data>Agenda</airsyncbase:Data>
  </airsyncbase:Body>
  <calendar:BusyStatus>2</calendar:BusyStatus>
  <calendar:OrganizerName>Al</calendar:OrganizerName>
  <calendar:OrganizerEmail>al@x.test</calendar:OrganizerEmail>
  <calendar:EndTime>20261005T090000Z</calendar:EndTime>
  <calendar:Location>Room 4</calendar:Location>
  <calendar:Reminder>10</calendar:Reminder>
  <calendar:Sensitivity>2</calendar:Sensitivity>
  <calendar:Subject>Review</calendar:Subject>
  <calendar:StartTime>20261005T080000Z</calendar:StartTime>
  <calendar:UID>u-1</calendar:UID>
  <calendar:Attendees>
    <calendar:Attendee>
      <calendar:Email>bob@x.test</calendar:Email>
      <calendar:Name>bob@x.test</calendar:Name>
      <calendar:AttendeeStatus>3</calendar:AttendeeStatus>
    </calendar:Attendee>
  </calendar:Attendees>
  <calendar:Categories>
    <calendar:Category>Work</calendar:Category>
  </calendar:Categories>
  <calendar:Recurrence>
    <calendar:Type>1</calendar:Type>
    <calendar:Interval>2</calendar:Interval>
    <calendar:DayOfWeek>2</calendar:DayOfWeek>
    <calendar:Until>20261214T080000Z</calendar:Until>
  </calendar:Recurrence>
  <calendar:Exceptions>
    <calendar:Exception>
      <calendar:Deleted>1</calendar:Deleted>
      <calendar:ExceptionStartTime>20261019T080000Z</calendar:ExceptionStartTime>
    </calendar:Exception>
    <calendar:Exception>
      <calendar:ExceptionStartTime>20261102T090000Z</calendar:ExceptionStartTime>
      <calendar:Subject>Moved</calendar:Subject>
      <calendar:StartTime>20261103T090000Z</calendar:StartTime>
      <calendar:EndTime>20261103T100000Z</calendar:EndTime>
      <calendar:Location>Room 5</calendar:Location>
    </calendar:Exception>
  </calendar:Exceptions>
</ApplicationData>
"#
    );
    assert_eq!(xml(&event_data(&series(), V14_1, Mode::Add)), want);
}

#[test]
fn an_event_on_16_1_has_a_client_uid_a_structured_location_and_no_organizer() {
    let want = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<ApplicationData xmlns="AirSync:" xmlns:calendar="Calendar:" xmlns:airsyncbase="AirSyncBase:">
  <calendar:Timezone>{BERLIN_BLOB}</calendar:Timezone>
  <calendar:AllDayEvent>0</calendar:AllDayEvent>
  <airsyncbase:Body>
    <airsyncbase:Type>1</airsyncbase:Type>
    <airsyncbase:Data>Agenda</airsyncbase:Data>
  </airsyncbase:Body>
  <calendar:BusyStatus>4</calendar:BusyStatus>
  <calendar:EndTime>20261005T090000Z</calendar:EndTime>
  <airsyncbase:Location>
    <airsyncbase:DisplayName>Room 4</airsyncbase:DisplayName>
  </airsyncbase:Location>
  <calendar:Reminder>10</calendar:Reminder>
  <calendar:Sensitivity>2</calendar:Sensitivity>
  <calendar:Subject>Review</calendar:Subject>
  <calendar:StartTime>20261005T080000Z</calendar:StartTime>
  <calendar:Attendees>
    <calendar:Attendee>
      <calendar:Email>bob@x.test</calendar:Email>
      <calendar:Name>bob@x.test</calendar:Name>
      <calendar:AttendeeType>1</calendar:AttendeeType>
    </calendar:Attendee>
  </calendar:Attendees>
  <calendar:Categories>
    <calendar:Category>Work</calendar:Category>
  </calendar:Categories>
  <calendar:Recurrence>
    <calendar:Type>1</calendar:Type>
    <calendar:Interval>2</calendar:Interval>
    <calendar:DayOfWeek>2</calendar:DayOfWeek>
    <calendar:Until>20261214T080000Z</calendar:Until>
  </calendar:Recurrence>
  <calendar:ClientUid>u-1</calendar:ClientUid>
</ApplicationData>
"#
    );
    assert_eq!(xml(&event_data(&series(), V16_1, Mode::Add)), want);
    let change = xml(&event_data(&series(), V16_1, Mode::Change));
    assert!(
        !change.contains("ClientUid") && !change.contains("UID"),
        "{change}"
    );
}

#[test]
fn on_16_the_occurrences_go_on_their_own_with_their_instance_id() {
    let occ = to_proto::occurrences(&series(), V16_1);
    assert_eq!(occ.len(), 2);
    assert_eq!(
        occ[0],
        Occurrence::Delete {
            instance_id: "20261019T080000Z".into()
        }
    );
    let Occurrence::Change { instance_id, data } = &occ[1] else {
        panic!("a change: {occ:?}")
    };
    assert_eq!(instance_id, "20261102T090000Z");
    let x = xml(data);
    for want in [
        "<calendar:Subject>Moved</calendar:Subject>",
        "<calendar:StartTime>20261103T090000Z</calendar:StartTime>",
        "<calendar:EndTime>20261103T100000Z</calendar:EndTime>",
        "<airsyncbase:DisplayName>Room 5</airsyncbase:DisplayName>",
    ] {
        assert!(x.contains(want), "no {want} in\n{x}");
    }
    assert!(
        to_proto::occurrences(&series(), V14_1).is_empty(),
        "embedded on 14.1"
    );
}

#[test]
fn an_all_day_event_is_floating_on_16_and_in_utc_on_14() {
    let mut e = series();
    (e.all_day, e.time_zone) = (Some(true), None);
    (e.start_time, e.end_time) = (
        Some("20261224T000000Z".into()),
        Some("20261227T000000Z".into()),
    );
    let ApplicationData::Event(v16) = event_data(&e, V16_1, Mode::Add) else {
        panic!()
    };
    assert_eq!((v16.timezone, v16.all_day_event), (None, Some(true)));
    let ApplicationData::Event(v14) = event_data(&e, V14_1, Mode::Add) else {
        panic!()
    };
    let blob =
        easync::proto::classes::timezone::TimeZone::from_base64(v14.timezone.as_deref().unwrap())
            .unwrap();
    assert_eq!((blob.bias, blob.has_dst()), (0, false));
    assert_eq!(v14.start_time.as_deref(), Some("20261224T000000Z"));
}

#[test]
fn an_all_day_event_goes_back_to_local_midnights_on_a_14_change() {
    // A 14.x server's all-day event in Berlin (its midnights in UTC), exported as dates and
    // imported back as floating midnights, is changed at its own zone's midnights again.
    let stored = ApplicationData::Event(Box::new(easync::proto::classes::calendar::Event {
        timezone: Some(BERLIN_BLOB.into()),
        all_day_event: Some(true),
        start_time: Some("20261223T230000Z".into()),
        end_time: Some("20261226T230000Z".into()),
        ..Default::default()
    }));
    let mut e = series();
    (e.all_day, e.time_zone, e.recurrence, e.exceptions) = (Some(true), None, None, vec![]);
    (e.start_time, e.end_time) = (
        Some("20261224T000000Z".into()),
        Some("20261227T000000Z".into()),
    );
    let ApplicationData::Event(p) =
        to_proto::change_data(&Item::Event(Box::new(e.clone())), &stored, V14_1).unwrap()
    else {
        panic!()
    };
    assert_eq!(p.start_time.as_deref(), Some("20261223T230000Z"));
    assert_eq!(p.end_time.as_deref(), Some("20261226T230000Z"));
    assert_eq!(p.timezone.as_deref(), Some(BERLIN_BLOB));
    // Summer: daylight time, 22:00 UTC.
    (e.start_time, e.end_time) = (
        Some("20260701T000000Z".into()),
        Some("20260702T000000Z".into()),
    );
    to_proto::anchor_all_day(&mut e, &berlin());
    assert_eq!(e.start_time.as_deref(), Some("20260630T220000Z"));
    assert_eq!(e.time_zone, Some(berlin()));
    // 16.x keeps the floating dates.
    let mut floating = e.clone();
    (floating.time_zone, floating.start_time) = (None, Some("20260701T000000Z".into()));
    let ApplicationData::Event(p) =
        to_proto::change_data(&Item::Event(Box::new(floating)), &stored, V16_1).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (p.start_time.as_deref(), p.timezone),
        (Some("20260701T000000Z"), None)
    );
}

#[test]
fn a_contact_as_mscntc_elements() {
    let c = Contact {
        file_as: Some("Doe, Jane".into()),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        emails: vec!["jane@x.test".into(), "j@y.test".into()],
        phones: vec![
            ("mobile".into(), "+1 1".into()),
            ("business2".into(), "+1 2".into()),
            ("mms".into(), "+1 3".into()),
        ],
        addresses: vec![Address {
            kind: "home".into(),
            street: Some("Main 1".into()),
            city: Some("Town".into()),
            ..Address::default()
        }],
        birthday: Some("1985-04-12T00:00:00.000Z".into()),
        children: vec!["Kid".into()],
        categories: vec!["VIP".into()],
        notes: Some("Hello".into()),
        photo: Some(vec![0xFF, 0xD8, 0xFF]),
        im_addresses: vec!["xmpp:j@x".into()],
        nickname: Some("JJ".into()),
        manager_name: Some("Boss".into()),
        ..Contact::default()
    };
    let want = r#"<?xml version="1.0" encoding="utf-8"?>
<ApplicationData xmlns="AirSync:" xmlns:contacts="Contacts:" xmlns:airsyncbase="AirSyncBase:" xmlns:contacts2="Contacts2:">
  <contacts:Birthday>1985-04-12T00:00:00.000Z</contacts:Birthday>
  <airsyncbase:Body>
    <airsyncbase:Type>1</airsyncbase:Type>
    <airsyncbase:Data>Hello</airsyncbase:Data>
  </airsyncbase:Body>
  <contacts:Business2PhoneNumber>+1 2</contacts:Business2PhoneNumber>
  <contacts:Categories>
    <contacts:Category>VIP</contacts:Category>
  </contacts:Categories>
  <contacts:Children>
    <contacts:Child>Kid</contacts:Child>
  </contacts:Children>
  <contacts:Email1Address>jane@x.test</contacts:Email1Address>
  <contacts:Email2Address>j@y.test</contacts:Email2Address>
  <contacts:FileAs>Doe, Jane</contacts:FileAs>
  <contacts:FirstName>Jane</contacts:FirstName>
  <contacts:HomeAddressCity>Town</contacts:HomeAddressCity>
  <contacts:HomeAddressStreet>Main 1</contacts:HomeAddressStreet>
  <contacts:LastName>Doe</contacts:LastName>
  <contacts:MobilePhoneNumber>+1 1</contacts:MobilePhoneNumber>
  <contacts:Picture>/9j/</contacts:Picture>
  <contacts2:IMAddress>xmpp:j@x</contacts2:IMAddress>
  <contacts2:ManagerName>Boss</contacts2:ManagerName>
  <contacts2:NickName>JJ</contacts2:NickName>
  <contacts2:MMS>+1 3</contacts2:MMS>
</ApplicationData>
"#;
    let item = Item::Contact(Box::new(c));
    assert_eq!(
        xml(&to_proto::application_data(&item, V14_1, Mode::Add).unwrap()),
        want
    );
    assert_eq!(
        xml(&to_proto::application_data(&item, V16_1, Mode::Add).unwrap()),
        want
    );
}

#[test]
fn a_task_sends_its_dates_in_both_elements_and_its_recurrence_start() {
    let t = Task {
        subject: Some("Pay".into()),
        due_date: Some("2026-10-01T16:00:00.000Z".into()),
        complete: Some(true),
        date_completed: Some("2026-09-30T17:42:33.000Z".into()),
        importance: Some(2),
        reminder_time: Some("2026-10-01T15:00:00.000Z".into()),
        sensitivity: Some(2),
        categories: vec!["Home".into()],
        recurrence: Some(Recurrence {
            kind: Some(2),
            day_of_month: Some(1),
            occurrences: Some(12),
            ..Recurrence::default()
        }),
        ..Task::default()
    };
    let want = r#"<?xml version="1.0" encoding="utf-8"?>
<ApplicationData xmlns="AirSync:" xmlns:tasks="Tasks:">
  <tasks:Categories>
    <tasks:Category>Home</tasks:Category>
  </tasks:Categories>
  <tasks:Complete>1</tasks:Complete>
  <tasks:DateCompleted>2026-09-30T17:42:33.000Z</tasks:DateCompleted>
  <tasks:DueDate>2026-10-01T16:00:00.000Z</tasks:DueDate>
  <tasks:UtcDueDate>2026-10-01T16:00:00.000Z</tasks:UtcDueDate>
  <tasks:Importance>2</tasks:Importance>
  <tasks:Recurrence>
    <tasks:Type>2</tasks:Type>
    <tasks:Start>2026-10-01T16:00:00.000Z</tasks:Start>
    <tasks:Occurrences>12</tasks:Occurrences>
    <tasks:DayOfMonth>1</tasks:DayOfMonth>
  </tasks:Recurrence>
  <tasks:ReminderSet>1</tasks:ReminderSet>
  <tasks:ReminderTime>2026-10-01T15:00:00.000Z</tasks:ReminderTime>
  <tasks:Sensitivity>2</tasks:Sensitivity>
  <tasks:Subject>Pay</tasks:Subject>
</ApplicationData>
"#;
    let item = Item::Task(Box::new(t));
    assert_eq!(
        xml(&to_proto::application_data(&item, V16_1, Mode::Add).unwrap()),
        want
    );
}

#[test]
fn a_change_keeps_what_the_model_does_not_carry() {
    let stored = ApplicationData::Contact(Box::new(contacts::Contact {
        first_name: Some("Jane".into()),
        yomi_first_name: Some("ジェーン".into()),
        customer_id: Some("C-42".into()),
        picture: Some("/9j/".into()),
        body: Some(Body {
            body_type: Some(1),
            truncated: Some(true),
            data: Some("The first 200 chara".into()),
            ..Body::default()
        }),
        ..contacts::Contact::default()
    }));
    let model = Contact {
        first_name: Some("Janet".into()),
        notes: Some("The first 200 chara".into()),
        ..Contact::default()
    };
    let sent = to_proto::change_data(&Item::Contact(Box::new(model)), &stored, V16_1).unwrap();
    let ApplicationData::Contact(c) = sent else {
        panic!()
    };
    assert_eq!(c.first_name.as_deref(), Some("Janet"));
    assert_eq!(c.yomi_first_name.as_deref(), Some("ジェーン"), "kept");
    assert_eq!(c.customer_id.as_deref(), Some("C-42"), "kept");
    assert_eq!(
        c.picture.as_deref(),
        Some(""),
        "a removed photo is deleted with an empty Picture"
    );
    assert_eq!(
        c.body, None,
        "a truncated body the user did not change is not sent back cut"
    );

    // An event keeps the server's own zone blob (and DtStamp) when the zone did not change.
    let mut server_blob =
        easync::proto::classes::timezone::TimeZone::from_base64(BERLIN_BLOB).unwrap();
    server_blob.standard_date.hour = 4; // rules of the server's, not the ones found again
    let stored = ApplicationData::Event(Box::new(easync::proto::classes::calendar::Event {
        timezone: Some(server_blob.to_base64()),
        dt_stamp: Some("20260101T000000Z".into()),
        ..Default::default()
    }));
    let sent = to_proto::change_data(&Item::Event(Box::new(series())), &stored, V14_1).unwrap();
    let ApplicationData::Event(e) = sent else {
        panic!()
    };
    assert_eq!(e.timezone, Some(server_blob.to_base64()));
    assert_eq!(e.dt_stamp.as_deref(), Some("20260101T000000Z"));
    let mut elsewhere = series();
    elsewhere.time_zone.as_mut().unwrap().bias = 300;
    let ApplicationData::Event(e) =
        to_proto::change_data(&Item::Event(Box::new(elsewhere)), &stored, V14_1).unwrap()
    else {
        panic!()
    };
    assert_ne!(
        e.timezone,
        Some(server_blob.to_base64()),
        "a changed zone is sent as changed"
    );

    // A task keeps its local due date while the UTC one is unchanged.
    let stored = ApplicationData::Task(Box::new(tasks::Task {
        due_date: Some("2026-10-01T00:00:00.000Z".into()),
        utc_due_date: Some("2026-09-30T22:00:00.000Z".into()),
        ordinal_date: Some("2026-09-01T00:00:00.000Z".into()),
        ..Default::default()
    }));
    let model = Task {
        due_date: Some("2026-09-30T22:00:00.000Z".into()),
        ..Task::default()
    };
    let ApplicationData::Task(t) =
        to_proto::change_data(&Item::Task(Box::new(model)), &stored, V14_1).unwrap()
    else {
        panic!()
    };
    assert_eq!(t.due_date.as_deref(), Some("2026-10-01T00:00:00.000Z"));
    assert_eq!(t.ordinal_date.as_deref(), Some("2026-09-01T00:00:00.000Z"));
}

#[test]
fn what_cannot_be_sent_is_an_error_that_says_why() {
    let mail = Item::Email(Box::default());
    assert_eq!(
        to_proto::application_data(&mail, V16_1, Mode::Add),
        Err(ToProtoError::Unsupported { class: "Email" })
    );
    let mut e = series();
    e.start_time = None;
    let err = to_proto::application_data(&Item::Event(Box::new(e)), V14_1, Mode::Add).unwrap_err();
    assert_eq!(err.to_string(), "StartTime is required");
    let mut e = series();
    e.end_time = Some("tomorrow".into());
    let err = to_proto::application_data(&Item::Event(Box::new(e)), V14_1, Mode::Add).unwrap_err();
    assert_eq!(
        err.to_string(),
        "EndTime \"tomorrow\" is not a date and time"
    );
    let t = Task {
        recurrence: Some(Recurrence::default()),
        ..Task::default()
    };
    assert!(matches!(
        to_proto::application_data(&Item::Task(Box::new(t)), V14_1, Mode::Add),
        Err(ToProtoError::Missing { .. })
    ));
}

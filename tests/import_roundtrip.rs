//! Property tests of the two new mappings, over items from seeded generators
//! (`import_roundtrip/items.rs`): model → export (the existing vCard / iCalendar / VTODO
//! writers) → import → model is the identity; and model → `sync::to_proto` → WBXML →
//! `sync::convert` → model is the identity up to what the protocol version does not carry,
//! each such difference spelled out in `over_the_wire`.

#[path = "import_roundtrip/items.rs"]
mod items;

use easync::export::{ical, todo, tz, vcard};
use easync::import;
use easync::model::{Event, Exception, Item, Task};
use easync::proto::ProtocolVersion::{self, V14_1, V16_1};
use easync::proto::classes::{ApplicationData, ItemClass};
use easync::proto::write::Writer;
use easync::sync::convert;
use easync::sync::to_proto::{self, Mode, Occurrence};
use items::Rng;

const CASES: u64 = 300;

/// Runs `check` on `CASES` items; a failure names its seed.
fn cases<T: std::fmt::Debug>(make: fn(&mut Rng) -> T, check: impl Fn(&T)) -> u64 {
    let mut ran = 0;
    for seed in 1..=CASES {
        let item = make(&mut Rng::new(seed));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&item)));
        if outcome.is_err() {
            panic!("seed {seed} failed: {item:#?}");
        }
        ran += 1;
    }
    ran
}

fn data(item: &Item, version: ProtocolVersion, mode: Mode) -> ApplicationData {
    to_proto::application_data(item, version, mode).expect("a generated item converts")
}

/// The model of a proto item, as `sync::convert` maps a received one (what the exports write
/// from).
fn model_of(data: ApplicationData) -> Item {
    convert::record("1:1", &data).unwrap().item
}

/// Through WBXML and back into the model, as a received item would be.
fn wire(data: &ApplicationData, class: ItemClass) -> Item {
    let mut w = Writer::new("test");
    data.write(&mut w).unwrap();
    let bytes = w.finish().unwrap();
    let back = ApplicationData::decode("test", &bytes, Some(class)).unwrap();
    convert::record("1:1", &back).unwrap().item
}

#[test]
fn contacts_survive_the_vcard_files_both_versions() {
    let ran = cases(items::contact, |c| {
        let Item::Contact(_) = Item::Contact(Box::new(c.clone())) else {
            unreachable!()
        };
        let Item::Contact(p) =
            model_of(data(&Item::Contact(Box::new(c.clone())), V14_1, Mode::Add))
        else {
            panic!("not a contact")
        };
        for v4 in [false, true] {
            let text = vcard::write(&vcard::contact(&p, "uid-1", v4), v4);
            let (back, uid) = import::vcard::contact(&text).unwrap();
            assert_eq!(uid.as_deref(), Some("uid-1"));
            assert_eq!(
                &back,
                c,
                "vCard {}:\n{text}",
                if v4 { "4.0" } else { "3.0" }
            );
        }
    });
    assert_eq!(ran, CASES);
}

#[test]
fn contacts_survive_the_wire() {
    cases(items::contact, |c| {
        for version in [V14_1, V16_1] {
            let item = Item::Contact(Box::new(c.clone()));
            assert_eq!(
                wire(&data(&item, version, Mode::Add), ItemClass::Contacts),
                item
            );
        }
    });
}

/// The VCALENDAR the calendar export writes for an event, as a store would hold it (the 14.x
/// form, with the organizer; "working elsewhere" as a 16.x server sends it).
fn ics(e: &Event) -> String {
    let ApplicationData::Event(mut p) = data(&Item::Event(Box::new(e.clone())), V14_1, Mode::Add)
    else {
        panic!("not an event")
    };
    p.busy_status = e.busy_status;
    let Item::Event(mut p) = model_of(ApplicationData::Event(p)) else {
        panic!("not an event")
    };
    p.exceptions.clone_from(&e.exceptions);
    let zone = tz::resolve(p.time_zone.as_ref());
    let uid = e.uid.clone().unwrap();
    let parts = ical::event_components(&p, &uid, zone.clone());
    ical::calendar(vec![(parts, zone)]).to_string()
}

#[test]
fn events_survive_the_ics_files() {
    let ran = cases(items::event, |e| {
        let text = ics(e);
        let back = import::ical::events(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
        assert_eq!(back.len(), 1, "{text}");
        assert_eq!(back[0].1, e.uid);
        let mut want = e.clone();
        want.exceptions
            .sort_by(|a, b| a.original_start.cmp(&b.original_start));
        assert_eq!(back[0].0, want, "\n{text}");
    });
    assert_eq!(ran, CASES);
}

/// An occurrence that moves carries its start and end both (an exception's missing end is the
/// series' first end, MS-ASCAL 2.2.2.20).
fn both_times(e: &Event) -> Vec<Exception> {
    let t = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").unwrap();
    let length = t(e.end_time.as_deref().unwrap()) - t(e.start_time.as_deref().unwrap());
    let mut x = e.exceptions.clone();
    for x in x
        .iter_mut()
        .filter(|x| x.start_time.is_some() || x.end_time.is_some())
    {
        let start = x.start_time.clone().or(x.original_start.clone()).unwrap();
        let end = x.end_time.clone().unwrap_or_else(|| {
            (t(&start) + length)
                .and_utc()
                .format("%Y%m%dT%H%M%SZ")
                .to_string()
        });
        (x.start_time, x.end_time) = (Some(start), Some(end));
    }
    x
}

/// What an event is after the wire on `version`, sent as `mode`: 16.x carries no organizer,
/// no attendee answers, an AttendeeType always, no UID on a Change and no exceptions (they go
/// as occurrences); 14.x has no "working elsewhere"; a zone-less timed event goes in UTC,
/// every attendee has a name, and a moved occurrence has both its times.
fn over_the_wire(e: &Event, version: ProtocolVersion, mode: Mode) -> Event {
    let mut w = e.clone();
    w.exceptions = both_times(e);
    let v16 = version.is_16();
    for a in &mut w.attendees {
        a.name = a.name.clone().or_else(|| a.email.clone());
        if v16 {
            a.status = None;
            a.kind = Some(a.kind.unwrap_or(1));
        }
    }
    if w.time_zone.is_none() && !(v16 && w.all_day == Some(true)) {
        w.time_zone = Some(Default::default());
    }
    if v16 {
        (w.organizer_email, w.organizer_name) = (None, None);
        w.exceptions.clear();
        if mode == Mode::Change {
            w.uid = None;
        }
    } else if w.busy_status == Some(4) {
        w.busy_status = Some(2);
    }
    w
}

/// The exceptions of a 16.x series as its occurrences bring them back.
fn from_occurrences(occ: &[Occurrence]) -> Vec<Exception> {
    occ.iter()
        .map(|o| match o {
            Occurrence::Delete { instance_id } => Exception {
                original_start: Some(instance_id.clone()),
                deleted: true,
                ..Exception::default()
            },
            Occurrence::Change { instance_id, data } => {
                let ApplicationData::Event(mut p) = data.clone() else {
                    panic!("not an event")
                };
                p.instance_id = Some(instance_id.clone());
                convert::instance(&ApplicationData::Event(p)).unwrap()
            }
        })
        .collect()
}

#[test]
fn events_survive_the_wire_on_14_and_16() {
    cases(items::event, |e| {
        let item = Item::Event(Box::new(e.clone()));
        for (version, mode) in [
            (V14_1, Mode::Add),
            (V14_1, Mode::Change),
            (V16_1, Mode::Add),
            (V16_1, Mode::Change),
        ] {
            let Item::Event(back) = wire(&data(&item, version, mode), ItemClass::Calendar) else {
                panic!("not an event")
            };
            assert_eq!(*back, over_the_wire(e, version, mode), "{version} {mode:?}");
        }
        let occ = to_proto::occurrences(e, V16_1);
        assert_eq!(from_occurrences(&occ), both_times(e), "16.x occurrences");
        assert!(to_proto::occurrences(e, V14_1).is_empty());
    });
}

fn vtodo(t: &Task) -> String {
    let Item::Task(p) = model_of(data(&Item::Task(Box::new(t.clone())), V14_1, Mode::Add)) else {
        panic!("not a task")
    };
    ical::calendar(vec![(vec![todo::todo(&p, "task-1")], tz::Zone::Utc)]).to_string()
}

#[test]
fn tasks_survive_the_ics_files() {
    let ran = cases(items::task, |t| {
        let text = vtodo(t);
        let back = import::ical::tasks(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
        assert_eq!(
            back,
            vec![(t.clone(), Some("task-1".to_string()))],
            "\n{text}"
        );
    });
    assert_eq!(ran, CASES);
}

#[test]
fn tasks_survive_the_wire() {
    cases(items::task, |t| {
        let item = Item::Task(Box::new(t.clone()));
        for version in [V14_1, V16_1] {
            assert_eq!(
                wire(&data(&item, version, Mode::Add), ItemClass::Tasks),
                item
            );
        }
    });
}

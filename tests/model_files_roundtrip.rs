//! The property of issue 12 (deliverable 4): model → iCalendar/vCard → model is the identity
//! on every field we map. Model contacts, events and tasks from seeded generators (the ones of
//! `import_roundtrip/items.rs`, widened here to the fields the model gained for the exports)
//! are written by `export::vcard` / `export::ical` / `export::todo` straight from the model —
//! no protocol value in between — read back by `import`, and compared whole: a field the
//! exporter drops or the import misreads fails the case (its seed is named).
//!
//! What one direction cannot carry is listed in [`NOT_CARRIED`] with the reason, and cleared
//! from the expected value by [`expected_event`] / [`expected_task`] — never skipped silently.

#[path = "import_roundtrip/items.rs"]
#[allow(dead_code)]
mod items;

use easync::export::{ical, todo, tz, vcard};
use easync::import;
use easync::model::{Contact, Event, Recurrence, Task};
use items::Rng;

const CASES: u64 = 300;

/// The model fields the files do not carry back, and why.
const NOT_CARRIED: [(&str, &str); 6] = [
    (
        "Event.dt_stamp",
        "DTSTAMP is the file's stamp (RFC 5545 3.8.7.2): written from it, the epoch without \
         one; the import leaves it to the server",
    ),
    (
        "Event.meeting_status, Event.response_type",
        "no iCalendar property: the export writes neither (the generators leave them unset)",
    ),
    (
        "Event.online_meeting_link",
        "not written by the export (the generators leave it unset)",
    ),
    (
        "Event.recurring",
        "not a field of its own: whether there is a recurrence (the generators keep it so)",
    ),
    (
        "Task.local_start_date, Task.local_due_date",
        "a VTODO has one DTSTART and one DUE day (the local one where the model has it): \
         the import gives them as start_date / due_date",
    ),
    (
        "Contact.file_as",
        "written as FN only without names (FN is the display name); the generator makes it the \
         display name, which the import reads back as FileAs",
    ),
];

/// Runs `check` on `CASES` generated values; a failure names its seed.
fn cases<T: std::fmt::Debug>(make: fn(&mut Rng) -> T, check: impl Fn(&T)) -> u64 {
    let mut ran = 0;
    for seed in 1..=CASES {
        let value = make(&mut Rng::new(seed));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&value)));
        if outcome.is_err() {
            panic!("seed {seed} failed: {value:#?}");
        }
        ran += 1;
    }
    ran
}

/// A contact with the fields the model gained for the export too (phonetic names, the
/// contacts2 ids).
fn contact(r: &mut Rng) -> Contact {
    let mut c = items::contact(r);
    for field in [
        &mut c.yomi_first_name,
        &mut c.yomi_last_name,
        &mut c.yomi_company_name,
        &mut c.customer_id,
        &mut c.government_id,
        &mut c.account_name,
        &mut c.alias,
    ] {
        *field = r.maybe(30, items::word);
    }
    c
}

/// A first day of the week on some recurrences (WKST).
fn week_start(r: &mut Rng, rec: &mut Option<Recurrence>) {
    if let Some(rec) = rec.as_mut() {
        rec.first_day_of_week = r.maybe(40, |r| r.below(7) as u8);
    }
}

/// An event with a DTSTAMP and, on recurring ones, a first day of the week.
fn event(r: &mut Rng) -> Event {
    let mut e = items::event(r);
    e.dt_stamp = r.maybe(50, |r| {
        items::compact(r.range(1_600_000_000, 1_900_000_000))
    });
    week_start(r, &mut e.recurrence);
    e
}

/// A task with, on recurring ones, a first day of the week.
fn task(r: &mut Rng) -> Task {
    let mut t = items::task(r);
    week_start(r, &mut t.recurrence);
    t
}

/// What the import gives back for `e`: all of it but [`NOT_CARRIED`], the exceptions in the
/// order of their occurrences.
fn expected_event(e: &Event) -> Event {
    let mut want = e.clone();
    want.dt_stamp = None;
    want.exceptions
        .sort_by(|a, b| a.original_start.cmp(&b.original_start));
    want
}

fn expected_task(t: &Task) -> Task {
    Task {
        local_start_date: None,
        local_due_date: None,
        ..t.clone()
    }
}

#[test]
fn not_carried_fields_are_named_with_a_reason() {
    for (field, why) in NOT_CARRIED {
        assert!(!field.is_empty() && why.len() > 20, "{field}: {why}");
    }
}

#[test]
fn model_contacts_are_the_same_after_vcard_3_and_4_files() {
    let ran = cases(contact, |c| {
        for v4 in [false, true] {
            let text = vcard::write(&vcard::contact(c, "uid-1", v4), v4);
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
fn model_events_are_the_same_after_ics_files() {
    let ran = cases(event, |e| {
        let zone = tz::resolve(e.time_zone.as_ref());
        let uid = e.uid.clone().unwrap();
        let parts = ical::event_components(e, &uid, zone.clone());
        let text = ical::calendar(vec![(parts, zone)]).to_string();
        let back = import::ical::events(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
        assert_eq!(back.len(), 1, "{text}");
        assert_eq!(back[0].1, e.uid);
        assert_eq!(back[0].0, expected_event(e), "\n{text}");
    });
    assert_eq!(ran, CASES);
}

#[test]
fn model_tasks_are_the_same_after_vtodo_files() {
    let ran = cases(task, |t| {
        let parts = vec![todo::todo(t, "task-1")];
        let text = ical::calendar(vec![(parts, tz::Zone::Utc)]).to_string();
        let back = import::ical::tasks(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
        assert_eq!(back.len(), 1, "{text}");
        assert_eq!(back[0].0, expected_task(t), "\n{text}");
    });
    assert_eq!(ran, CASES);
}

/// The generators reach every field the roundtrip claims: each new field is set in some case
/// (a field never generated would pass the comparison unexamined).
#[test]
fn the_generators_set_the_fields_the_exports_gained() {
    let contacts: Vec<Contact> = (1..=CASES).map(|s| contact(&mut Rng::new(s))).collect();
    let events: Vec<Event> = (1..=CASES).map(|s| event(&mut Rng::new(s))).collect();
    let tasks: Vec<Task> = (1..=CASES).map(|s| task(&mut Rng::new(s))).collect();
    let some = |n: usize, what: &str| assert!(n > 0, "no case sets {what}");
    some(
        contacts
            .iter()
            .filter(|c| c.yomi_first_name.is_some())
            .count(),
        "yomi_first_name",
    );
    some(
        contacts.iter().filter(|c| c.alias.is_some()).count(),
        "alias",
    );
    let wkst = |r: &Option<Recurrence>| r.as_ref().is_some_and(|r| r.first_day_of_week.is_some());
    some(
        events.iter().filter(|e| wkst(&e.recurrence)).count(),
        "an event's first_day_of_week",
    );
    some(
        tasks.iter().filter(|t| wkst(&t.recurrence)).count(),
        "a task's first_day_of_week",
    );
    some(
        events
            .iter()
            .filter(|e| {
                e.time_zone
                    .as_ref()
                    .is_some_and(|z| z.daylight_date.is_some())
            })
            .count(),
        "a zone's transition rules",
    );
    some(
        events
            .iter()
            .filter(|e| {
                e.time_zone
                    .as_ref()
                    .is_some_and(|z| z.has_dst() && z.standard_name.starts_with("Atlantis"))
            })
            .count(),
        "a zone of its own with daylight time",
    );
}

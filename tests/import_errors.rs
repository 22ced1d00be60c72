//! The import is lenient per property and strict per file: what it cannot read is skipped,
//! a file with nothing usable or with a rule EAS cannot express is an error that names the
//! property, and no input panics (a deterministic mutation loop over the fixtures).

use easync::import::{self, ImportError};

fn cal(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n")
}

fn vevent(lines: &str) -> String {
    cal(&format!("BEGIN:VEVENT\r\nUID:e1\r\n{lines}END:VEVENT\r\n"))
}

#[test]
fn what_is_no_card_or_calendar_says_so() {
    assert!(matches!(
        import::vcard::contact("hello"),
        Err(ImportError::NotVCard(_))
    ));
    assert!(matches!(
        import::ical::events(""),
        Err(ImportError::NotICalendar(_))
    ));
    let only_todo = cal("BEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\n");
    assert_eq!(
        import::ical::events(&only_todo),
        Err(ImportError::NoComponent {
            component: "VEVENT",
            problems: vec![]
        })
    );
}

#[test]
fn an_event_without_dtstart_is_named_in_the_error() {
    let err = import::ical::events(&vevent("SUMMARY:x\r\n")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no usable VEVENT in the file (VEVENT e1 has no DTSTART)"
    );
}

#[test]
fn rules_eas_cannot_express_are_errors_naming_the_rule() {
    for (rule, why) in [
        ("FREQ=HOURLY", "finer than daily"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
        ("FREQ=MONTHLY;BYDAY=MO", "without a position"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "more than one BYMONTHDAY"),
        ("FREQ=WEEKLY;BYDAY=1MO", "a position"),
        ("FREQ=YEARLY;BYMONTH=1,7", "more than one BYMONTH"),
    ] {
        let text = vevent(&format!("DTSTART:20261001T090000Z\r\nRRULE:{rule}\r\n"));
        let err = import::ical::events(&text).unwrap_err();
        let ImportError::Property {
            property,
            value,
            reason,
            ..
        } = &err
        else {
            panic!("{rule}: {err:?}")
        };
        assert_eq!(*property, "RRULE");
        assert!(
            value.contains(rule.split(';').next().unwrap()),
            "{rule}: {value}"
        );
        assert!(reason.contains(why), "{rule}: {reason}");
    }
}

#[test]
fn a_property_that_cannot_be_read_is_skipped_not_fatal() {
    // An unknown zone reads as UTC; a bad TRIGGER, a bad CLASS, an attendee with no address
    // are left out; the event stays.
    let text = vevent(
        "DTSTART;TZID=Nowhere/Land:20261001T090000\r\nDTEND:garbage\r\nCLASS:SECRETIVE\r\n\
         ATTENDEE;CN=Nobody:\r\nBEGIN:VALARM\r\nTRIGGER:soon\r\nEND:VALARM\r\n",
    );
    let events = import::ical::events(&text).unwrap();
    let e = &events[0].0;
    assert_eq!(e.start_time.as_deref(), Some("20261001T090000Z"));
    assert_eq!(
        e.end_time.as_deref(),
        Some("20261001T090000Z"),
        "no usable end: no length"
    );
    assert_eq!(
        (e.sensitivity, e.reminder, e.time_zone.clone()),
        (None, None, None)
    );
    assert!(e.attendees.is_empty());
}

#[test]
fn durations_past_the_calendar_do_not_overflow() {
    let text = vevent(
        "DTSTART:20261001T090000Z\r\nDURATION:P4294967295W\r\nBEGIN:VALARM\r\n\
         TRIGGER:-P4294967295W\r\nEND:VALARM\r\n",
    );
    let e = &import::ical::events(&text).unwrap()[0].0;
    assert_eq!(
        e.end_time, e.start_time,
        "an end past the calendar is no end"
    );
    assert_eq!(e.reminder, None);
    let todo = cal(
        "BEGIN:VTODO\r\nUID:t\r\nDUE:20261001T090000Z\r\nBEGIN:VALARM\r\n\
                    TRIGGER:P4294967295W\r\nEND:VALARM\r\nEND:VTODO\r\n",
    );
    assert_eq!(import::ical::tasks(&todo).unwrap()[0].0.reminder_time, None);
}

#[test]
fn a_timed_floating_event_and_a_fixed_offset_read_as_instants() {
    let floating = import::ical::events(&vevent("DTSTART:20261001T090000\r\n")).unwrap();
    assert_eq!(
        floating[0].0.start_time.as_deref(),
        Some("20261001T090000Z")
    );
    // RFC 5545 has no numeric offsets, but writers send them: read as the instant they name.
    let offset = import::ical::events(&vevent("DTSTART:20261001T090000+0200\r\n")).unwrap();
    assert_eq!(offset[0].0.start_time.as_deref(), Some("20261001T070000Z"));
    assert_eq!(offset[0].0.time_zone, None);
}

#[test]
fn a_card_keeps_what_it_can() {
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nBDAY:not-a-date\r\nPHOTO:data:image/png;base64,!!!\r\n\
                TEL;TYPE=pager:1\r\nTEL;TYPE=pager:2\r\nEMAIL:a@x\r\nEMAIL:b@x\r\nEMAIL:c@x\r\nEMAIL:d@x\r\nEND:VCARD\r\n";
    let (c, uid) = import::vcard::contact(card).unwrap();
    assert_eq!(uid, None);
    assert_eq!(c.file_as.as_deref(), Some("X"));
    assert_eq!((c.birthday, c.photo), (None, None));
    assert_eq!(
        c.phones,
        vec![("pager".to_string(), "1".to_string())],
        "one pager slot"
    );
    assert_eq!(c.emails, ["a@x", "b@x", "c@x"], "three slots");
}

/// xorshift64*, for the mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 8) as usize
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import");
    let mut inputs: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "vcf" || e == "ics"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    inputs.sort();
    let junk = [
        ":",
        ";",
        "\r\n",
        "=",
        ",",
        "\\",
        "T",
        "Z",
        "-",
        "9",
        "BEGIN:VEVENT\r\n",
        "END:VTIMEZONE\r\n",
        "\u{feff}",
        "é",
    ];
    let mut rng = Rng(0x5EED);
    let mut ran = 0;
    for text in &inputs {
        for _ in 0..300 {
            let mut t: Vec<char> = text.chars().collect();
            for _ in 0..1 + rng.next() % 4 {
                let at = rng.next() % (t.len() + 1);
                match rng.next() % 3 {
                    0 => t.truncate(at),
                    1 if at < t.len() => {
                        t.remove(at);
                    }
                    _ => t
                        .splice(at..at, junk[rng.next() % junk.len()].chars())
                        .for_each(drop),
                }
            }
            let t: String = t.into_iter().collect();
            let outcome = std::panic::catch_unwind(|| {
                let _ = import::vcard::contact(&t);
                for (e, _) in import::ical::events(&t).into_iter().flatten() {
                    for v in easync::proto::ProtocolVersion::ALL {
                        let item = easync::model::Item::Event(Box::new(e.clone()));
                        let _ = easync::sync::to_proto::application_data(
                            &item,
                            v,
                            easync::sync::to_proto::Mode::Add,
                        );
                    }
                }
                let _ = import::ical::tasks(&t);
            });
            assert!(outcome.is_ok(), "panicked on:\n{t}");
            ran += 1;
        }
    }
    assert!(ran >= 3000, "ran {ran}");
}

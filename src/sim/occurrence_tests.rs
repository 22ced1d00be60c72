//! A client's change or cancellation of one occurrence of a series on 16.x (a Change or Delete
//! with `airsyncbase:InstanceId`, [`super::occurrences`]), through real encoded requests: the
//! series stays, the occurrence is recorded on it, other devices get exactly the per-instance
//! commands, a fresh device the series and then its occurrences.

use super::dates;
use super::events::{self, Instance};
use super::mail::BodyWanted;
use super::testkit::{Answer, Client, sim};
use super::twoway_tests::{key, statuses};
use super::{InstanceView, Profile};
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;
use crate::proto::classes::calendar::{Event, Recurrence};
use crate::proto::sync::{ClientCommand, ServerCommand};

const V16: ProtocolVersion = ProtocolVersion::V16_1;

/// The seconds of a Compact DateTime.
fn at(compact: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| compact[r].parse::<u32>().unwrap();
    dates::wall(n(0..4) as i32, n(4..6), n(6..8), n(9..11), n(11..13))
}

fn moved(subject: &str, start: i64) -> Event {
    Event {
        subject: Some(subject.into()),
        start_time: Some(dates::compact(start)),
        end_time: Some(dates::compact(start + 1800)),
        ..Event::default()
    }
}

fn change_one(server_id: &str, instance_id: &str, e: Event) -> ClientCommand {
    ClientCommand::Change {
        server_id: server_id.parse().unwrap(),
        instance_id: Some(instance_id.into()),
        data: ApplicationData::Event(Box::new(e)),
    }
}

fn cancel_one(server_id: &str, instance_id: &str) -> ClientCommand {
    ClientCommand::Delete {
        server_id: server_id.parse().unwrap(),
        instance_id: Some(instance_id.into()),
    }
}

/// The commands about `server_id`: `("Add", subject)`, `("Change", InstanceId + subject)`,
/// `("Delete", InstanceId)`, in order.
fn about(a: &Answer, server_id: &str) -> Vec<(&'static str, String)> {
    let Some(c) = a else { return Vec::new() };
    let ev = |d: &ApplicationData| match d {
        ApplicationData::Event(e) => e.as_ref().clone(),
        other => panic!("an event: {other:?}"),
    };
    c.commands
        .iter()
        .filter_map(|cmd| match cmd {
            ServerCommand::Add { server_id: s, data } if s.as_str() == server_id => {
                Some(("Add", ev(data).subject.unwrap_or_default()))
            }
            ServerCommand::Change { server_id: s, data } if s.as_str() == server_id => {
                let e = ev(data);
                let id = e.instance_id.unwrap_or_else(|| "series".into());
                Some(("Change", format!("{id} {}", e.subject.unwrap_or_default())))
            }
            ServerCommand::Delete {
                server_id: s,
                instance_id,
            } if s.as_str() == server_id => Some((
                "Delete",
                instance_id.clone().unwrap_or_else(|| "all".into()),
            )),
            _ => None,
        })
        .collect()
}

/// Everything a device syncing `folder` from key 0 gets.
fn fresh(c: &Client, folder: &str) -> Answer {
    let k0 = c.sync_one(folder, "0", 512).unwrap().sync_key.unwrap();
    c.sync_one(folder, k0.as_str(), 512)
}

#[test]
fn one_occurrence_changed_and_one_cancelled_keep_the_series_and_reach_other_devices() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V16);
    let b = a.as_device("B");
    let (ka, kb) = (a.prime("calendar"), b.prime("calendar"));
    // calendar:10 recurs weekly; the server moved its occurrence 2 and cancelled 3 itself.
    let want = BodyWanted::default();
    let (series, generated) = events::event(1, "calendar", 10, 0, true, &want);
    assert!(!events::embeds_exceptions(10));
    let [
        Instance::Changed(_),
        Instance::Deleted { instance_id: gone },
    ] = generated.as_slice()
    else {
        panic!("{generated:?}");
    };
    let start = at(series.start_time.as_deref().unwrap());
    let week = 7 * 86_400;
    let (second, fifth) = (
        dates::compact(start + 2 * week),
        dates::compact(start + 5 * week),
    );
    let before = sim.item("calendar:10").unwrap();

    let r = a.send(
        "calendar",
        &ka,
        vec![
            change_one(
                "calendar:10",
                &second,
                moved("Später", start + 2 * week + 3600),
            ),
            cancel_one("calendar:10", &fifth),
        ],
    );
    assert!(statuses(&r).is_empty(), "Status 1: {r:?}");
    let after = sim.item("calendar:10").unwrap();
    assert_eq!(after.subject, before.subject, "the series stays");
    assert_eq!(after.version, before.version + 2);
    let later = dates::compact(start + 2 * week + 3600);
    assert_eq!(
        sim.instances("calendar:10").unwrap(),
        vec![
            InstanceView {
                instance_id: second.clone(),
                deleted: false,
                subject: Some("Später".into()),
                start_time: Some(later),
                end_time: Some(dates::compact(start + 2 * week + 5400)),
            },
            InstanceView {
                instance_id: fifth.clone(),
                deleted: true,
                subject: None,
                start_time: None,
                end_time: None,
            },
        ]
    );

    // Not sent back to A; B gets exactly the two per-instance commands, no series.
    assert!(a.sync_one("calendar", &key(&r), 100).is_none());
    let rb = b.sync_one("calendar", &kb, 100);
    let per_instance = vec![
        ("Change", format!("{second} Später")),
        ("Delete", fifth.clone()),
    ];
    assert_eq!(about(&rb, "calendar:10"), per_instance);
    assert_eq!(rb.as_ref().unwrap().commands.len(), 2, "{rb:?}");

    // B cancels another one: A gets only that, B nothing back, A's two are still recorded.
    let sixth = dates::compact(start + 6 * week);
    let rb = b.send(
        "calendar",
        &key(&rb),
        vec![cancel_one("calendar:10", &sixth)],
    );
    assert!(statuses(&rb).is_empty(), "{rb:?}");
    let ra = a.sync_one("calendar", &key(&r), 100);
    assert_eq!(about(&ra, "calendar:10"), vec![("Delete", sixth.clone())]);
    assert!(b.sync_one("calendar", &key(&rb), 100).is_none());
    assert_eq!(sim.instances("calendar:10").unwrap().len(), 3);

    // A fresh device gets the series as it was, its generated cancellation (the generated
    // move of the same occurrence gives way to the client's), then the client's two.
    let subject = series.subject.clone().unwrap();
    let mut all = vec![("Add", subject), ("Delete", gone.clone())];
    all.extend(per_instance);
    all.push(("Delete", sixth));
    assert_eq!(
        about(&fresh(&a.as_device("C"), "calendar"), "calendar:10"),
        all
    );
}

#[test]
fn a_series_the_client_wrote_records_its_occurrences_too() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V16);
    let b = a.as_device("B");
    let kb = b.prime("calendar");
    let start = dates::wall(2026, 10, 5, 8, 0);
    let series = Event {
        recurrence: Some(Recurrence {
            recurrence_type: Some(0),
            interval: Some(1),
            occurrences: Some(10),
            ..Recurrence::default()
        }),
        ..moved("Standup", start)
    };
    let add = ClientCommand::Add {
        client_id: "c1".into(),
        data: ApplicationData::Event(Box::new(series)),
    };
    let r = a.send("calendar", &a.prime("calendar"), vec![add]);
    let added = statuses(&r);
    let [(ids, 1)] = added.as_slice() else {
        panic!("{r:?}");
    };
    let sid = ids.trim_start_matches("c1:").to_string();
    let kb = key(&b.sync_one("calendar", &kb, 100));
    let third = dates::compact(start + 2 * 86_400);
    let r = a.send("calendar", &key(&r), vec![cancel_one(&sid, &third)]);
    assert!(statuses(&r).is_empty(), "{r:?}");
    let v = sim.item(&sid).unwrap();
    assert_eq!((v.subject.as_deref(), v.version), (Some("Standup"), 1));
    assert_eq!(sim.instances(&sid).unwrap().len(), 1);
    assert_eq!(
        about(&b.sync_one("calendar", &kb, 100), &sid),
        vec![("Delete", third.clone())]
    );
    let all = vec![("Add", "Standup".to_string()), ("Delete", third)];
    assert_eq!(about(&fresh(&b.as_device("C"), "calendar"), &sid), all);
}

#[test]
fn an_occurrence_of_a_series_not_there_is_8_and_outside_16_calendars_4() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V16);
    let k = a.prime("calendar");
    let id = "20261026T090000Z";
    let r = a.send(
        "calendar",
        &k,
        vec![
            change_one("calendar:99", id, moved("x", 0)),
            cancel_one("calendar:99", id),
            cancel_one("calendar:11", id), // a single event, no series
        ],
    );
    let eight = |s: &str| (s.to_string(), 8);
    assert_eq!(
        statuses(&r),
        vec![
            eight("calendar:99"),
            eight("calendar:99"),
            eight("calendar:11")
        ]
    );
    assert!(sim.item("calendar:11").is_ok(), "not deleted");
    let kc = a.prime("contacts");
    let r = a.send("contacts", &kc, vec![cancel_one("contacts:1", id)]);
    assert_eq!(statuses(&r), vec![("contacts:1".into(), 4)]);
    assert!(sim.item("contacts:1").is_ok(), "not deleted");
    let old = Client::new(&sim, ProtocolVersion::V14_1).as_device("Old");
    let k = old.prime("calendar");
    let r = old.send("calendar", &k, vec![cancel_one("calendar:10", id)]);
    assert_eq!(statuses(&r), vec![("calendar:10".into(), 4)]);
    assert!(sim.instances("calendar:10").unwrap().is_empty());
}

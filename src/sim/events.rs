//! Generated calendar items (MS-ASCAL 2.2.2): meetings at local hours in four real zones, all-day
//! events, and one recurring series in ten — daily, weekly, monthly, monthly on the nth weekday,
//! yearly, yearly on the nth weekday — each with a moved and a deleted occurrence. On 14.x the
//! exceptions are embedded (`Exceptions`, named by `ExceptionStartTime`); on 16.x half the
//! series embed them named by `InstanceId` and the other half send them as separate
//! per-instance commands keyed by `InstanceId` (MS-ASCMD 2.2.3.87), and all-day events are
//! floating dates without a zone.

use super::dates::{self, ZONES, Zone};
use super::mail::BodyWanted;
use super::rng::Rng;
use crate::proto::classes::List;
use crate::proto::classes::airsyncbase::{Body, Location};
use crate::proto::classes::calendar::{Attendee, Category, Event, Exception, Recurrence};

/// A change of one occurrence, sent after its series on 16.x.
#[derive(Debug, Clone, PartialEq)]
pub enum Instance {
    Changed(Box<Event>),
    Deleted { instance_id: String },
}

/// The local start of the series and how it repeats.
struct Series {
    idx: u32,
    zone: Zone,
    date: (i32, u32, u32),
    hour: u32,
    minutes: u32,
    recurrence: Option<Recurrence>,
}

const RECURRENCE_TYPES: [u8; 6] = [0, 1, 2, 3, 5, 6];

fn series(seed: u64, folder: &str, idx: u32) -> Series {
    let mut rng = Rng::for_item(seed, folder, idx, 0);
    let zone = ZONES[idx as usize % ZONES.len()];
    let day0 = dates::days_from_civil(2026, 10, 1) + i64::from(idx % 150);
    let (y, m, mut d) = dates::civil_from_days(day0);
    let hour = rng.range(8, 18) as u32;
    let minutes = *rng.pick(&[30, 60, 90]);
    if !idx.is_multiple_of(10) {
        return Series {
            idx,
            zone,
            date: (y, m, d),
            hour,
            minutes,
            recurrence: None,
        };
    }
    let kind = RECURRENCE_TYPES[(idx / 10) as usize % RECURRENCE_TYPES.len()];
    let week = 1 + (idx / 60) % 4;
    d = if matches!(kind, 3 | 6) {
        dates::nth_weekday(y, m, week, dates::weekday(day0))
    } else {
        d.min(28)
    };
    let dow = dates::weekday(dates::days_from_civil(y, m, d));
    let mut r = Recurrence {
        recurrence_type: Some(kind),
        interval: Some(if matches!(kind, 5 | 6) {
            1
        } else {
            1 + (idx / 20) as u16 % 2
        }),
        first_day_of_week: Some(1),
        ..Recurrence::default()
    };
    if idx.is_multiple_of(20) {
        r.occurrences = Some(12);
    } else {
        let until = zone.to_utc(dates::wall(y + 2, m, d, 23, 59));
        r.until = Some(dates::compact(until));
    }
    match kind {
        1 => r.day_of_week = Some(1 << dow),
        2 => r.day_of_month = Some(d as u8),
        3 => (r.week_of_month, r.day_of_week) = (Some(week as u8), Some(1 << dow)),
        5 => (r.day_of_month, r.month_of_year) = (Some(d as u8), Some(m as u8)),
        6 => {
            r.week_of_month = Some(week as u8);
            r.day_of_week = Some(1 << dow);
            r.month_of_year = Some(m as u8);
        }
        _ => {}
    }
    Series {
        idx,
        zone,
        date: (y, m, d),
        hour,
        minutes,
        recurrence: Some(r),
    }
}

impl Series {
    /// The local date of occurrence `k` (0 = the first).
    fn occurrence(&self, k: u32) -> (i32, u32, u32) {
        let Some(r) = &self.recurrence else {
            return self.date;
        };
        let (y, m, d) = self.date;
        let step = u32::from(r.interval.unwrap_or(1)) * k;
        let add_months = |n: u32| {
            let total = (m - 1 + n) as i32;
            (y + total / 12, (total % 12) as u32 + 1)
        };
        let day0 = dates::days_from_civil(y, m, d);
        match r.recurrence_type.unwrap_or(0) {
            0 => dates::civil_from_days(day0 + i64::from(step)),
            1 => dates::civil_from_days(day0 + 7 * i64::from(step)),
            2 => add_months(step).pipe(|(y, m)| (y, m, d)),
            3 => add_months(step).pipe(|(y, m)| {
                let w = u32::from(r.week_of_month.unwrap_or(1));
                (y, m, dates::nth_weekday(y, m, w, dates::weekday(day0)))
            }),
            5 => (y + step as i32, m, d),
            _ => {
                let w = u32::from(r.week_of_month.unwrap_or(1));
                let y = y + step as i32;
                (y, m, dates::nth_weekday(y, m, w, dates::weekday(day0)))
            }
        }
    }

    fn start_utc(&self, k: u32, shift_minutes: i64) -> i64 {
        let (y, m, d) = self.occurrence(k);
        self.zone.to_utc(dates::wall(y, m, d, self.hour, 0)) + shift_minutes * 60
    }
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

const TITLES: [&str; 6] = [
    "Jour fixe",
    "Sprint review",
    "Réunion d'équipe",
    "Kundentermin München",
    "1:1 with Zoë",
    "プロジェクト定例",
];

fn attendees(rng: &mut Rng) -> Vec<Attendee> {
    let people = [
        ("Zoë Åkesson", "zoe.akesson@example.test"),
        ("José Núñez", "jose.nunez@example.test"),
        ("Room Everest", "everest@example.test"),
    ];
    (0..rng.range(0, 4) as usize)
        .map(|i| Attendee {
            name: Some(people[i].0.into()),
            email: Some(people[i].1.into()),
            attendee_status: Some(*rng.pick(&[0, 2, 3, 4, 5])),
            attendee_type: Some(if i == 2 { 3 } else { 1 + i as u8 }),
            ..Attendee::default()
        })
        .collect()
}

/// The event at `idx` of `folder`, and on 16.x its per-instance changes.
pub fn event(
    seed: u64,
    folder: &str,
    idx: u32,
    version: u32,
    v16: bool,
    want: &BodyWanted,
) -> (Event, Vec<Instance>) {
    let s = series(seed, folder, idx);
    let mut rng = Rng::for_item(seed, folder, idx, 1);
    let mut subject = format!("{} #{idx}", rng.pick(&TITLES));
    if version > 0 {
        subject.push_str(&format!(" (updated {version})"));
    }
    let all_day = idx % 10 == 3;
    let description = format!("Agenda for {subject}:\r\n1. Zahlen & Ziele\r\n2. Questions <open>");
    let mut e = Event {
        busy_status: Some(if all_day { 0 } else { 2 }),
        organizer_name: Some("Demo User".into()),
        organizer_email: Some("demo@easync.test".into()),
        dt_stamp: Some(dates::compact(dates::wall(2026, 9, 1, 12, 0))),
        reminder: (idx.is_multiple_of(2)).then_some(15),
        sensitivity: Some(if idx.is_multiple_of(9) { 2 } else { 0 }),
        subject: Some(subject),
        uid: Some(format!("sim-{seed}-{folder}-{idx}@easync.test")),
        categories: (idx.is_multiple_of(4)).then(|| List::from(vec![Category("Projekt α".into())])),
        body: Some(Body {
            body_type: Some(1),
            estimated_data_size: Some(description.len() as u32),
            data: Some(description).filter(|_| want.body_type != 0),
            ..Body::default()
        }),
        ..Event::default()
    };
    let place = "Raum „Zugspitze“, 3. OG";
    if v16 {
        e.location16 = Some(Location {
            display_name: Some(place.into()),
            ..Location::default()
        });
    } else {
        e.location = Some(place.into());
    }
    let people = attendees(&mut rng);
    e.meeting_status = Some(if people.is_empty() { 0 } else { 1 });
    if !people.is_empty() {
        e.attendees = Some(List::from(people));
    }
    if all_day {
        let (y, m, d) = s.date;
        let start = dates::wall(y, m, d, 0, 0);
        e.all_day_event = Some(true);
        if v16 {
            e.start_time = Some(dates::compact(start));
            e.end_time = Some(dates::compact(start + 86_400));
        } else {
            e.timezone = Some(s.zone.blob());
            e.start_time = Some(dates::compact(s.zone.to_utc(start)));
            e.end_time = Some(dates::compact(s.zone.to_utc(start + 86_400)));
        }
        return (e, Vec::new());
    }
    e.all_day_event = Some(false);
    e.timezone = Some(s.zone.blob());
    let start = s.start_utc(0, 0);
    e.start_time = Some(dates::compact(start));
    e.end_time = Some(dates::compact(start + i64::from(s.minutes) * 60));
    let Some(recurrence) = s.recurrence.clone() else {
        return (e, Vec::new());
    };
    e.recurrence = Some(recurrence);
    exceptions(&s, e, v16, version)
}

/// Whether the generated item at `idx` of `folder` is a recurring series.
pub fn recurs(seed: u64, folder: &str, idx: u32) -> bool {
    series(seed, folder, idx).recurrence.is_some()
}

/// Whether a 16.x series carries its exceptions embedded, each named by `InstanceId` (MS-ASCAL
/// 2.2.2.21, MS-ASAIRS 2.2.2.25), as Exchange sends a series it holds; the others (calendar:10,
/// :30, …) come as per-instance commands after the series (MS-ASCMD 2.2.3.87).
pub fn embeds_exceptions(idx: u32) -> bool {
    (idx / 10).is_multiple_of(2)
}

/// Occurrence 2 moves one hour later with its own subject; occurrence 3 is cancelled. On 14.x
/// both are embedded with `ExceptionStartTime`; on 16.x embedded with `InstanceId` (see
/// [`embeds_exceptions`]) or sent per instance. A changed 16.x series that embeds its exceptions
/// is followed by a per-instance Change of the moved occurrence (a new subject): the client must
/// take it as the same occurrence, so it replaces the embedded entry.
fn exceptions(s: &Series, mut e: Event, v16: bool, version: u32) -> (Event, Vec<Instance>) {
    let (moved_from, deleted) = (s.start_utc(2, 0), s.start_utc(3, 0));
    let moved = s.start_utc(2, 60);
    let subject = format!("{} (moved)", e.subject.as_deref().unwrap_or_default());
    let end = moved + i64::from(s.minutes) * 60;
    // The sim writes InstanceId as an MS-ASDTYPE dateTime, in both the embedded and the
    // per-instance form (one server, one format).
    let (key, key_deleted) = if v16 {
        (dates::iso(moved_from), dates::iso(deleted))
    } else {
        (dates::compact(moved_from), dates::compact(deleted))
    };
    let change = Event {
        instance_id: Some(key.clone()),
        subject: Some(subject.clone()),
        start_time: Some(dates::compact(moved)),
        end_time: Some(dates::compact(end)),
        ..Event::default()
    };
    if v16 && !embeds_exceptions(s.idx) {
        let gone = Instance::Deleted {
            instance_id: key_deleted,
        };
        return (e, vec![Instance::Changed(Box::new(change)), gone]);
    }
    let named = |x: Exception, k: String| {
        if v16 {
            Exception {
                instance_id: Some(k),
                ..x
            }
        } else {
            Exception {
                exception_start_time: Some(k),
                ..x
            }
        }
    };
    let moved_exception = Exception {
        subject: Some(subject.clone()),
        start_time: Some(dates::compact(moved)),
        end_time: Some(dates::compact(end)),
        ..Exception::default()
    };
    let cancelled = Exception {
        deleted: Some(true),
        ..Exception::default()
    };
    e.exceptions = Some(List::from(vec![
        named(moved_exception, key),
        named(cancelled, key_deleted),
    ]));
    let mut later = Vec::new();
    if v16 && version > 0 {
        let again = Event {
            subject: Some(format!("{subject} again")),
            ..change
        };
        later.push(Instance::Changed(Box::new(again)));
    }
    (e, later)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(idx: u32, v16: bool) -> (Event, Vec<Instance>) {
        event(3, "cal", idx, 0, v16, &BodyWanted::default())
    }

    #[test]
    fn one_in_ten_recurs_with_a_moved_and_a_deleted_occurrence() {
        let (e, inst) = ev(10, false);
        assert!(e.recurrence.is_some() && inst.is_empty());
        let ex = e.exceptions.unwrap().items;
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[1].deleted, Some(true));
        let (e16, inst16) = ev(10, true);
        assert!(e16.exceptions.is_none() && e16.location16.is_some());
        assert_eq!(inst16.len(), 2);
        assert!(ev(11, false).0.recurrence.is_none());
    }

    #[test]
    fn a_16_series_embeds_its_exceptions_by_instance_id_and_later_changes_one_per_instance() {
        let (e, inst) = ev(20, true);
        let ex = e.exceptions.unwrap().items;
        assert!(inst.is_empty());
        assert_eq!(ex.len(), 2);
        assert!(ex.iter().all(|x| x.exception_start_time.is_none()));
        assert_eq!(ex[1].deleted, Some(true));
        let (_, later) = event(3, "cal", 20, 1, true, &BodyWanted::default());
        let [Instance::Changed(change)] = later.as_slice() else {
            panic!("one per-instance change: {later:?}");
        };
        assert_eq!(change.instance_id, ex[0].instance_id, "the same occurrence");
        // 14.x names the same occurrences by ExceptionStartTime.
        let old = ev(20, false).0.exceptions.unwrap().items;
        assert!(old.iter().all(|x| x.instance_id.is_none()));
        assert_eq!(old[0].start_time, ex[0].start_time);
    }

    #[test]
    fn occurrences_follow_their_rule() {
        for idx in (0..600).step_by(10) {
            let s = series(3, "cal", idx);
            let r = s.recurrence.as_ref().unwrap();
            let (y, m, d) = s.occurrence(2);
            let day = dates::days_from_civil(y, m, d);
            let first = dates::days_from_civil(s.date.0, s.date.1, s.date.2);
            match r.recurrence_type.unwrap() {
                1 => assert_eq!(dates::weekday(day), dates::weekday(first)),
                2 | 5 => assert_eq!(d, s.date.2),
                3 | 6 => assert_eq!(dates::weekday(day), dates::weekday(first), "idx {idx}"),
                _ => assert!(day > first),
            }
            assert!(day > first);
        }
    }

    #[test]
    fn all_day_events_are_floating_on_16() {
        let (e, _) = ev(3, true);
        assert_eq!(e.all_day_event, Some(true));
        assert!(e.timezone.is_none());
        assert!(e.start_time.unwrap().ends_with("T000000Z"));
        assert!(ev(3, false).0.timezone.is_some());
    }
}

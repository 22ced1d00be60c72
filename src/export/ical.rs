//! An event (the model of MS-ASCAL 2.2.2) as iCalendar (RFC 5545), written by calcard: the series
//! and its changed occurrences in one VCALENDAR (RECURRENCE-ID overrides, cancelled ones as
//! EXDATE — from 14.x embedded exceptions and 16.x per-instance changes alike, both kept in the
//! store's `exceptions`), local times in the item's zone ([`super::tz`]) with its VTIMEZONE,
//! all-day events as DATE values, RRULE from the EAS recurrence, attendees, organizer, a VALARM
//! from the reminder, class, transparency and busy status.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarClassification, ICalendarComponent, ICalendarComponentType,
    ICalendarDuration, ICalendarEntry, ICalendarParameter, ICalendarParticipationRole,
    ICalendarParticipationStatus, ICalendarProperty as P, ICalendarTransparency, ICalendarValue,
    ICalendarValueType,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::rrule::rrule;
use super::tz::Zone;
use crate::model::{Event, Exception};

/// `20261002T090000Z` (MS-ASCAL) or `2026-10-02T09:00:00.000Z` (MS-ASDTYPE, 16.x InstanceId).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    Some(naive.and_utc())
}

/// How the item's times are written: in its zone, or as dates.
pub(super) struct Clock {
    pub(super) zone: Zone,
    pub(super) all_day: bool,
}

impl Clock {
    /// A property with a time in this clock (TZID or Z or VALUE=DATE).
    fn entry(&self, p: P, t: DateTime<Utc>) -> ICalendarEntry {
        let mut e = ICalendarEntry::new(p);
        if self.all_day {
            let date = self.local(t).date();
            let ts = date
                .and_hms_opt(0, 0, 0)
                .map_or(0, |d| d.and_utc().timestamp());
            e.params
                .push(ICalendarParameter::value(ICalendarValueType::Date));
            return e.with_value(PartialDateTime::from_date_timestamp(ts));
        }
        match &self.zone {
            Zone::Utc => e.with_value(PartialDateTime::from_utc_timestamp(t.timestamp())),
            Zone::Iana(z) => {
                e.params
                    .push(ICalendarParameter::tzid(z.name().to_string()));
                e.with_value(PartialDateTime::from_naive_timestamp(
                    self.local(t).and_utc().timestamp(),
                ))
            }
            Zone::Custom { id, .. } => {
                e.params.push(ICalendarParameter::tzid(id.clone()));
                e.with_value(PartialDateTime::from_naive_timestamp(
                    self.local(t).and_utc().timestamp(),
                ))
            }
        }
    }

    pub(super) fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match &self.zone {
            // 16.x all-day events are floating dates sent as midnight UTC.
            Zone::Utc => t.naive_utc(),
            Zone::Iana(z) => t.with_timezone(z).naive_local(),
            Zone::Custom { tz, .. } => {
                (t + chrono::Duration::seconds(tz.offset_at(t).into())).naive_utc()
            }
        }
    }
}

fn text(p: P, v: &str) -> ICalendarEntry {
    ICalendarEntry::new(p).with_value(v.replace("\r\n", "\n").replace('\r', "\n"))
}

fn attendee(
    email: &str,
    name: Option<&str>,
    role: ICalendarParticipationRole,
    status: Option<ICalendarParticipationStatus>,
) -> ICalendarEntry {
    let mut e = ICalendarEntry::new(P::Attendee).with_value(format!("mailto:{email}"));
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        e.params.push(ICalendarParameter::cn(n.to_string()));
    }
    e.params.push(ICalendarParameter::role(role));
    if let Some(s) = status {
        e.params.push(ICalendarParameter::partstat(s));
    }
    e
}

/// The properties a series and its overrides share.
fn common(ev: &Event, uid: &str) -> Vec<ICalendarEntry> {
    let mut e = vec![text(P::Uid, uid)];
    let stamp = ev
        .dt_stamp
        .as_deref()
        .and_then(parse_time)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    e.push(
        ICalendarEntry::new(P::Dtstamp)
            .with_value(PartialDateTime::from_utc_timestamp(stamp.timestamp())),
    );
    e
}

/// A VEVENT and its VALARM, if any.
pub type Component = (ICalendarComponent, Option<ICalendarComponent>);

/// The VEVENTs of one item: the series (or single event) first, then its changed occurrences
/// (`ev.exceptions`); alarms are returned beside their event's index.
pub fn event_components(ev: &Event, uid: &str, zone: Zone) -> Vec<Component> {
    let exceptions = &ev.exceptions;
    let clock = Clock {
        zone,
        all_day: ev.all_day == Some(true),
    };
    let (Some(start), Some(end)) = (
        ev.start_time.as_deref().and_then(parse_time),
        ev.end_time.as_deref().and_then(parse_time),
    ) else {
        return Vec::new();
    };
    let location = ev.location.clone();
    let mut master = ICalendarComponent::new(ICalendarComponentType::VEvent);
    master.entries = common(ev, uid);
    master.entries.push(clock.entry(P::Dtstart, start));
    master.entries.push(clock.entry(P::Dtend, end));
    master.entries.extend(describe(ev, location.as_deref()));
    master.entries.extend(people(ev));
    if let Some(rule) = ev.recurrence.as_ref().and_then(|r| rrule(r, &clock)) {
        master
            .entries
            .push(ICalendarEntry::new(P::Rrule).with_value(rule));
        for x in exceptions.iter().filter(|x| x.deleted) {
            if let Some(t) = x.original_start.as_deref().and_then(parse_time) {
                master.entries.push(clock.entry(P::Exdate, t));
            }
        }
    }
    let mut out = vec![(master, alarm(ev))];
    if ev.recurrence.is_some() {
        let series = Series {
            ev,
            uid,
            clock: &clock,
            length: end - start,
            location: location.as_deref(),
        };
        out.extend(
            exceptions
                .iter()
                .filter(|x| !x.deleted)
                .filter_map(|x| series.override_of(x)),
        );
    }
    out
}

/// Summary, location, description, class, transparency and busy status, categories.
fn describe(ev: &Event, location: Option<&str>) -> Vec<ICalendarEntry> {
    let mut e = Vec::new();
    if let Some(s) = ev.subject.as_deref() {
        e.push(text(P::Summary, s));
    }
    if let Some(l) = location.filter(|l| !l.is_empty()) {
        e.push(text(P::Location, l));
    }
    if let Some(d) = ev.description.as_deref().filter(|d| !d.trim().is_empty()) {
        e.push(text(P::Description, d));
    }
    let class = match ev.sensitivity.unwrap_or(0) {
        1 | 2 => ICalendarClassification::Private,
        3 => ICalendarClassification::Confidential,
        _ => ICalendarClassification::Public,
    };
    e.push(ICalendarEntry::new(P::Class).with_value(ICalendarValue::Classification(class)));
    let busy = ev.busy_status.unwrap_or(2);
    let transp = if busy == 0 {
        ICalendarTransparency::Transparent
    } else {
        ICalendarTransparency::Opaque
    };
    e.push(ICalendarEntry::new(P::Transp).with_value(ICalendarValue::Transparency(transp)));
    let cdo = ["FREE", "TENTATIVE", "BUSY", "OOF", "WORKINGELSEWHERE"]
        .get(busy as usize)
        .copied()
        .unwrap_or("BUSY");
    e.push(text(P::Other("X-MICROSOFT-CDO-BUSYSTATUS".into()), cdo));
    let categories: Vec<ICalendarValue> = ev
        .categories
        .iter()
        .map(|c| ICalendarValue::Text(c.clone()))
        .collect();
    if !categories.is_empty() {
        e.push(ICalendarEntry::new(P::Categories).with_values(categories));
    }
    e
}

/// The organizer and the attendees with their roles and answers.
fn people(ev: &Event) -> Vec<ICalendarEntry> {
    let mut e = Vec::new();
    if let Some(org) = ev.organizer_email.as_deref().filter(|o| !o.is_empty()) {
        let mut entry = ICalendarEntry::new(P::Organizer).with_value(format!("mailto:{org}"));
        if let Some(n) = ev.organizer_name.as_deref().filter(|n| !n.is_empty()) {
            entry.params.push(ICalendarParameter::cn(n.to_string()));
        }
        e.push(entry);
    }
    for a in &ev.attendees {
        let Some(email) = a.email.as_deref() else {
            continue;
        };
        let role = match a.kind {
            Some(2) => ICalendarParticipationRole::OptParticipant,
            Some(3) => ICalendarParticipationRole::NonParticipant,
            _ => ICalendarParticipationRole::ReqParticipant,
        };
        let status = match a.status {
            Some(2) => Some(ICalendarParticipationStatus::Tentative),
            Some(3) => Some(ICalendarParticipationStatus::Accepted),
            Some(4) => Some(ICalendarParticipationStatus::Declined),
            Some(5) => Some(ICalendarParticipationStatus::NeedsAction),
            _ => None,
        };
        e.push(attendee(email, a.name.as_deref(), role, status));
    }
    e
}

/// A display alarm `Reminder` minutes before the start.
fn alarm(ev: &Event) -> Option<ICalendarComponent> {
    let minutes = ev.reminder?;
    let mut a = ICalendarComponent::new(ICalendarComponentType::VAlarm);
    a.entries.push(
        ICalendarEntry::new(P::Action).with_value(ICalendarValue::Action(
            calcard::icalendar::ICalendarAction::Display,
        )),
    );
    let trigger = ICalendarDuration {
        neg: true,
        minutes,
        ..Default::default()
    };
    a.entries
        .push(ICalendarEntry::new(P::Trigger).with_value(trigger));
    a.entries.push(text(
        P::Description,
        ev.subject.as_deref().unwrap_or("Reminder"),
    ));
    Some(a)
}

/// A recurring series, for writing its changed occurrences.
struct Series<'a> {
    ev: &'a Event,
    uid: &'a str,
    clock: &'a Clock,
    length: chrono::Duration,
    location: Option<&'a str>,
}

impl Series<'_> {
    /// The override (RECURRENCE-ID) of a changed occurrence; what it does not change is the
    /// series'.
    fn override_of(&self, x: &Exception) -> Option<Component> {
        let original = x.original_start.as_deref().and_then(parse_time)?;
        let s = x
            .start_time
            .as_deref()
            .and_then(parse_time)
            .unwrap_or(original);
        let e = x
            .end_time
            .as_deref()
            .and_then(parse_time)
            .unwrap_or(s + self.length);
        let mut o = ICalendarComponent::new(ICalendarComponentType::VEvent);
        o.entries = common(self.ev, self.uid);
        o.entries.push(self.clock.entry(P::RecurrenceId, original));
        o.entries.push(self.clock.entry(P::Dtstart, s));
        o.entries.push(self.clock.entry(P::Dtend, e));
        if let Some(subject) = x.subject.as_deref().or(self.ev.subject.as_deref()) {
            o.entries.push(text(P::Summary, subject));
        }
        if let Some(l) = x
            .location
            .as_deref()
            .or(self.location)
            .filter(|l| !l.is_empty())
        {
            o.entries.push(text(P::Location, l));
        }
        Some((o, None))
    }
}

/// A VCALENDAR with these items' components and the VTIMEZONEs they use.
pub fn calendar(items: Vec<(Vec<Component>, Zone)>) -> ICalendar {
    let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    root.entries.push(text(P::Version, "2.0"));
    root.entries
        .push(text(P::Prodid, "-//easync//EAS export//EN"));
    let mut cal = ICalendar {
        components: vec![root],
    };
    let mut customs = Vec::new();
    for (components, zone) in items {
        if let Zone::Custom { id, tz } = &zone
            && !customs.contains(id)
        {
            customs.push(id.clone());
            super::tz_component::push_custom(&mut cal, id, tz);
        }
        for (c, alarm) in components {
            let idx = cal.components.len() as u32;
            cal.components.push(c);
            cal.components[0].component_ids.push(idx);
            if let Some(a) = alarm {
                let aidx = cal.components.len() as u32;
                cal.components.push(a);
                cal.components[idx as usize].component_ids.push(aidx);
            }
        }
    }
    cal.add_missing_timezones();
    cal
}

/// The date part of an all-day value (for tests and checks).
pub fn date_of(t: &str) -> Option<NaiveDate> {
    parse_time(t).map(|d| d.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TimeZone, Transition};

    fn event(tz: TimeZone, start: &str, end: &str) -> Event {
        Event {
            time_zone: Some(tz),
            start_time: Some(start.into()),
            end_time: Some(end.into()),
            subject: Some("Atlantis; meeting, \"quoted\"".into()),
            uid: Some("u1".into()),
            ..Event::default()
        }
    }

    /// Berlin's rules (the simulator's first zone) under a name and bias of its own.
    fn atlantis() -> TimeZone {
        let rule = |month, hour| {
            Some(Transition {
                month,
                week: 5,
                day_of_week: 0,
                hour,
                minute: 0,
            })
        };
        TimeZone {
            bias: -75,
            standard_name: "Atlantis Time".into(),
            daylight_name: "W. Europe Daylight Time".into(),
            daylight_bias: -60,
            standard_date: rule(10, 3),
            daylight_date: rule(3, 2),
        }
    }

    #[test]
    fn a_zone_of_its_own_gets_a_vtimezone_from_the_blob() {
        let ev = event(atlantis(), "20260115T090000Z", "20260115T100000Z");
        let zone = super::super::tz::resolve(ev.time_zone.as_ref());
        let text = calendar(vec![(event_components(&ev, "u1", zone.clone()), zone)]).to_string();
        for want in [
            "TZID:easync-Atlantis-Time",
            "BEGIN:DAYLIGHT",
            "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
            "TZOFFSETTO:+0215",
            "DTSTART;TZID=easync-Atlantis-Time:20260115T101500",
            "SUMMARY:Atlantis\\; meeting\\, \"quoted\"",
        ] {
            assert!(text.contains(want), "no {want:?} in\n{text}");
        }
        // calcard parses it back.
        assert!(matches!(
            calcard::Parser::new(&text).entry(),
            calcard::Entry::ICalendar(_)
        ));
    }

    #[test]
    fn times_parse_in_both_eas_formats() {
        let a = parse_time("20261002T090000Z").unwrap();
        assert_eq!(parse_time("2026-10-02T09:00:00.000Z"), Some(a));
        assert_eq!(parse_time("garbage"), None);
        assert_eq!(
            date_of("20261004T000000Z").unwrap().to_string(),
            "2026-10-04"
        );
    }
}

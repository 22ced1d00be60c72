//! One iCalendar file (RFC 5545) into EAS items: its VEVENTs as calendar items (a series and
//! its RECURRENCE-ID overrides as one item whose `exceptions` hold the overrides and the EXDATEs,
//! MS-ASCAL 2.2.2.21), its VTODOs as tasks (MS-ASTASK 2.2.2). Each item comes with its UID.

use calcard::icalendar::{ICalendar, ICalendarComponentType as T, ICalendarProperty as P};

use super::event::{self, Unusable};
use super::zone::Zones;
use super::{ImportError, props, skipped, todo};
use crate::model::{Event, Task};

fn parse(text: &str) -> Result<ICalendar, ImportError> {
    ICalendar::parse(text).map_err(|e| ImportError::NotICalendar(format!("{e:?}")))
}

/// The events of a calendar file, each with its UID.
pub fn events(text: &str) -> Result<Vec<(Event, Option<String>)>, ImportError> {
    let cal = parse(text)?;
    let zones = Zones::new(&cal);
    let mut out: Vec<(Event, Option<String>)> = Vec::new();
    let mut problems = Vec::new();
    let mut overrides = Vec::new();
    for (i, c) in cal.components.iter().enumerate() {
        if c.component_type != T::VEvent {
            continue;
        }
        if c.has_property(&P::RecurrenceId) {
            overrides.push((i, c));
            continue;
        }
        match event::event(&cal, i as u32, c, &zones) {
            Ok(ev) if ev.uid.is_some() && out.iter().any(|(e, _)| e.uid == ev.uid) => {
                skipped(
                    "VEVENT",
                    "UID",
                    format_args!("{:?} twice: the first is kept", ev.uid),
                );
            }
            Ok(ev) => out.push((ev.clone(), ev.uid)),
            Err(Unusable::Skip(why)) => problems.push(why),
            Err(Unusable::Fatal(e)) => return Err(e),
        }
    }
    for (i, c) in overrides {
        let uid = props::uid(c);
        let master = out
            .iter_mut()
            .find(|(e, _)| uid.is_some() && e.uid == uid && e.recurrence.is_some());
        match master {
            Some((m, _)) => {
                if let Some(x) = event::override_of(c, m, &zones)
                    && !m
                        .exceptions
                        .iter()
                        .any(|e| e.original_start == x.original_start)
                {
                    m.exceptions.push(x);
                }
            }
            None => {
                // An override whose series is not in the file: taken as an event of its own.
                skipped(
                    "VEVENT",
                    "RECURRENCE-ID",
                    "no recurring series in the file: read as a single event",
                );
                match event::event(&cal, i as u32, c, &zones) {
                    Ok(ev) => out.push((ev.clone(), ev.uid)),
                    Err(Unusable::Skip(why)) => problems.push(why),
                    Err(Unusable::Fatal(e)) => return Err(e),
                }
            }
        }
    }
    for (e, _) in &mut out {
        e.exceptions
            .sort_by(|a, b| a.original_start.cmp(&b.original_start));
    }
    if out.is_empty() {
        return Err(ImportError::NoComponent {
            component: "VEVENT",
            problems,
        });
    }
    Ok(out)
}

/// The tasks of a calendar file, each with its UID.
pub fn tasks(text: &str) -> Result<Vec<(Task, Option<String>)>, ImportError> {
    let cal = parse(text)?;
    let zones = Zones::new(&cal);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, c) in cal.components.iter().enumerate() {
        if c.component_type != T::VTodo {
            continue;
        }
        if c.has_property(&P::RecurrenceId) {
            skipped(
                "VTODO",
                "RECURRENCE-ID",
                "EAS tasks have no changed occurrences",
            );
            continue;
        }
        match todo::task(&cal, i as u32, c, &zones) {
            Ok(t) => out.push((t, props::uid(c))),
            Err(Unusable::Skip(why)) => problems.push(why),
            Err(Unusable::Fatal(e)) => return Err(e),
        }
    }
    if out.is_empty() {
        return Err(ImportError::NoComponent {
            component: "VTODO",
            problems,
        });
    }
    Ok(out)
}

//! Exporting the stored calendars and tasks: each item (a series with its changed occurrences, a
//! single event, a task) becomes one iCalendar object, into one `.ics` file or vdir collections
//! (khal for events, todoman for tasks).

use super::ical::{self, event_components};
use super::tz::{self, Zone};
use super::{ExportError, Target, export_vdir, fallback_uid, typed_items, vdir};
use crate::model::Exception;
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::store::{RawItem, Store};

/// One calendar export (events, or with `tasks` the task folders as VTODOs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarExport {
    pub target: Target,
    /// Folder names; empty: every folder of the class.
    pub folders: Vec<String>,
    pub tasks: bool,
}

type Parts = Vec<(
    calcard::icalendar::ICalendarComponent,
    Option<calcard::icalendar::ICalendarComponent>,
)>;

/// Every wanted event as (item, UID, components, zone).
fn events(
    db: &Store,
    folders: &[String],
) -> Result<Vec<(RawItem, String, Parts, Zone)>, ExportError> {
    let mut out = Vec::new();
    for (item, data) in typed_items(db, ItemClass::Calendar, folders)? {
        let ApplicationData::Event(ev) = data else {
            continue;
        };
        let exceptions: Vec<Exception> = item
            .exceptions
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        let zone = if ev.all_day_event == Some(true) && ev.timezone.is_none() {
            Zone::Utc
        } else {
            tz::resolve(ev.timezone.as_deref())
        };
        let uid = ev
            .uid
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map_or_else(|| fallback_uid(&item), String::from);
        let parts = event_components(&ev, &exceptions, &uid, zone.clone());
        if !parts.is_empty() {
            out.push((item, uid, parts, zone));
        }
    }
    Ok(out)
}

fn write(cal: &calcard::icalendar::ICalendar) -> String {
    cal.to_string()
}

/// Every wanted task as (item, UID, components, zone).
fn tasks(
    db: &Store,
    folders: &[String],
) -> Result<Vec<(RawItem, String, Parts, Zone)>, ExportError> {
    let mut out = Vec::new();
    for (item, data) in typed_items(db, ItemClass::Tasks, folders)? {
        let ApplicationData::Task(t) = data else {
            continue;
        };
        let uid = fallback_uid(&item);
        let parts = vec![super::todo::todo(&t, &uid)];
        out.push((item, uid, parts, Zone::Utc));
    }
    Ok(out)
}

/// Runs the export; returns a report.
pub fn export(db: &Store, e: &CalendarExport) -> Result<String, ExportError> {
    let (events, noun) = if e.tasks {
        (tasks(db, &e.folders)?, "tasks")
    } else {
        (events(db, &e.folders)?, "events")
    };
    match &e.target {
        Target::File(path) => {
            let n = events.len();
            let all = ical::calendar(events.into_iter().map(|(_, _, p, z)| (p, z)).collect());
            let wrote = vdir::write_if_changed(path, write(&all).as_bytes()).map_err(|source| {
                ExportError::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            Ok(format!(
                "{n} events {}: {}\n",
                if wrote { "written" } else { "unchanged" },
                path.display()
            ))
        }
        Target::Vdir(root) => {
            let items: Vec<(RawItem, String, String)> = events
                .into_iter()
                .map(|(item, uid, parts, zone)| {
                    let text = write(&ical::calendar(vec![(parts, zone)]));
                    (item, uid, text)
                })
                .collect();
            export_vdir(root, &items, "ics", noun)
        }
    }
}

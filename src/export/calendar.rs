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
        // The same UID the mirror's `events.uid` holds (sync::convert): 16.x items a client
        // added carry `ClientUid` instead of `UID`.
        let uid = [ev.uid.as_deref(), ev.client_uid.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|u| !u.is_empty())
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

/// The events (or tasks) of `folders` as one iCalendar text, and how many there are.
pub fn one_calendar(
    db: &Store,
    folders: &[String],
    tasks: bool,
) -> Result<(usize, String), ExportError> {
    let items = if tasks {
        self::tasks(db, folders)?
    } else {
        events(db, folders)?
    };
    let n = items.len();
    let all = ical::calendar(items.into_iter().map(|(_, _, p, z)| (p, z)).collect());
    Ok((n, write(&all)))
}

/// Runs the export; returns a report.
pub fn export(db: &Store, e: &CalendarExport) -> Result<String, ExportError> {
    let noun = if e.tasks { "tasks" } else { "events" };
    match &e.target {
        Target::File(path) => {
            let (n, text) = one_calendar(db, &e.folders, e.tasks)?;
            let wrote = vdir::write_if_changed(path, text.as_bytes()).map_err(|source| {
                ExportError::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            Ok(format!(
                "{n} {noun} {}: {}\n",
                if wrote { "written" } else { "unchanged" },
                path.display()
            ))
        }
        Target::Vdir(root) => {
            let items = if e.tasks {
                tasks(db, &e.folders)?
            } else {
                events(db, &e.folders)?
            };
            let items: Vec<(RawItem, String, String)> = items
                .into_iter()
                .map(|(item, uid, parts, zone)| {
                    let text = write(&ical::calendar(vec![(parts, zone)]));
                    (item, uid, text)
                })
                .collect();
            let class = if e.tasks {
                ItemClass::Tasks
            } else {
                ItemClass::Calendar
            };
            export_vdir(db, (class, &e.folders), root, &items, "ics", noun)
        }
    }
}

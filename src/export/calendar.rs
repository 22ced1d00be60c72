//! Exporting the stored calendars and tasks: each item (a series with its changed occurrences, a
//! single event, a task) becomes one iCalendar object, into one `.ics` file or vdir collections
//! (khal for events, todoman for tasks).

use super::ical::{self, event_components};
use super::tz::{self, Zone};
use super::{ExportError, Target, export_vdir, fallback_uid, model_items, vdir};
use crate::model::{Exception, Item};
use crate::proto::classes::ItemClass;
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
    for (item, data) in model_items(db, ItemClass::Calendar, folders)? {
        let Item::Event(ev) = data else {
            continue;
        };
        if let Some((uid, parts, zone)) = event_parts(&item, *ev) {
            out.push((item, uid, parts, zone));
        }
    }
    Ok(out)
}

/// One event's components (a series with its changed occurrences), its UID and zone; `None`
/// when it has nothing to show.
fn event_parts(item: &RawItem, mut ev: crate::model::Event) -> Option<(String, Parts, Zone)> {
    // The changed and cancelled occurrences as the store merged them: the series' own
    // (14.x embedded, 16.x by InstanceId) with the 16.x per-instance changes laid over.
    ev.exceptions = item
        .exceptions
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<Exception>>(j).ok())
        .unwrap_or_default();
    // No zone (an all-day event's floating dates among them) is UTC.
    let zone = tz::resolve(ev.time_zone.as_ref());
    // The mirror's `events.uid` (sync::convert: `UID`, else a 16.x client's `ClientUid`).
    let uid = ev
        .uid
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map_or_else(|| fallback_uid(item), String::from);
    let parts = event_components(&ev, &uid, zone.clone());
    (!parts.is_empty()).then_some((uid, parts, zone))
}

/// One stored event or task as the iCalendar text of its own file (what a vdir file or a
/// CalDAV resource holds); `None` when it is of another class or has nothing to show.
pub fn item_text(item: &RawItem, data: Item) -> Option<String> {
    let (parts, zone) = match data {
        Item::Event(ev) => event_parts(item, *ev).map(|(_, p, z)| (p, z))?,
        Item::Task(t) => (vec![super::todo::todo(&t, &fallback_uid(item))], Zone::Utc),
        _ => return None,
    };
    Some(write(&ical::calendar(vec![(parts, zone)])))
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
    for (item, data) in model_items(db, ItemClass::Tasks, folders)? {
        let Item::Task(t) = data else {
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

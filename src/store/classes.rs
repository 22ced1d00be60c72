//! The rows of contacts, events and tasks (columns documented in docs/schema.md).

use rusqlite::{OptionalExtension, Transaction, named_params, params};

use super::items::{InstanceChange, exec, json};
use crate::model::{Contact, Event, Task};

/// JSON for a value that may be absent (NULL then).
fn json_opt<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(json)
}

pub(super) fn insert_contact(tx: &Transaction<'_>, id: i64, c: &Contact) -> rusqlite::Result<()> {
    let phones: serde_json::Map<String, serde_json::Value> = c
        .phones
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    tx.prepare_cached(
        "INSERT INTO contacts (item_id, file_as, first_name, middle_name, last_name, company, \
         job_title, emails, phones, birthday, nickname, title, suffix, department, \
         office_location, web_page, anniversary, spouse, assistant_name, manager_name, \
         im_addresses, addresses, categories, children, notes, photo) VALUES (:id, :file_as, \
         :first, :middle, :last, :company, :job, :emails, :phones, :birthday, :nick, :title, \
         :suffix, :dept, :office, :web, :anniversary, :spouse, :assistant, :manager, :im, \
         :addresses, :categories, :children, :notes, :photo)",
    )?
    .execute(named_params! {
        ":id": id, ":file_as": c.file_as, ":first": c.first_name, ":middle": c.middle_name,
        ":last": c.last_name, ":company": c.company, ":job": c.job_title,
        ":emails": json(&c.emails), ":phones": json(&phones), ":birthday": c.birthday,
        ":nick": c.nickname, ":title": c.title, ":suffix": c.suffix, ":dept": c.department,
        ":office": c.office_location, ":web": c.web_page, ":anniversary": c.anniversary,
        ":spouse": c.spouse, ":assistant": c.assistant_name, ":manager": c.manager_name,
        ":im": json(&c.im_addresses), ":addresses": json(&c.addresses),
        ":categories": json(&c.categories), ":children": json(&c.children),
        ":notes": c.notes, ":photo": c.photo,
    })
    .map(|_| ())
}

pub(super) fn insert_event(tx: &Transaction<'_>, id: i64, e: &Event) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO events (item_id, uid, subject, location, start_time, end_time, all_day, \
         busy_status, organizer_email, recurring, organizer_name, time_zone, reminder, \
         sensitivity, meeting_status, response_type, description, categories, attendees, \
         recurrence, exceptions, online_meeting_link) VALUES (:id, :uid, :subject, :location, \
         :start, :end, :all_day, :busy, :org_email, :recurring, :org_name, :tz, :reminder, \
         :sensitivity, :meeting_status, :response_type, :description, :categories, \
         :attendees, :recurrence, :exceptions, :link)",
    )?
    .execute(named_params! {
        ":id": id, ":uid": e.uid, ":subject": e.subject, ":location": e.location,
        ":start": e.start_time, ":end": e.end_time, ":all_day": e.all_day,
        ":busy": e.busy_status, ":org_email": e.organizer_email, ":recurring": e.recurring,
        ":org_name": e.organizer_name, ":tz": json_opt(&e.time_zone), ":reminder": e.reminder,
        ":sensitivity": e.sensitivity, ":meeting_status": e.meeting_status,
        ":response_type": e.response_type, ":description": e.description,
        ":categories": json(&e.categories), ":attendees": json(&e.attendees),
        ":recurrence": json_opt(&e.recurrence), ":exceptions": json(&e.exceptions),
        ":link": e.online_meeting_link,
    })
    .map(|_| ())
}

pub(super) fn insert_task(tx: &Transaction<'_>, id: i64, t: &Task) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO tasks (item_id, subject, due_date, complete, importance, start_date, \
         date_completed, reminder_time, sensitivity, categories, body, recurrence) VALUES \
         (:id, :subject, :due, :complete, :importance, :start, :completed, :reminder, \
         :sensitivity, :categories, :body, :recurrence)",
    )?
    .execute(named_params! {
        ":id": id, ":subject": t.subject, ":due": t.due_date, ":complete": t.complete,
        ":importance": t.importance, ":start": t.start_date, ":completed": t.date_completed,
        ":reminder": t.reminder_time, ":sensitivity": t.sensitivity,
        ":categories": json(&t.categories), ":body": t.body,
        ":recurrence": json_opt(&t.recurrence),
    })
    .map(|_| ())
}

/// Keeps one changed or cancelled occurrence of a series (16.x InstanceId) in `occurrences`
/// and lays it over the series' `exceptions`, replacing an earlier entry for the same
/// occurrence; a later rewrite of the series lays it over again. Returns false when the series
/// is not here (nothing to merge into).
pub(super) fn merge_exception(
    tx: &Transaction<'_>,
    folder_id: i64,
    change: &InstanceChange,
    seq: i64,
) -> rusqlite::Result<bool> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT e.item_id FROM events e JOIN items i ON i.id = e.item_id \
             WHERE i.folder_id = ?1 AND i.server_id = ?2",
            params![folder_id, change.server_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(item_id) = found else {
        return Ok(false);
    };
    let start = change.exception.original_start.clone().unwrap_or_default();
    exec(
        tx,
        "INSERT OR REPLACE INTO occurrences (item_id, original_start, exception) VALUES (?1, ?2, ?3)",
        params![item_id, start, json(&change.exception)],
    )?;
    overlay_occurrences(tx, item_id)?;
    exec(
        tx,
        "UPDATE items SET changed_seq = ?2, updated_at = unixepoch() WHERE id = ?1",
        params![item_id, seq],
    )?;
    Ok(true)
}

/// Lays the series' kept occurrences over its `exceptions` (entries for the same original
/// start are replaced).
pub(super) fn overlay_occurrences(tx: &Transaction<'_>, item_id: i64) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "SELECT original_start, exception FROM occurrences WHERE item_id = ?1 ORDER BY rowid",
    )?;
    let kept: Vec<(String, String)> = st
        .query_map([item_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if kept.is_empty() {
        return Ok(());
    }
    let stored: Option<String> = tx
        .query_row(
            "SELECT exceptions FROM events WHERE item_id = ?1",
            [item_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let mut list: Vec<serde_json::Value> = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    for (start, exception) in kept {
        let key = serde_json::Value::from(start);
        list.retain(|x| x.get("original_start") != Some(&key));
        list.extend(serde_json::from_str::<serde_json::Value>(&exception).ok());
    }
    exec(
        tx,
        "UPDATE events SET exceptions = ?2 WHERE item_id = ?1",
        params![item_id, json(&list)],
    )
    .map(drop)
}

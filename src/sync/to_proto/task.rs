//! A model task as MS-ASTASK 2.2.2 elements: the start and due dates as both the local and
//! the UTC element (the pair must come together; the local one is the model's local date
//! where it has one, else the same instant), `Complete`
//! always and `DateCompleted` with it, `ReminderSet` with `ReminderTime`, and the recurrence
//! with its required `Start` (2.2.2.18: the task's start, else its due date).

use crate::model;
use crate::proto::classes::tasks::{Category, Recurrence, Task};

use super::{ToProtoError, body, dotted, instant, some, time};

pub(super) fn task(t: &model::Task) -> Result<Task, ToProtoError> {
    let date = |field: &'static str, v: &Option<String>| {
        v.as_deref()
            .map(|s| instant(field, Some(s)).map(dotted))
            .transpose()
    };
    let start = date("StartDate", &t.start_date)?;
    let due = date("DueDate", &t.due_date)?;
    let complete = t.complete.unwrap_or(false);
    let reminder = date("ReminderTime", &t.reminder_time)?;
    Ok(Task {
        body: body(&t.body),
        categories: (!t.categories.is_empty()).then(|| {
            t.categories
                .iter()
                .map(|c| Category(c.clone()))
                .collect::<Vec<_>>()
                .into()
        }),
        complete: Some(complete),
        date_completed: if complete {
            date("DateCompleted", &t.date_completed)?
        } else {
            None
        },
        due_date: date("DueDate", &t.local_due_date)?.or_else(|| due.clone()),
        utc_due_date: due.clone(),
        importance: t.importance,
        recurrence: t
            .recurrence
            .as_ref()
            .map(|r| recurrence(r, start.as_ref().or(due.as_ref())))
            .transpose()?,
        reminder_set: Some(reminder.is_some()),
        reminder_time: reminder,
        sensitivity: t.sensitivity,
        start_date: date("StartDate", &t.local_start_date)?.or_else(|| start.clone()),
        utc_start_date: start,
        subject: some(&t.subject),
        ..Task::default()
    })
}

fn recurrence(r: &model::Recurrence, start: Option<&String>) -> Result<Recurrence, ToProtoError> {
    let Some(start) = start else {
        return Err(ToProtoError::Missing {
            field: "StartDate or DueDate (the Start of a task's Recurrence)",
        });
    };
    Ok(Recurrence {
        recurrence_type: r.kind,
        start: Some(start.clone()),
        until: time(&r.until).map(dotted),
        occurrences: r.occurrences,
        interval: r.interval,
        day_of_month: r.day_of_month,
        day_of_week: r.day_of_week,
        week_of_month: r.week_of_month,
        month_of_year: r.month_of_year,
        ..Recurrence::default()
    })
}

/// What a stored task has that the model does not: the ordering dates, the regeneration and
/// calendar settings of its recurrence, the local dates when the UTC ones did not change,
/// elements easync does not type.
pub(super) fn keep(p: &mut Task, stored: &Task) {
    p.ordinal_date.clone_from(&stored.ordinal_date);
    p.sub_ordinal_date.clone_from(&stored.sub_ordinal_date);
    p.extra.clone_from(&stored.extra);
    if p.utc_due_date.is_some() && p.utc_due_date == stored.utc_due_date {
        p.due_date.clone_from(&stored.due_date);
    }
    if p.utc_start_date.is_some() && p.utc_start_date == stored.utc_start_date {
        p.start_date.clone_from(&stored.start_date);
    }
    if let (Some(r), Some(s)) = (p.recurrence.as_mut(), stored.recurrence.as_ref()) {
        r.regenerate = s.regenerate;
        r.dead_occur = s.dead_occur;
        r.calendar_type = s.calendar_type;
        r.is_leap_month = s.is_leap_month;
        r.first_day_of_week = s.first_day_of_week;
        r.extra.clone_from(&s.extra);
    }
}

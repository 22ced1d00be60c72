//! What the calendar commands read of a stored event (`easync calendar respond`).

use rusqlite::OptionalExtension;

use super::{Store, StoreError};

/// An event's identity and times as the `events` table holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    pub item_id: i64,
    pub uid: Option<String>,
    pub subject: Option<String>,
    /// EAS date-times (MS-ASDTYPE 2.3), UTC.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub organizer_email: Option<String>,
    /// MS-ASCAL 2.2.2.40 ResponseType: 1 the user organizes it.
    pub response_type: Option<i64>,
}

impl Store {
    /// The stored facts of event `item`.
    pub fn event_facts(&self, item: i64) -> Result<Option<EventFacts>, StoreError> {
        self.conn
            .query_row(
                "SELECT item_id, uid, subject, start_time, end_time, organizer_email, \
                 response_type FROM events WHERE item_id = ?1",
                [item],
                |r| {
                    Ok(EventFacts {
                        item_id: r.get(0)?,
                        uid: r.get(1)?,
                        subject: r.get(2)?,
                        start_time: r.get(3)?,
                        end_time: r.get(4)?,
                        organizer_email: r.get(5)?,
                        response_type: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The events with this UID (a series and nothing else, normally: one id).
    pub fn events_with_uid(&self, uid: &str) -> Result<Vec<i64>, StoreError> {
        self.conn
            .prepare("SELECT item_id FROM events WHERE uid = ?1 ORDER BY item_id")
            .and_then(|mut st| st.query_map([uid], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }
}

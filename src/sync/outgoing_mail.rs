//! A mail Change as a client may send it (MS-ASCMD 2.2.3.24.3, MS-ASEMAIL 2.2.2): only
//! `Read`, `Flag`, `Categories`.

use crate::model::{FlagEdit, MailEdit};
use crate::proto::classes::{ApplicationData, List, email};

/// The ApplicationData of a mail Change: only the parts the edit sets.
pub fn mail_change(edit: &MailEdit) -> ApplicationData {
    let mut m = email::Email {
        read: edit.read,
        ..email::Email::default()
    };
    m.flag = edit.flag.as_ref().map(flag);
    m.categories = edit.categories.as_ref().map(|c| List {
        items: c.iter().cloned().map(email::Category).collect(),
        ..List::default()
    });
    ApplicationData::Email(Box::new(m))
}

/// `Flag` (MS-ASEMAIL 2.2.2.27): an empty element clears it; an active flag names its type
/// (and dates, all four or none); a completed one says when.
fn flag(f: &FlagEdit) -> email::Flag {
    match f {
        FlagEdit::Cleared => email::Flag::default(),
        FlagEdit::Flagged { due } => email::Flag {
            status: Some(2),
            flag_type: Some("Follow up".into()),
            start_date: due.clone(),
            utc_start_date: due.clone(),
            due_date: due.clone(),
            utc_due_date: due.clone(),
            ..email::Flag::default()
        },
        FlagEdit::Complete => {
            let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            email::Flag {
                status: Some(1),
                complete_time: Some(now.clone()),
                date_completed: Some(now),
                ..email::Flag::default()
            }
        }
    }
}

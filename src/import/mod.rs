//! Import: the files other programs write — vCard 3.0/4.0 (RFC 2426, RFC 6350) from khard,
//! iCalendar (RFC 5545) from khal and todoman — read into the model, the inverse of
//! [`crate::export`]. Pure functions over text, parsed by calcard; `sync::to_proto` takes the
//! model on to a Sync Add or Change.
//!
//! Reading is lenient per property: one that cannot be read is skipped with a `tracing`
//! warning naming it, never a panic. A file is an error only when it holds no usable
//! component, or when dropping a property would change what the item means (an RRULE that
//! MS-ASCAL cannot express would turn a series into one event).

pub mod ical;
pub mod vcard;

mod event;
mod props;
mod rrule;
mod todo;
mod vcard_tel;
mod windows_zones;
mod zone;

use chrono::{DateTime, Utc};

/// Why a file could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("not a vCard: {0}")]
    NotVCard(String),
    #[error("not an iCalendar object: {0}")]
    NotICalendar(String),
    /// Every component of the kind was unusable (or there was none); why, one per component.
    #[error("no usable {component} in the file{}", list(problems))]
    NoComponent {
        component: &'static str,
        problems: Vec<String>,
    },
    /// A property whose loss would change the item.
    #[error("{component} {uid}: {property} {value}: {reason}")]
    Property {
        component: &'static str,
        uid: String,
        property: &'static str,
        value: String,
        reason: String,
    },
}

fn list(problems: &[String]) -> String {
    if problems.is_empty() {
        String::new()
    } else {
        format!(" ({})", problems.join("; "))
    }
}

/// A property skipped: logged, the import goes on.
fn skipped(component: &str, property: &str, why: impl std::fmt::Display) {
    tracing::warn!("import: {component} {property} skipped: {why}");
}

/// A property read in a way the user may not expect (a floating time read as UTC).
fn noted(component: &str, property: &str, what: impl std::fmt::Display) {
    tracing::warn!("import: {component} {property}: {what}");
}

/// `YYYYMMDDTHHMMSSZ`, the Compact DateTime of MS-ASCAL (MS-ASDTYPE 2.7.2).
pub(crate) fn compact(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `YYYY-MM-DDTHH:MM:SS.000Z`, the dateTime of MS-ASCNTC and MS-ASTASK (MS-ASDTYPE 2.3).
pub(crate) fn dotted(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// A text trimmed, if anything is left (names, addresses: the export writes them trimmed).
fn trimmed(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A text as written, unless it is blank (notes, descriptions).
fn unless_blank(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_string())
}

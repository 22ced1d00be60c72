//! Export: what the store holds, in the formats other programs read — vCard files and vdir
//! collections for contacts (khard, vdirsyncer, Thunderbird, Evolution). Calendars, tasks and
//! Maildir arrive with the rest of their issue.

pub mod contacts;
pub mod vcard;
pub mod vdir;

//! A mail's state — read flag, follow-up flag, categories: what changes and what a partial
//! Email Change carries (MS-ASEMAIL 2.2.2) — and the odd forms a few mails take with the
//! `odd-items` switch ([`super::profile`]). Re-exported by [`super::mail`].

use crate::proto::classes::List;
use crate::proto::classes::email::{Category, Email, Flag};

/// A mail's state, the part of it that changes (MS-ASEMAIL 2.2.2.52 `Read`, 2.2.2.27 `Flag`,
/// 2.2.2.14 `Categories`): what a partial Change carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFlags {
    pub read: bool,
    /// The flag's `Status` (2.2.2.71): 0 cleared, 1 complete, 2 active.
    pub flag_status: u8,
    pub categories: Vec<String>,
}

/// The state of mail `idx` at `version`: what was set, else generated (every change flips the
/// read flag and moves the follow-up flag on).
pub fn flags(idx: u32, version: u32, set: Option<&MailFlags>) -> MailFlags {
    if let Some(f) = set {
        return f.clone();
    }
    MailFlags {
        read: (idx.is_multiple_of(3)) ^ (version % 2 == 1),
        flag_status: (((idx.is_multiple_of(11)) as u32 + version) % 3) as u8,
        categories: if idx.is_multiple_of(13) {
            vec!["Wichtig".into()]
        } else {
            Vec::new()
        },
    }
}

pub(super) fn flag(status: u8) -> Flag {
    Flag {
        status: (status > 0).then_some(status),
        flag_type: (status > 0).then(|| "Follow up".into()),
        ..Flag::default()
    }
}

/// The content of a partial Email Change (MS-ASCMD 2.2.3.24): `Read`, `Flag` (an empty
/// `<Flag/>` when cleared), `Categories` (empty when none) and, on 14.0+ with a flag set,
/// `Email2:LastVerbExecuted` as the captured server sends it. Nothing else.
pub fn partial_change(state: &MailFlags, v14: bool) -> Email {
    Email {
        read: Some(state.read),
        flag: Some(flag(state.flag_status)),
        categories: Some(List::from(
            state
                .categories
                .iter()
                .map(|c| Category(c.clone()))
                .collect::<Vec<_>>(),
        )),
        last_verb_executed: (v14 && state.flag_status > 0).then_some(0),
        ..Email::default()
    }
}

/// How an odd item is odd (the `odd-items` switch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oddity {
    /// The body is [`windows_1252_text`], its `Data` OPAQUE windows-1252 bytes (not UTF-8).
    Windows1252Body,
    /// `<email:Importance/>` and `<airsyncbase:EstimatedDataSize/>` are empty.
    EmptyNumbers,
}

/// Which mails are odd with `odd-items`: 1 in 50 each way, by seed and index.
pub fn oddity(seed: u64, idx: u32) -> Option<Oddity> {
    match (u64::from(idx) + seed) % 50 {
        0 => Some(Oddity::Windows1252Body),
        25 => Some(Oddity::EmptyNumbers),
        _ => None,
    }
}

/// Whether mail `idx` is odd with `odd-items`.
pub fn is_odd(seed: u64, idx: u32) -> bool {
    oddity(seed, idx).is_some()
}

/// The text of a windows-1252 body (every character has a windows-1252 byte).
pub fn windows_1252_text(idx: u32) -> String {
    format!("Grüße aus Köln – das Angebot Nr. {idx} kostet 12 € („brutto“), Größe ½ m², ")
        + "Rückfragen an André … Danke!"
}

/// `s` in windows-1252; a character it lacks becomes `?`.
pub fn to_windows_1252(s: &str) -> Vec<u8> {
    const HIGH: [(char, u8); 12] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('„', 0x84),
        ('…', 0x85),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('™', 0x99),
    ];
    s.chars()
        .map(|c| match u32::from(c) {
            n @ (0..=0x7F | 0xA0..=0xFF) => n as u8,
            _ => HIGH.iter().find(|(h, _)| *h == c).map_or(b'?', |&(_, b)| b),
        })
        .collect()
}

//! A mail's state — read flag, follow-up flag, categories: what changes, what a partial
//! Email Change carries (MS-ASEMAIL 2.2.2) and how a client's Change merges into it — and the
//! odd forms a few mails take with the `odd-items` switch ([`super::profile`]). Re-exported by
//! [`super::mail`].

use wbxml::tags::email as em;
use wbxml::{Element, Node};

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

impl MailFlags {
    /// This state after a client's Change of the mail (MS-ASCMD 2.2.3.24.2; MS-ASEMAIL 2.2.2:
    /// a client may change only these): each of `Read`, `Flag` and `Categories` present in the
    /// Change's `ApplicationData` replaces its part — an empty `<Flag/>` clears the flag, an
    /// empty `<Categories/>` the categories — what is absent stays, other elements are ignored.
    /// Of a flag only its `Status` is kept.
    pub fn merged(&self, change: &Element<'_>) -> MailFlags {
        let mut out = self.clone();
        for e in change.elements() {
            match e.tag {
                em::READ => match e.text().trim() {
                    "1" => out.read = true,
                    "0" => out.read = false,
                    _ => {}
                },
                em::FLAG => {
                    out.flag_status = e
                        .elements()
                        .find(|c| c.tag == em::STATUS)
                        .and_then(|c| c.text().trim().parse().ok())
                        .filter(|&s: &u8| s <= 2)
                        .unwrap_or(0);
                }
                em::CATEGORIES => {
                    out.categories = e
                        .elements()
                        .filter(|c| c.tag == em::CATEGORY)
                        .map(|c| c.text())
                        .collect();
                }
                _ => {}
            }
        }
        out
    }

    /// The state a mail a client sent carries (unread, unflagged, no categories when absent).
    pub fn of_sent(data: &Element<'_>) -> MailFlags {
        let none = MailFlags {
            read: false,
            flag_status: 0,
            categories: Vec::new(),
        };
        none.merged(data)
    }
}

/// `data` (a mail a client sent) with the state elements of `change` in place of its own.
pub fn merge_sent(data: &Element<'static>, change: &Element<'_>) -> Element<'static> {
    let mut out = data.clone();
    for c in change
        .elements()
        .filter(|c| matches!(c.tag, em::READ | em::FLAG | em::CATEGORIES))
    {
        out.children
            .retain(|n| !matches!(n, Node::Element(e) if e.tag == c.tag));
        out.children.push(Node::Element(c.clone().into_owned()));
    }
    out
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

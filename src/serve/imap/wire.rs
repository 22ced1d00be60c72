//! Small conversions between the mirror's values and imap-types' (strings that cannot be
//! invalid, sequence sets, flags, mailbox names in modified UTF-7).

use std::num::NonZeroU32;

use imap_next::imap_types::core::{IString, NString};
use imap_next::imap_types::flag::{Flag, FlagFetch};
use imap_next::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

/// An `nstring` of `bytes`; NUL bytes, which no IMAP string may hold, are left out.
pub fn nstr(bytes: &[u8]) -> NString<'static> {
    NString::try_from(bytes.to_vec())
        .or_else(|_| {
            NString::try_from(
                bytes
                    .iter()
                    .copied()
                    .filter(|&b| b != 0)
                    .collect::<Vec<u8>>(),
            )
        })
        .unwrap_or(NString::NIL)
}

/// `nstr` of an optional text, NIL for `None`.
pub fn nstr_opt(text: Option<&str>) -> NString<'static> {
    text.map_or(NString::NIL, |t| nstr(t.as_bytes()))
}

/// An `string` of `text` (NUL bytes left out).
pub fn istr(text: &str) -> IString<'static> {
    IString::try_from(text.replace('\0', ""))
        .unwrap_or_else(|_| IString::try_from("").unwrap_or_else(|_| unreachable_empty()))
}

#[cold]
fn unreachable_empty() -> IString<'static> {
    // An empty quoted string is always valid; this is never reached.
    IString::try_from(vec![b' ']).expect("a space is a valid IMAP string")
}

/// Whether `value` is in the set, `*` standing for `largest` (RFC 3501 9, seq-range: a range
/// is the same either way round).
pub fn contains(set: &SequenceSet, value: u32, largest: u32) -> bool {
    let n = |s: &SeqOrUid| match s {
        SeqOrUid::Value(v) => v.get(),
        SeqOrUid::Asterisk => largest,
    };
    set.0.as_ref().iter().any(|s| match s {
        Sequence::Single(v) => n(v) == value,
        Sequence::Range(a, b) => {
            let (a, b) = (n(a), n(b));
            a.min(b) <= value && value <= a.max(b)
        }
    })
}

/// Whether the set names `*` (the last message, also when its number is below the others).
pub fn names_last(set: &SequenceSet) -> bool {
    set.0.as_ref().iter().any(|s| match s {
        Sequence::Single(v) => matches!(v, SeqOrUid::Asterisk),
        Sequence::Range(a, b) => matches!(a, SeqOrUid::Asterisk) || matches!(b, SeqOrUid::Asterisk),
    })
}

/// A message's flags: the two EAS keeps in the mail and those kept for IMAP alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    /// `\Answered`, `\Deleted`, `\Draft`, keywords: as the client wrote them.
    pub local: Vec<String>,
}

impl Flags {
    /// The flags kept for IMAP alone, from their column.
    pub fn local_from(column: &str) -> Vec<String> {
        column.split_whitespace().map(str::to_string).collect()
    }

    pub fn local_column(&self) -> String {
        self.local.join(" ")
    }

    pub fn has_local(&self, flag: &str) -> bool {
        self.local.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    pub fn deleted(&self) -> bool {
        self.has_local("\\Deleted")
    }

    /// As FETCH FLAGS lists them.
    pub fn fetch(&self) -> Vec<FlagFetch<'static>> {
        let mut out = Vec::new();
        if self.seen {
            out.push(FlagFetch::Flag(Flag::Seen));
        }
        if self.flagged {
            out.push(FlagFetch::Flag(Flag::Flagged));
        }
        for f in &self.local {
            if let Ok(flag) = Flag::try_from(f.as_str()) {
                use imap_next::imap_types::IntoStatic as _;
                out.push(FlagFetch::Flag(flag.into_static()));
            }
        }
        out
    }
}

/// A flag as the local column keeps it (`\Answered`, `$Forwarded`).
pub fn flag_text(f: &Flag<'_>) -> String {
    f.to_string()
}

/// A mailbox name in modified UTF-7 (RFC 3501 5.1.3), as LIST shows it.
pub fn mutf7_encode(name: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        out.push('&');
        out.push_str(&b64.replace('/', ","));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// A mailbox name a client sent, from modified UTF-7; `None` when it is not valid.
pub fn mutf7_decode(name: &str) -> Option<String> {
    use base64::Engine as _;
    let mut out = String::new();
    let mut rest = name;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find('-')?;
        let chunk = &after[..end];
        if chunk.is_empty() {
            out.push('&');
        } else {
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(chunk.replace(',', "/"))
                .ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `n` as a message number or UID (never 0).
pub fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_round_trips_and_matches_rfc_3501s_example() {
        // RFC 3501 5.1.3: "~peter/mail/台北/日本語"
        let name = "~peter/mail/\u{53f0}\u{5317}/\u{65e5}\u{672c}\u{8a9e}";
        let enc = mutf7_encode(name);
        assert_eq!(enc, "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assert_eq!(mutf7_decode(&enc).as_deref(), Some(name));
        assert_eq!(mutf7_encode("A&B"), "A&-B");
        assert_eq!(mutf7_decode("A&-B").as_deref(), Some("A&B"));
        assert_eq!(mutf7_decode("Gel&APY-schte").as_deref(), Some("Gelöschte"));
        assert_eq!(mutf7_decode("bad&AP"), None);
    }

    #[test]
    fn sets_hold_ranges_either_way_round_and_the_star() {
        let set = SequenceSet::try_from("2:4,9:*").unwrap();
        assert!(contains(&set, 3, 20));
        assert!(!contains(&set, 5, 20));
        assert!(contains(&set, 20, 20));
        let rev = SequenceSet::try_from("*:7").unwrap();
        assert!(contains(&rev, 5, 5), "7:* with 5 as the largest is 5:7");
        assert!(names_last(&rev));
    }
}

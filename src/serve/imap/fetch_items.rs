//! The data items of one message's FETCH response (RFC 3501 7.4.2).

use imap_next::imap_types::core::Vec1;
use imap_next::imap_types::datetime::DateTime;
use imap_next::imap_types::fetch::{MessageDataItem, MessageDataItemName};
use imap_next::imap_types::response::Data;
use mail_parser::MessageParser;

use super::structure;
use super::view::Msg;
use super::wire::{nstr, nz};

/// What the names ask of the messages.
pub struct Wanted {
    /// The whole message is needed (anything but UID, FLAGS, INTERNALDATE).
    pub mime: bool,
    /// A BODY[…] without PEEK, RFC822 or RFC822.TEXT: the message becomes read.
    pub sets_seen: bool,
}

impl Wanted {
    pub fn of(names: &[MessageDataItemName<'_>]) -> Self {
        use MessageDataItemName as N;
        Self {
            mime: names
                .iter()
                .any(|n| !matches!(n, N::Uid | N::Flags | N::InternalDate)),
            sets_seen: names.iter().any(|n| {
                matches!(
                    n,
                    N::BodyExt { peek: false, .. } | N::Rfc822 | N::Rfc822Text
                )
            }),
        }
    }
}

/// `* n FETCH (…)` for message index `i`; `flags_too`: FLAGS added (it became read).
pub fn items(
    names: &[MessageDataItemName<'static>],
    i: usize,
    m: &Msg,
    mime: Option<&[u8]>,
    flags_too: bool,
) -> Option<Data<'static>> {
    use MessageDataItemName as N;
    let raw = mime.unwrap_or(&[]);
    let needs_parse = names.iter().any(|n| {
        matches!(
            n,
            N::Envelope | N::BodyStructure | N::Body | N::Rfc822Header | N::Rfc822Text
        ) || matches!(
            n,
            N::BodyExt {
                section: Some(_),
                ..
            }
        )
    });
    let parsed = if needs_parse {
        MessageParser::default().parse(raw)
    } else {
        None
    };
    let mut out = Vec::new();
    let mut has_flags = false;
    for n in names {
        let item = match n {
            N::Uid => MessageDataItem::Uid(nz(m.uid)),
            N::Flags => {
                has_flags = true;
                MessageDataItem::Flags(m.flags.fetch())
            }
            N::InternalDate => MessageDataItem::InternalDate(internal_date(m)),
            N::Rfc822Size => {
                MessageDataItem::Rfc822Size(u32::try_from(raw.len()).unwrap_or(u32::MAX))
            }
            N::Rfc822 => MessageDataItem::Rfc822(nstr(raw)),
            N::Envelope => match &parsed {
                Some(p) => MessageDataItem::Envelope(structure::envelope(p)),
                None => continue,
            },
            N::BodyStructure | N::Body => match &parsed {
                Some(p) => {
                    let s = structure::structure(p, matches!(n, N::BodyStructure));
                    if matches!(n, N::BodyStructure) {
                        MessageDataItem::BodyStructure(s)
                    } else {
                        MessageDataItem::Body(s)
                    }
                }
                None => continue,
            },
            N::Rfc822Header => {
                MessageDataItem::Rfc822Header(nstr(&header_of(parsed.as_ref(), raw)))
            }
            N::Rfc822Text => MessageDataItem::Rfc822Text(nstr(&text_of(parsed.as_ref(), raw))),
            N::BodyExt {
                section, partial, ..
            } => {
                let bytes = match (section, &parsed) {
                    (None, _) => raw.to_vec(),
                    (Some(s), Some(p)) => structure::section(p, Some(s)),
                    (Some(_), None) => Vec::new(),
                };
                let (origin, data) = match partial {
                    Some((start, len)) => {
                        let s = (*start as usize).min(bytes.len());
                        let e = s.saturating_add(len.get() as usize).min(bytes.len());
                        (Some(*start), nstr(&bytes[s..e]))
                    }
                    None => (None, nstr(&bytes)),
                };
                MessageDataItem::BodyExt {
                    section: section.clone(),
                    origin,
                    data,
                }
            }
            _ => continue,
        };
        out.push(item);
    }
    if flags_too && !has_flags {
        out.push(MessageDataItem::Flags(m.flags.fetch()));
    }
    Vec1::try_from(out).ok().map(|items| Data::Fetch {
        seq: nz(i as u32 + 1),
        items,
    })
}

fn header_of(p: Option<&mail_parser::Message<'_>>, raw: &[u8]) -> Vec<u8> {
    match p {
        Some(p) => structure::section(
            p,
            Some(&imap_next::imap_types::fetch::Section::Header(None)),
        ),
        None => raw.to_vec(),
    }
}

fn text_of(p: Option<&mail_parser::Message<'_>>, raw: &[u8]) -> Vec<u8> {
    match p {
        Some(p) => structure::section(p, Some(&imap_next::imap_types::fetch::Section::Text(None))),
        None => raw.to_vec(),
    }
}

/// The date the server received the message (`DateReceived`), as INTERNALDATE.
fn internal_date(m: &Msg) -> DateTime {
    let parsed = m
        .date_received
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok());
    let fallback = chrono::DateTime::from_timestamp(0, 0)
        .unwrap_or_default()
        .fixed_offset();
    // imap-types refuses sub-seconds: DateReceived has milliseconds.
    let value = parsed
        .and_then(|d| chrono::Timelike::with_nanosecond(&d, 0))
        .unwrap_or(fallback);
    DateTime::try_from(value).unwrap_or_else(|_| DateTime::unvalidated(fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internaldate_keeps_a_date_received_with_milliseconds() {
        let m = Msg {
            uid: 1,
            item_id: 1,
            flags: Default::default(),
            date_received: Some("2024-11-21T10:01:23.457Z".into()),
            gone: false,
        };
        let d = internal_date(&m);
        assert_eq!(d.as_ref().to_rfc3339(), "2024-11-21T10:01:23+00:00");
    }
}

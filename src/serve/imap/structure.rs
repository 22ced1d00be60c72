//! A message's ENVELOPE, BODYSTRUCTURE and sections (RFC 3501 6.4.5, 7.4.2), from the
//! MIME parse of mail-parser: part numbers as IMAP counts them (the body of a single-part
//! message is part 1; a message/rfc822 part's own parts are numbered inside it).

use std::borrow::Cow;

use imap_next::imap_types::body::{
    BasicFields, Body, BodyStructure, MultiPartExtensionData, SinglePartExtensionData,
    SpecificFields,
};
use imap_next::imap_types::core::{IString, NString, Vec1};
use imap_next::imap_types::envelope::{Address as ImapAddress, Envelope};
use imap_next::imap_types::fetch::{Part, Section};
use mail_parser::{Address, Message, MessagePart, MimeHeaders as _, PartType};

use super::wire::{istr, nstr, nstr_opt};

/// The raw value of a header field of the part (unfolded ends trimmed), as clients expect in
/// the envelope (encoded words left as they are).
fn raw_value<'a>(raw: &'a [u8], part: &MessagePart<'_>, name: &str) -> Option<&'a [u8]> {
    let h = part
        .headers
        .iter()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(name))?;
    let v = raw.get(h.offset_start as usize..h.offset_end as usize)?;
    Some(trim(v))
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// RFC 3501 7.4.2 ENVELOPE of a message.
pub fn envelope(msg: &Message<'_>) -> Envelope<'static> {
    // Offsets are into the whole buffer (for a message/rfc822 part, the outer message's).
    let raw: &[u8] = &msg.raw_message;
    let root = msg.root_part();
    let field = |name: &str| raw_value(raw, root, name).map_or(NString::NIL, nstr);
    let from = addresses(msg.from());
    let or_from = |a: Vec<ImapAddress<'static>>| if a.is_empty() { from.clone() } else { a };
    Envelope {
        date: field("Date"),
        subject: field("Subject"),
        sender: or_from(addresses(msg.sender())),
        reply_to: or_from(addresses(msg.reply_to())),
        from: from.clone(),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        bcc: addresses(msg.bcc()),
        in_reply_to: field("In-Reply-To"),
        message_id: field("Message-ID"),
    }
}

fn addresses(a: Option<&Address<'_>>) -> Vec<ImapAddress<'static>> {
    let one = |name: Option<&str>, addr: Option<&str>| {
        let addr = addr.unwrap_or("");
        let (local, host) = addr.rsplit_once('@').unwrap_or((addr, ""));
        ImapAddress {
            name: name.map_or(NString::NIL, |n| nstr(encode_word(n).as_bytes())),
            adl: NString::NIL,
            mailbox: nstr(local.as_bytes()),
            host: nstr(host.as_bytes()),
        }
    };
    match a {
        None => Vec::new(),
        Some(Address::List(list)) => list
            .iter()
            .map(|x| one(x.name.as_deref(), x.address.as_deref()))
            .collect(),
        Some(Address::Group(groups)) => {
            let mut out = Vec::new();
            for g in groups {
                // RFC 3501 7.4.2: a group is its name as mailbox with NIL host, its members,
                // then an entry with NIL mailbox and host.
                out.push(ImapAddress {
                    name: NString::NIL,
                    adl: NString::NIL,
                    mailbox: nstr_opt(g.name.as_deref()),
                    host: NString::NIL,
                });
                out.extend(
                    g.addresses
                        .iter()
                        .map(|x| one(x.name.as_deref(), x.address.as_deref())),
                );
                out.push(ImapAddress {
                    name: NString::NIL,
                    adl: NString::NIL,
                    mailbox: NString::NIL,
                    host: NString::NIL,
                });
            }
            out
        }
    }
}

/// A display name with other than ASCII as an RFC 2047 encoded word (mail-parser decoded it).
fn encode_word(name: &str) -> Cow<'_, str> {
    if name.is_ascii() {
        return Cow::Borrowed(name);
    }
    use base64::Engine as _;
    Cow::Owned(format!(
        "=?utf-8?b?{}?=",
        base64::engine::general_purpose::STANDARD.encode(name)
    ))
}

/// RFC 3501 7.4.2 BODYSTRUCTURE (with extension data) or BODY (without) of a message.
pub fn structure(msg: &Message<'_>, extended: bool) -> BodyStructure<'static> {
    part_structure(msg, 0, extended, 0)
}

/// Deeper parts than this are shown as one opaque part: a message of thousands of nested
/// multiparts must not exhaust the stack.
const MAX_DEPTH: usize = 32;

fn part_structure(
    msg: &Message<'_>,
    id: usize,
    extended: bool,
    depth: usize,
) -> BodyStructure<'static> {
    let Some(part) = msg.parts.get(id) else {
        return empty_text();
    };
    if depth > MAX_DEPTH {
        return empty_text();
    }
    if let PartType::Multipart(children) = &part.body {
        let bodies: Vec<BodyStructure<'static>> = children
            .iter()
            .map(|&c| part_structure(msg, c as usize, extended, depth + 1))
            .collect();
        let subtype = part
            .content_type()
            .and_then(|c| c.subtype())
            .unwrap_or("mixed");
        let Ok(bodies) = Vec1::try_from(bodies) else {
            return empty_text();
        };
        return BodyStructure::Multi {
            bodies,
            subtype: istr(subtype),
            extension_data: extended.then(|| MultiPartExtensionData {
                parameter_list: params(part),
                tail: None,
            }),
        };
    }
    let raw: &[u8] = &msg.raw_message;
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or(&[]);
    let (ctype, csub) = part.content_type().map_or(("text", "plain"), |c| {
        (c.ctype(), c.subtype().unwrap_or(""))
    });
    let basic = BasicFields {
        parameter_list: params(part),
        id: nstr_opt(part.content_id().map(|i| format!("<{i}>")).as_deref()),
        description: nstr_opt(part.content_description()),
        content_transfer_encoding: istr(part.content_transfer_encoding().unwrap_or("7bit")),
        size: u32::try_from(body.len()).unwrap_or(u32::MAX),
    };
    let lines = u32::try_from(body.iter().filter(|&&b| b == b'\n').count()).unwrap_or(u32::MAX);
    let specific = match (&part.body, ctype.to_ascii_lowercase().as_str()) {
        (PartType::Message(inner), _) => SpecificFields::Message {
            envelope: Box::new(envelope(inner)),
            body_structure: Box::new(part_structure(inner, 0, extended, depth + 1)),
            number_of_lines: lines,
        },
        (_, "text") => SpecificFields::Text {
            subtype: istr(csub),
            number_of_lines: lines,
        },
        _ => SpecificFields::Basic {
            r#type: istr(ctype),
            subtype: istr(csub),
        },
    };
    BodyStructure::Single {
        body: Body { basic, specific },
        extension_data: extended.then_some(SinglePartExtensionData {
            md5: NString::NIL,
            tail: None,
        }),
    }
}

fn params(part: &MessagePart<'_>) -> Vec<(IString<'static>, IString<'static>)> {
    part.content_type()
        .and_then(|c| c.attributes())
        .unwrap_or(&[])
        .iter()
        .map(|a| (istr(&a.name), istr(&a.value)))
        .collect()
}

fn empty_text() -> BodyStructure<'static> {
    BodyStructure::Single {
        body: Body {
            basic: BasicFields {
                parameter_list: Vec::new(),
                id: NString::NIL,
                description: NString::NIL,
                content_transfer_encoding: istr("7bit"),
                size: 0,
            },
            specific: SpecificFields::Text {
                subtype: istr("plain"),
                number_of_lines: 0,
            },
        },
        extension_data: None,
    }
}

/// The bytes a section names (RFC 3501 6.4.5 BODY[section]); empty when the message has no
/// such part, as other servers answer.
pub fn section(msg: &Message<'_>, section: Option<&Section<'_>>) -> Vec<u8> {
    let raw = msg.raw_message();
    let Some(section) = section else {
        return raw.to_vec();
    };
    let (part, what) = match section {
        Section::Part(p) => (Some(p), What::Body),
        Section::Header(p) => (p.as_ref(), What::Header),
        Section::HeaderFields(p, names) => (p.as_ref(), What::Fields(names, true)),
        Section::HeaderFieldsNot(p, names) => (p.as_ref(), What::Fields(names, false)),
        Section::Text(p) => (p.as_ref(), What::Text),
        Section::Mime(p) => (Some(p), What::Mime),
    };
    let Some((m, id)) = locate(msg, part, !matches!(what, What::Body | What::Mime)) else {
        return Vec::new();
    };
    let raw: &[u8] = &m.raw_message;
    let Some(p) = m.parts.get(id) else {
        return Vec::new();
    };
    let slice = |a: u32, b: u32| raw.get(a as usize..b as usize).unwrap_or(&[]).to_vec();
    match what {
        What::Body => slice(p.offset_body, p.offset_end),
        What::Mime | What::Header => slice(p.offset_header, p.offset_body),
        What::Text => slice(p.offset_body, p.offset_end),
        What::Fields(names, keep) => fields(&slice(p.offset_header, p.offset_body), names, keep),
    }
}

enum What<'a, 'b> {
    Body,
    Header,
    Text,
    Mime,
    Fields(&'a Vec1<imap_next::imap_types::core::AString<'b>>, bool),
}

/// The message and part index a part number names. `message_level`: HEADER/TEXT of a part
/// number name the message/rfc822 inside it.
fn locate<'m>(
    msg: &'m Message<'m>,
    part: Option<&Part>,
    message_level: bool,
) -> Option<(&'m Message<'m>, usize)> {
    let Some(part) = part else {
        return Some((msg, 0));
    };
    let mut m = msg;
    let mut id = 0usize;
    let numbers: Vec<u32> = part.0.as_ref().iter().map(|n| n.get()).collect();
    for (i, &n) in numbers.iter().enumerate() {
        let current = m.parts.get(id)?;
        let idx = (n as usize).checked_sub(1)?;
        id = match &current.body {
            PartType::Multipart(children) => *children.get(idx)? as usize,
            PartType::Message(inner) if i > 0 || id != 0 => {
                m = inner;
                match &m.parts.first()?.body {
                    PartType::Multipart(children) => *children.get(idx)? as usize,
                    _ if idx == 0 => 0,
                    _ => return None,
                }
            }
            _ if idx == 0 && id == 0 => 0,
            _ => return None,
        };
    }
    if message_level && let Some(PartType::Message(inner)) = m.parts.get(id).map(|p| &p.body) {
        return Some((inner, 0));
    }
    Some((m, id))
}

/// HEADER.FIELDS (keep) or HEADER.FIELDS.NOT: the header fields of `header` by name, with the
/// blank line that ends a header.
fn fields(
    header: &[u8],
    names: &Vec1<imap_next::imap_types::core::AString<'_>>,
    keep: bool,
) -> Vec<u8> {
    let wanted: Vec<String> = names
        .as_ref()
        .iter()
        .map(|n| String::from_utf8_lossy(n.as_ref()).to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    let mut current: Option<bool> = None;
    for line in header.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        let continued = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continued {
            let name = line
                .split(|&b| b == b':')
                .next()
                .map(|n| String::from_utf8_lossy(trim(n)).to_ascii_lowercase());
            let listed = name.is_some_and(|n| wanted.contains(&n));
            current = Some(listed == keep);
        }
        if current == Some(true) {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    const MULTI: &[u8] = b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>\r\nTo: a@example.com, \
        b@example.org\r\nSubject: Hello\r\nMessage-ID: <m1@example.com>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\nline one\r\nline two\r\n--XX\r\n\
        Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        JVBERi0=\r\n--XX--\r\n";

    #[test]
    fn envelope_keeps_raw_fields_and_splits_addresses() {
        let msg = MessageParser::default().parse(MULTI).unwrap();
        let env = envelope(&msg);
        assert_eq!(env.subject, nstr(b"Hello"));
        assert_eq!(env.message_id, nstr(b"<m1@example.com>"));
        assert_eq!(env.to.len(), 2);
        assert_eq!(env.to[1].host, nstr(b"example.org"));
        assert_eq!(env.from[0].mailbox, nstr(b"jorg"));
        assert_eq!(env.sender, env.from, "no Sender: the From");
        let name = env.from[0].name.clone().into_option().unwrap();
        assert!(
            name.starts_with(b"=?utf-8?b?"),
            "{:?}",
            String::from_utf8_lossy(&name)
        );
    }

    #[test]
    fn sections_by_part_number() {
        let msg = MessageParser::default().parse(MULTI).unwrap();
        let one = Section::Part(Part(Vec1::from(std::num::NonZeroU32::MIN)));
        assert_eq!(section(&msg, Some(&one)), b"line one\r\nline two");
        let two = Section::Part(Part(Vec1::from(std::num::NonZeroU32::new(2).unwrap())));
        assert_eq!(section(&msg, Some(&two)), b"JVBERi0=");
        let header = section(&msg, Some(&Section::Header(None)));
        assert!(header.starts_with(b"From:") && header.ends_with(b"\r\n\r\n"));
        let names = Vec1::from(imap_next::imap_types::core::AString::try_from("subject").unwrap());
        let f = section(&msg, Some(&Section::HeaderFields(None, names)));
        assert_eq!(f, b"Subject: Hello\r\n\r\n");
        assert_eq!(section(&msg, None), MULTI);
        match structure(&msg, true) {
            BodyStructure::Multi {
                bodies, subtype, ..
            } => {
                assert_eq!(bodies.as_ref().len(), 2);
                assert_eq!(subtype, istr("mixed"));
            }
            other => panic!("not multipart: {other:?}"),
        }
    }

    const FORWARDED: &[u8] = b"Subject: outer\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
        --B\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--B\r\n\
        Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: x@example.com\r\n\r\n\
        inner body\r\n--B--\r\n";

    #[test]
    fn an_attached_message_has_its_own_envelope_header_and_parts() {
        let msg = MessageParser::default().parse(FORWARDED).unwrap();
        let two = |rest: &[u32]| {
            let mut v = vec![std::num::NonZeroU32::new(2).unwrap()];
            v.extend(rest.iter().map(|&n| std::num::NonZeroU32::new(n).unwrap()));
            Part(Vec1::try_from(v).unwrap())
        };
        let header = section(&msg, Some(&Section::Header(Some(two(&[])))));
        assert!(
            header.starts_with(b"Subject: inner"),
            "{:?}",
            String::from_utf8_lossy(&header)
        );
        let body = section(&msg, Some(&Section::Part(two(&[1]))));
        assert_eq!(body, b"inner body");
        let BodyStructure::Multi { bodies, .. } = structure(&msg, true) else {
            panic!("not multipart");
        };
        let BodyStructure::Single { body, .. } = &bodies.as_ref()[1] else {
            panic!("part 2 is not single");
        };
        let SpecificFields::Message { envelope, .. } = &body.specific else {
            panic!("part 2 is not a message: {body:?}");
        };
        assert_eq!(envelope.subject, nstr(b"inner"));
    }

    #[test]
    fn thousands_of_nested_multiparts_do_not_exhaust_the_stack() {
        let mut m = Vec::new();
        for i in 0..3000 {
            m.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")
                    .as_bytes(),
            );
        }
        m.extend_from_slice(b"Content-Type: text/plain\r\n\r\nx\r\n");
        let msg = MessageParser::default().parse(&m[..]).unwrap();
        let _ = structure(&msg, true);
    }

    #[test]
    fn a_single_part_message_is_its_own_part_one() {
        let raw = b"Subject: x\r\n\r\nbody\r\n";
        let msg = MessageParser::default().parse(&raw[..]).unwrap();
        let one = Section::Part(Part(Vec1::from(std::num::NonZeroU32::MIN)));
        assert_eq!(section(&msg, Some(&one)), b"body\r\n");
        assert_eq!(section(&msg, Some(&Section::Text(None))), b"body\r\n");
    }
}

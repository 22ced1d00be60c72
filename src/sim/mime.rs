//! The MIME messages clients send (RFC 5322 + RFC 2045–2049), read with `mail-parser`: what a
//! message says ([`summary`]), the Email class value of a mail the server holds as MIME (a Sent
//! Items copy, [`email`]), and the message the server completes for a SmartReply or
//! SmartForward ([`compose`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mail_parser::{Address, HeaderName, MessageParser, MimeHeaders};
use wbxml::Element;
use wbxml::tags::air_sync_base as asb;

use super::dates;
use super::mail::{BodyWanted, MailFlags};
use super::mail_state::flag;
use crate::proto::classes::airsyncbase::{Attachment, Attachments, Body};
use crate::proto::classes::email::Email;

/// What a message's headers and parts say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// A header of RFC 5322 or MIME was found: the bytes are a message at all.
    pub headers: bool,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: Option<String>,
    /// Unix seconds of the `Date` header.
    pub date: Option<i64>,
    pub text: Option<String>,
    pub html: Option<String>,
    /// Attachments: file name (or `attachment-N`), content type, bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

impl Summary {
    /// Whether the message names any recipient (To, Cc or Bcc).
    pub fn has_recipient(&self) -> bool {
        !(self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty())
    }
}

/// `"Name" <addr>` or `addr`, for each address of a header.
fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    let Some(a) = a else {
        return Vec::new();
    };
    a.iter()
        .filter_map(|addr| {
            let email = addr.address.as_deref()?;
            Some(match addr.name.as_deref() {
                Some(name) if !name.is_empty() => format!("\"{name}\" <{email}>"),
                _ => email.to_string(),
            })
        })
        .collect()
}

/// Reads a message; an unparseable one is a summary without headers.
pub fn summary(bytes: &[u8]) -> Summary {
    let Some(m) = MessageParser::default().parse(bytes) else {
        return Summary::default();
    };
    let attachments = m
        .attachments()
        .enumerate()
        .map(|(n, part)| {
            let name = part
                .attachment_name()
                .map_or_else(|| format!("attachment-{n}"), str::to_string);
            let ct = part.content_type().map_or_else(
                || "application/octet-stream".to_string(),
                |c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream")),
            );
            (name, ct, part.contents().to_vec())
        })
        .collect();
    Summary {
        headers: m
            .headers()
            .iter()
            .any(|h| !matches!(h.name, HeaderName::Other(_))),
        from: addresses(m.from()).into_iter().next(),
        to: addresses(m.to()),
        cc: addresses(m.cc()),
        bcc: addresses(m.bcc()),
        subject: m.subject().map(str::to_string),
        date: m.date().map(|d| d.to_timestamp()),
        text: m.body_text(0).map(|t| t.into_owned()),
        html: m.body_html(0).map(|t| t.into_owned()),
        attachments,
    }
}

/// The body of a mail held as MIME, in the form asked for (MS-ASAIRS 2.2.2.9): plain text,
/// HTML, or the whole message (Type 4); truncated as asked. MIME that is not UTF-8 goes as
/// OPAQUE `Data` (MS-ASWBXML 2.1.2.1), as Exchange passes 8-bit content through.
fn body(raw: &[u8], s: &Summary, want: &BodyWanted) -> Body {
    let (body_type, data): (u8, Vec<u8>) = match (want.body_type, &s.html) {
        (4, _) => (4, raw.to_vec()),
        (2, Some(html)) => (2, html.clone().into_bytes()),
        _ => (1, s.text.clone().unwrap_or_default().into_bytes()),
    };
    let full = data.len() as u32;
    let cut = want
        .truncation
        .map_or(data.len(), |l| (l as usize).min(data.len()));
    let truncated = cut < data.len();
    let preview = want.preview.map(|n| {
        let text = s.text.clone().unwrap_or_default();
        text.chars().take(n as usize).collect()
    });
    let mut b = Body {
        body_type: Some(body_type),
        estimated_data_size: Some(full),
        truncated: Some(truncated),
        preview,
        ..Body::default()
    };
    let data = &data[..cut];
    match std::str::from_utf8(data) {
        Ok(text) if !(truncated && text.is_empty()) => b.data = Some(text.to_string()),
        Ok(_) => {}
        Err(e) if truncated && e.error_len().is_none() => {
            b.data = std::str::from_utf8(&data[..e.valid_up_to()])
                .ok()
                .map(str::to_string);
        }
        Err(_) => b
            .extra
            .push(Element::new(asb::DATA).with_opaque(data.to_vec())),
    }
    b
}

/// The Email class value (MS-ASEMAIL 2.2.2) of a mail the server holds as the MIME `raw`,
/// item `item` of folder `folder_id` (attachments are fetched as `folder:item:n`).
pub fn email(
    raw: &[u8],
    (folder_id, item): (&str, u32),
    state: &MailFlags,
    want: &BodyWanted,
) -> Email {
    let s = summary(raw);
    let attachments: Vec<Attachment> = s
        .attachments
        .iter()
        .enumerate()
        .map(|(n, (name, _, data))| Attachment {
            display_name: Some(name.clone()),
            file_reference: Some(format!("{folder_id}:{item}:{n}")),
            method: Some(1),
            estimated_data_size: Some(data.len() as u32),
            ..Attachment::default()
        })
        .collect();
    let when = s.date.unwrap_or(0);
    let display_to = s.to.iter().map(|a| display_name(a)).collect::<Vec<_>>();
    Email {
        to: (!s.to.is_empty()).then(|| s.to.join(", ")),
        cc: (!s.cc.is_empty()).then(|| s.cc.join(", ")),
        from: s.from.clone(),
        subject: s.subject.clone(),
        date_received: Some(dates::iso(when)),
        display_to: Some(display_to.join("; ")),
        thread_topic: s.subject.clone(),
        importance: Some(1),
        read: Some(state.read),
        attachments: (!attachments.is_empty()).then(|| Attachments::from(attachments)),
        body: Some(body(raw, &s, want)),
        message_class: Some("IPM.Note".into()),
        internet_cpid: Some("65001".into()),
        flag: Some(flag(state.flag_status)),
        content_class: Some("urn:content-classes:message".into()),
        native_body_type: Some(if s.html.is_some() { 2 } else { 1 }),
        ..Email::default()
    }
}

/// The display name of `"Name" <addr>`, or the address.
fn display_name(a: &str) -> String {
    match a.split_once("\" <") {
        Some((name, _)) => name.trim_start_matches('"').to_string(),
        None => a.to_string(),
    }
}

/// Attachment `n` of a message held as MIME: its content type and bytes.
pub fn attachment(raw: &[u8], n: usize) -> Option<(String, Vec<u8>)> {
    let (_, ct, data) = summary(raw).attachments.into_iter().nth(n)?;
    Some((ct, data))
}

/// The original of a reply or forward, as the server appends it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Original {
    pub from: String,
    pub to: String,
    pub subject: String,
    /// Unix seconds.
    pub date: i64,
    pub text: String,
    /// (file name, content type, bytes).
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// The client's header block and body, split at the first empty line.
fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(at) = raw.windows(len).position(|w| w == sep) {
            return (&raw[..at], &raw[at + len..]);
        }
    }
    (raw, b"")
}

/// The header lines (with their folded continuations) of `head`, split into the message's own
/// and its content's (`Content-*`); `MIME-Version` is dropped (the composed message has its own).
fn headers(head: &[u8]) -> (Vec<u8>, Vec<u8>) {
    #[derive(Clone, Copy, PartialEq)]
    enum To {
        Message,
        Content,
        Dropped,
    }
    let (mut message, mut content) = (Vec::new(), Vec::new());
    let mut to = To::Message;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.starts_with(b" ") && !line.starts_with(b"\t") {
            let lower = line.to_ascii_lowercase();
            to = match () {
                _ if lower.starts_with(b"mime-version:") => To::Dropped,
                _ if lower.starts_with(b"content-") => To::Content,
                _ => To::Message,
            };
        }
        let out = match to {
            To::Message => &mut message,
            To::Content => &mut content,
            To::Dropped => continue,
        };
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    (message, content)
}

/// The message that goes out for a SmartReply or SmartForward without `ReplaceMime`
/// (MS-ASCMD 2.2.1.19, 2.2.1.20, 2.2.3.148): the client's message headers, then a
/// multipart/mixed holding the client's content as it was sent, the original's header block and
/// text ("-----Original Message-----", as Exchange quotes it) and, for a forward, the
/// original's attachments. Exchange merges the original into the new body; the simulator keeps
/// the client's part byte for byte and appends the original as a part of its own, which mail
/// readers show in the same order.
pub fn compose(client: &[u8], original: &Original, with_attachments: bool, n: usize) -> Vec<u8> {
    let (head, body) = split(client);
    let (message, mut content) = headers(head);
    if !content
        .to_ascii_lowercase()
        .windows(13)
        .any(|w| w == b"content-type:")
    {
        content.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\n");
    }
    let boundary = format!("=_easync-sim-{n}");
    let mut out = message;
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    let ct = format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n");
    out.extend_from_slice(ct.as_bytes());
    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    out.extend_from_slice(&content);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    let quoted = format!(
        "\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\nContent-Disposition: inline\r\n\r\n\
         -----Original Message-----\r\nFrom: {}\r\nSent: {}\r\nTo: {}\r\nSubject: {}\r\n\r\n{}\r\n",
        original.from,
        dates::rfc5322(original.date),
        original.to,
        original.subject,
        original.text
    );
    out.extend_from_slice(quoted.as_bytes());
    for (name, ct, data) in original.attachments.iter().filter(|_| with_attachments) {
        let part = format!(
            "--{boundary}\r\nContent-Type: {ct}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        );
        out.extend_from_slice(part.as_bytes());
        for line in STANDARD.encode(data).as_bytes().chunks(76) {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

//! Generated mail: one message per (seed, folder, index), with UTF-8 headers, a plain and an
//! HTML body of 2–4 KB, text attachments on every seventh message, and the whole RFC 5322 form
//! for `BodyPreference` type 4 and ItemOperations. A message's content never depends on its
//! version; only its state does ([`flags`]: read, follow-up flag, categories), which a change
//! flips as mail changes on a real server, or which [`super::Sim::set_mail_flags`] sets.
//!
//! With the `odd-items` switch ([`super::profile`]) a few messages ([`oddity`]) are odd the way
//! real stores are: a windows-1252 body sent as OPAQUE, or empty numeric elements.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::dates;
use super::rng::Rng;
use wbxml::Element;
use wbxml::tags::{air_sync_base as asb, email as em};

use super::mail_state::flag;
pub use super::mail_state::{
    MailFlags, Oddity, flags, is_odd, merge_sent, oddity, partial_change, to_windows_1252,
    windows_1252_text,
};
use crate::proto::classes::airsyncbase::{Attachment, Attachments, Body};
use crate::proto::classes::email::{Category, Email};
use crate::proto::classes::{List, Opaque};

/// What the client asked for in `BodyPreference` (MS-ASAIRS 2.2.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyWanted {
    /// 1 plain, 2 HTML, 3 RTF (served as plain), 4 MIME.
    pub body_type: u8,
    pub truncation: Option<u32>,
    pub preview: Option<u32>,
}

impl BodyWanted {
    /// The first `BodyPreference` of an `Options` element (Sync or ItemOperations); plain
    /// text, whole, when there is none.
    pub fn from_options(options: Option<&wbxml::Element<'_>>) -> Self {
        let pref = options.and_then(|o| o.child(17, "BodyPreference"));
        let num = |name| {
            pref.and_then(|p| p.child(17, name))
                .and_then(|e| e.text().trim().parse().ok())
        };
        Self {
            body_type: num("Type").map_or(1, |t: u32| t as u8),
            truncation: num("TruncationSize"),
            preview: num("Preview"),
        }
    }
}

impl Default for BodyWanted {
    fn default() -> Self {
        Self {
            body_type: 1,
            truncation: None,
            preview: None,
        }
    }
}

const NAMES: [(&str, &str); 8] = [
    ("Zoë Åkesson", "zoe.akesson"),
    ("José Núñez", "jose.nunez"),
    ("田中 太郎", "taro.tanaka"),
    ("Øystein Ødegård", "oystein"),
    ("Ana-Maria Popescu", "ana.popescu"),
    ("Σωκράτης Παππάς", "sokratis"),
    ("Bob Example", "bob"),
    ("Chloé d'Artagnan", "chloe"),
];

const SUBJECTS: [&str; 8] = [
    "Quarterly report Q{n}",
    "Grüße aus München – Planung {n}",
    "会议通知 #{n}",
    "Re: Budget 2027 (draft {n})",
    "Fwd: Invoice №{n} 💶",
    "Déjeuner vendredi ? ({n})",
    "Status update: build {n} is green ✅",
    "Ελληνικά: συνάντηση {n}",
];

const SENTENCES: [&str; 8] = [
    "The quarterly numbers are attached; please review them before Thursday.",
    "Die Zahlen für das dritte Quartal liegen jetzt vor, bitte prüfen.",
    "Nous avons déplacé la réunion à 15 h, salle « Everest ».",
    "明日の会議は午後三時からです。資料を準備してください。",
    "Η συνάντηση μεταφέρθηκε για την Παρασκευή.",
    "Let me know if anything in the contract <section 4> looks wrong & why.",
    "Budget lines: travel 12%, hardware 30%, training 8% — all within the plan.",
    "Sincerely, and with thanks for the quick turnaround.",
];

/// The fixed content of one message.
pub struct Message {
    pub from: String,
    pub to: String,
    pub cc: Option<String>,
    pub subject: String,
    pub date: i64,
    pub paragraphs: Vec<String>,
    pub attachments: Vec<(String, Vec<u8>)>,
    pub message_id: String,
    /// The body is windows-1252 (an odd item): its MIME parts say so, its `Data` is OPAQUE.
    pub windows_1252: bool,
}

fn address(rng: &mut Rng) -> String {
    let (name, local) = rng.pick(&NAMES);
    format!("\"{name}\" <{local}@example.test>")
}

/// The message at `idx` of `folder`.
pub fn message(seed: u64, folder: &str, idx: u32) -> Message {
    let mut rng = Rng::for_item(seed, folder, idx, 0);
    let from = address(&mut rng);
    let cc = rng.one_in(4).then(|| address(&mut rng));
    let subject = rng.pick(&SUBJECTS).replace("{n}", &idx.to_string());
    let date = dates::wall(2026, 1, 1, 0, 0) + i64::from(idx) * 300 + rng.range(0, 300) as i64;
    let target = rng.range(2048, 4096) as usize;
    let (mut paragraphs, mut len) = (Vec::new(), 0);
    while len < target {
        let mut p = String::new();
        for _ in 0..rng.range(2, 6) {
            p.push_str(rng.pick::<&str>(&SENTENCES));
            p.push(' ');
        }
        len += p.len();
        paragraphs.push(p.trim_end().to_string());
    }
    let attachments = (0..attachment_count(idx))
        .map(|n| attachment(seed, folder, idx, n))
        .collect();
    Message {
        from,
        to: "\"Demo User\" <demo@easync.test>".into(),
        cc,
        subject,
        date,
        paragraphs,
        attachments,
        message_id: format!("<sim-{seed}-{idx}.{}@easync.test>", folder.len()),
        windows_1252: false,
    }
}

fn attachment_count(idx: u32) -> u32 {
    match idx {
        i if i.is_multiple_of(21) => 2,
        i if i.is_multiple_of(7) => 1,
        _ => 0,
    }
}

/// Attachment `n` of a message: its file name and bytes (text, 1–12 KB).
pub fn attachment(seed: u64, folder: &str, idx: u32, n: u32) -> (String, Vec<u8>) {
    let mut rng = Rng::for_item(seed, folder, idx, 1000 + n);
    let name = if n == 0 {
        format!("minutes-{idx}.txt")
    } else {
        format!("données-{idx}.csv")
    };
    let mut body = String::new();
    let size = rng.range(1024, 12 * 1024) as usize;
    while body.len() < size {
        body.push_str(rng.pick::<&str>(&SENTENCES));
        body.push_str("\r\n");
    }
    (name, body.into_bytes())
}

impl Message {
    pub fn plain(&self) -> String {
        self.paragraphs.join("\r\n\r\n")
    }

    pub fn html(&self) -> String {
        let mut out = String::from("<html><body>");
        for p in &self.paragraphs {
            out.push_str("<p>");
            out.push_str(
                &p.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;"),
            );
            out.push_str("</p>");
        }
        out.push_str("</body></html>");
        out
    }

    /// The whole message (RFC 5322 + MIME): multipart/alternative, inside multipart/mixed
    /// when it has attachments.
    pub fn mime(&self) -> String {
        let subject = if self.subject.is_ascii() {
            self.subject.clone()
        } else {
            format!("=?UTF-8?B?{}?=", STANDARD.encode(&self.subject))
        };
        let mut m = format!(
            "From: {}\r\nTo: {}\r\n{}Subject: {subject}\r\nDate: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\n",
            header_words(&self.from),
            self.to,
            self.cc
                .as_ref()
                .map(|c| format!("Cc: {}\r\n", header_words(c)))
                .unwrap_or_default(),
            dates::rfc5322(self.date),
            self.message_id
        );
        let cs = if self.windows_1252 {
            "windows-1252"
        } else {
            "utf-8"
        };
        let alternative = format!(
            "--alt\r\nContent-Type: text/plain; charset={cs}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n\
             --alt\r\nContent-Type: text/html; charset={cs}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n--alt--\r\n",
            self.plain(),
            self.html()
        );
        if self.attachments.is_empty() {
            m.push_str("Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n");
            m.push_str(&alternative);
            return m;
        }
        m.push_str("Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n");
        m.push_str("Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n");
        m.push_str(&alternative);
        for (name, data) in &self.attachments {
            let encoded = STANDARD.encode(data);
            m.push_str(&format!(
                "--mix\r\nContent-Type: text/plain; charset=utf-8; name*=UTF-8''{0}\r\n\
                 Content-Disposition: attachment; filename*=UTF-8''{0}\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                percent(name)
            ));
            for line in encoded.as_bytes().chunks(76) {
                m.push_str(std::str::from_utf8(line).unwrap_or_default());
                m.push_str("\r\n");
            }
        }
        m.push_str("--mix--\r\n");
        m
    }
}

/// `"Zoë" <z@x>` with the display name RFC 2047-encoded when it is not ASCII.
fn header_words(addr: &str) -> String {
    match addr.split_once("\" <") {
        Some((name, rest)) if !name.is_ascii() => format!(
            "=?UTF-8?B?{}?= <{rest}",
            STANDARD.encode(name.trim_start_matches('"'))
        ),
        _ => addr.to_string(),
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The body in the form asked for, truncated as asked (MS-ASAIRS 2.2.2.9). A windows-1252
/// message's `Data` is OPAQUE in that charset (`EstimatedDataSize` counts its bytes).
fn body(msg: &Message, want: &BodyWanted) -> Body {
    let (body_type, mut data) = match want.body_type {
        2 => (2, msg.html()),
        4 => (4, msg.mime()),
        _ => (1, msg.plain()),
    };
    let full = if msg.windows_1252 {
        to_windows_1252(&data).len() as u32
    } else {
        data.len() as u32
    };
    let mut truncated = false;
    if let Some(limit) = want.truncation.filter(|&l| (l as usize) < data.len()) {
        let mut cut = limit as usize;
        while !data.is_char_boundary(cut) {
            cut -= 1;
        }
        data.truncate(cut);
        truncated = true;
    }
    let preview = want
        .preview
        .map(|n| msg.plain().chars().take(n as usize).collect());
    let data = (!(truncated && data.is_empty())).then_some(data);
    let mut b = Body {
        body_type: Some(body_type),
        estimated_data_size: Some(full),
        truncated: Some(truncated),
        preview,
        ..Body::default()
    };
    match data {
        Some(d) if msg.windows_1252 => b
            .extra
            .push(Element::new(asb::DATA).with_opaque(to_windows_1252(&d))),
        d => b.data = d,
    }
    b
}

/// Which mail to generate: `stream` and `idx` name its content
/// ([`super::mailbox::Folder::content_id`], or where a moved mail came from), `folder_id` and
/// `item` the item it is now (in `FileReference`s).
#[derive(Debug, Clone, Copy)]
pub struct MailRef<'a> {
    pub folder_id: &'a str,
    pub stream: &'a str,
    pub idx: u32,
    pub item: u32,
}

/// The Email class value of a message (MS-ASEMAIL 2.2.2) for the folder `folder_id`, its
/// state generated from `version`.
pub fn email(seed: u64, folder_id: &str, idx: u32, version: u32, want: &BodyWanted) -> Email {
    let at = MailRef {
        folder_id,
        stream: folder_id,
        idx,
        item: idx,
    };
    email_in(seed, at, &flags(idx, version, None), None, want)
}

/// The Email class value of a message in `state`, odd as `odd` says.
pub fn email_in(
    seed: u64,
    at: MailRef<'_>,
    state: &MailFlags,
    odd: Option<Oddity>,
    want: &BodyWanted,
) -> Email {
    let MailRef {
        folder_id,
        idx,
        item,
        ..
    } = at;
    let mut msg = message(seed, at.stream, idx);
    if odd == Some(Oddity::Windows1252Body) {
        msg.paragraphs = vec![windows_1252_text(idx)];
        msg.windows_1252 = true;
    }
    let attachments: Vec<Attachment> = msg
        .attachments
        .iter()
        .enumerate()
        .map(|(n, (name, data))| Attachment {
            display_name: Some(name.clone()),
            file_reference: Some(format!("{folder_id}:{item}:{n}")),
            method: Some(1),
            estimated_data_size: Some(data.len() as u32),
            ..Attachment::default()
        })
        .collect();
    let mut e = Email {
        to: Some(msg.to.clone()),
        cc: msg.cc.clone(),
        from: Some(msg.from.clone()),
        subject: Some(msg.subject.clone()),
        date_received: Some(dates::iso(msg.date)),
        display_to: Some("Demo User".into()),
        thread_topic: Some(msg.subject.trim_start_matches("Re: ").to_string()),
        importance: Some((idx.is_multiple_of(5)) as u8 * 2),
        read: Some(state.read),
        attachments: (!attachments.is_empty()).then(|| Attachments::from(attachments)),
        body: Some(body(&msg, want)),
        message_class: Some("IPM.Note".into()),
        internet_cpid: Some(if msg.windows_1252 { "1252" } else { "65001" }.into()),
        flag: Some(flag(state.flag_status)),
        content_class: Some("urn:content-classes:message".into()),
        native_body_type: Some(2),
        categories: (!state.categories.is_empty()).then(|| {
            List::from(
                state
                    .categories
                    .iter()
                    .map(|c| Category(c.clone()))
                    .collect::<Vec<_>>(),
            )
        }),
        conversation_id: Some(Opaque(idx.to_be_bytes().repeat(4))),
        ..Email::default()
    };
    if odd == Some(Oddity::EmptyNumbers) {
        e.importance = None;
        e.extra.push(Element::new(em::IMPORTANCE));
        if let Some(b) = e.body.as_mut() {
            b.estimated_data_size = None;
            b.extra.push(Element::new(asb::ESTIMATED_DATA_SIZE));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_deterministic_sized_and_well_formed() {
        let a = message(1, "inbox", 42);
        let b = message(1, "inbox", 42);
        assert_eq!(a.subject, b.subject);
        assert_eq!(a.plain(), b.plain());
        assert!(
            (2048..4096 + 600).contains(&a.plain().len()),
            "{}",
            a.plain().len()
        );
        let mime = message(1, "inbox", 21).mime();
        assert!(mime.contains("multipart/mixed") && mime.ends_with("--mix--\r\n"));
        assert_eq!(mime.matches("Content-Disposition: attachment").count(), 2);
        assert!(!message(1, "inbox", 1).mime().contains("multipart/mixed"));
    }

    #[test]
    fn bodies_follow_the_preference() {
        let html = BodyWanted {
            body_type: 2,
            truncation: Some(100),
            preview: Some(20),
        };
        let e = email(1, "inbox", 5, 0, &html);
        let body = e.body.unwrap();
        assert_eq!(body.body_type, Some(2));
        assert_eq!(body.truncated, Some(true));
        assert!(body.data.unwrap().len() <= 100);
        assert!(body.estimated_data_size.unwrap() > 2000);
        assert_eq!(body.preview.unwrap().chars().count(), 20);
        // A change flips the read flag.
        let read = |v| email(1, "inbox", 5, v, &BodyWanted::default()).read;
        assert_ne!(read(0), read(1));
    }
}

//! The answer to a meeting invitation as a message to its organizer (iCalendar `METHOD:REPLY`,
//! RFC 5546 3.2.3, in a `text/calendar` part, RFC 6047). Before EAS 16.0 the server does not
//! tell the organizer when an attendee answers with MeetingResponse: the client sends this
//! itself with SendMail (MS-ASCMD 2.2.1.11). On 16.x the server sends it (`SendResponse`).

use chrono::{DateTime, Utc};

/// What the reply is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invitation {
    pub uid: String,
    pub organizer: String,
    pub subject: Option<String>,
    /// iCalendar UTC date-times (`20261203T090000Z`).
    pub start: Option<String>,
    pub end: Option<String>,
    /// One occurrence of a series: its original start, UTC.
    pub recurrence_id: Option<String>,
}

/// The answer (RFC 5545 3.2.12 PARTSTAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    Tentative,
    Declined,
}

impl Answer {
    fn partstat(self) -> &'static str {
        match self {
            Self::Accepted => "ACCEPTED",
            Self::Tentative => "TENTATIVE",
            Self::Declined => "DECLINED",
        }
    }

    /// The subject prefix Outlook and Exchange use.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::Tentative => "Tentative",
            Self::Declined => "Declined",
        }
    }
}

/// A TEXT value escaped (RFC 5545 3.3.11).
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a character (RFC 5545 3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// An address or a value for one line: controls removed.
fn clean(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).collect()
}

/// The iCalendar REPLY.
pub fn calendar(inv: &Invitation, attendee: &str, answer: Answer, now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "PRODID:-//easync//EN".into(),
        "VERSION:2.0".into(),
        "METHOD:REPLY".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(&inv.uid)),
        format!("DTSTAMP:{}", now.format("%Y%m%dT%H%M%SZ")),
    ];
    if let Some(r) = &inv.recurrence_id {
        lines.push(format!("RECURRENCE-ID:{}", clean(r)));
    }
    if let Some(s) = &inv.start {
        lines.push(format!("DTSTART:{}", clean(s)));
    }
    if let Some(e) = &inv.end {
        lines.push(format!("DTEND:{}", clean(e)));
    }
    if let Some(s) = &inv.subject {
        lines.push(format!("SUMMARY:{}", escape(s)));
    }
    lines.push(format!("ORGANIZER:mailto:{}", clean(&inv.organizer)));
    lines.push(format!(
        "ATTENDEE;PARTSTAT={};CN={}:mailto:{}",
        answer.partstat(),
        quote_param(attendee),
        clean(attendee)
    ));
    lines.extend(["END:VEVENT".into(), "END:VCALENDAR".into()]);
    lines.iter().map(|l| fold(l)).collect()
}

/// A parameter value in double quotes (RFC 5545 3.2: no `"` inside).
fn quote_param(v: &str) -> String {
    format!("\"{}\"", clean(v).replace('"', "'"))
}

/// The whole message to the organizer: the note as text, the REPLY as `text/calendar`.
pub fn message(
    inv: &Invitation,
    attendee: &str,
    answer: Answer,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let boundary = format!("easync-reply-{}", now.timestamp_nanos_opt().unwrap_or(0));
    let subject = format!(
        "{}: {}",
        answer.verb(),
        inv.subject.as_deref().unwrap_or("(no subject)")
    );
    let note = note
        .unwrap_or("")
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let cal = calendar(inv, attendee, answer, now);
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{note}\r\n\
         --{boundary}\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{cal}--{boundary}--\r\n",
        from = clean(attendee),
        to = clean(&inv.organizer),
        subject = encode_subject(&subject),
    )
    .into_bytes()
}

/// A Subject with non-ASCII text as an RFC 2047 encoded word.
fn encode_subject(s: &str) -> String {
    use base64::Engine as _;
    let s = clean(s);
    if s.is_ascii() {
        return s;
    }
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn inv() -> Invitation {
        Invitation {
            uid: "040000008200E00074C5B7101A82E008-1".into(),
            organizer: "alice@x.test".into(),
            subject: Some("Plan, review; and ship — Größe".into()),
            start: Some("20261203T090000Z".into()),
            end: Some("20261203T100000Z".into()),
            recurrence_id: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap()
    }

    #[test]
    fn the_reply_names_the_event_and_the_answer_and_reads_back_with_calcard() {
        let text = calendar(&inv(), "bob@x.test", Answer::Tentative, now());
        assert!(text.contains("METHOD:REPLY\r\n"));
        assert!(
            text.contains("ATTENDEE;PARTSTAT=TENTATIVE;CN=\"bob@x.test\":mailto:bob@x.test\r\n")
        );
        assert!(text.contains("SUMMARY:Plan\\, review\\; and ship — Größe\r\n"));
        let parsed = calcard::icalendar::ICalendar::parse(&text).expect("valid iCalendar");
        assert!(
            parsed
                .to_string()
                .contains("040000008200E00074C5B7101A82E008-1")
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut i = inv();
        i.subject = Some("ü".repeat(60));
        let text = calendar(&i, "bob@x.test", Answer::Accepted, now());
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
    }

    #[test]
    fn the_message_goes_to_the_organizer_with_the_verb_in_the_subject() {
        let m = String::from_utf8(message(
            &inv(),
            "bob@x.test",
            Answer::Declined,
            Some("Sorry"),
            now(),
        ))
        .unwrap();
        assert!(m.starts_with("From: bob@x.test\r\nTo: alice@x.test\r\nSubject: =?UTF-8?B?"));
        assert!(m.contains("method=REPLY"));
        assert!(m.contains("\r\n\r\nSorry\r\n"));
        let parsed = mail_parser::MessageParser::default()
            .parse(m.as_bytes())
            .unwrap();
        assert!(parsed.subject().unwrap().starts_with("Declined: Plan"));
    }
}

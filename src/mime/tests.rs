use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap()
}

fn env(recipients: &[&str], t: bool) -> Envelope {
    Envelope {
        recipients: recipients.iter().map(|s| s.to_string()).collect(),
        from_headers: t,
        sender: None,
    }
}

fn prep(raw: &[u8], e: &Envelope) -> Prepared {
    prepare(raw, e, "me@example.test", now(), 0xabc).unwrap()
}

fn text(p: &Prepared) -> String {
    String::from_utf8(p.mime.clone()).unwrap()
}

#[test]
fn a_complete_message_is_sent_as_written_with_crlf() {
    let raw = b"From: Me <me@example.test>\nTo: bob@example.test\nSubject: hi\n\
        Date: Tue, 1 Dec 2026 10:00:00 +0000\nMessage-ID: <m1@example.test>\n\nbody\n";
    let p = prep(raw, &env(&["bob@example.test"], false));
    assert_eq!(p.mime, header::crlf(raw));
    assert_eq!(p.recipients, ["bob@example.test"]);
    assert_eq!(p.message_id, "<m1@example.test>");
    assert_eq!(p.subject.as_deref(), Some("hi"));
    assert!(p.warnings.is_empty());
}

#[test]
fn missing_from_date_and_message_id_are_added_first() {
    let p = prep(
        b"To: bob@example.test\n\nhello\n",
        &env(&["bob@example.test"], false),
    );
    let t = text(&p);
    assert!(t.starts_with(
        "From: me@example.test\r\nDate: Wed, 2 Dec 2026 09:30:00 +0000\r\n\
         Message-ID: <easync.1796203800.0000000000000abc@example.test>\r\nTo: bob@example.test\r\n\r\nhello\r\n"
    ), "{t}");
    assert_eq!(
        p.message_id,
        "<easync.1796203800.0000000000000abc@example.test>"
    );
}

#[test]
fn recipients_named_only_on_the_command_line_go_into_bcc() {
    // mutt: To and Cc in the header, the Bcc addresses only as arguments.
    let raw = b"From: me@example.test\nTo: a@x.test\nCc: b@x.test\nSubject: s\n\nbody\n";
    let p = prep(raw, &env(&["a@x.test", "b@x.test", "hidden@x.test"], false));
    assert_eq!(p.recipients, ["a@x.test", "b@x.test", "hidden@x.test"]);
    let t = text(&p);
    assert!(t.contains("\r\nBcc: hidden@x.test\r\nFrom: me@example.test\r\nTo: a@x.test\r\nCc: b@x.test\r\nSubject: s\r\n\r\nbody"), "{t}");
}

#[test]
fn an_existing_bcc_field_is_extended_not_doubled() {
    let raw = b"To: a@x.test\nBcc: old@x.test\nSubject: s\n\nb\n";
    let p = prep(raw, &env(&["new@x.test"], true));
    let t = text(&p);
    assert_eq!(t.matches("Bcc:").count(), 1, "{t}");
    assert!(t.contains("Bcc: old@x.test, new@x.test\r\n"));
    assert_eq!(p.recipients, ["new@x.test", "a@x.test", "old@x.test"]);
}

#[test]
fn dash_t_takes_to_cc_and_bcc_with_groups_and_encoded_names() {
    let raw = "To: =?UTF-8?B?Wm/DqyDDhWtlc3Nvbg==?= <zoe@x.test>, team: c@x.test, d@x.test;\n\
               Cc: \"Bob, Jr.\" <bob@x.test>\nBcc: e@x.test\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n\nb\n";
    let p = prep(raw.as_bytes(), &env(&[], true));
    assert_eq!(
        p.recipients,
        [
            "zoe@x.test",
            "c@x.test",
            "d@x.test",
            "bob@x.test",
            "e@x.test"
        ]
    );
    assert_eq!(p.subject.as_deref(), Some("Grüße"));
    assert!(
        text(&p).contains("Bcc: e@x.test\r\n"),
        "the Bcc field is kept for the server"
    );
}

#[test]
fn header_addresses_not_named_are_reported() {
    let p = prep(
        b"To: a@x.test, other@x.test\n\nb\n",
        &env(&["a@x.test"], false),
    );
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].starts_with("other@x.test is in"));
    assert_eq!(p.recipients, ["a@x.test", "other@x.test"]);
}

#[test]
fn no_recipient_empty_or_bad_input_is_refused() {
    let none = prepare(b"Subject: x\n\nb\n", &env(&[], false), "me@x", now(), 1);
    assert_eq!(none, Err(MessageError::NoRecipients));
    assert_eq!(
        prepare(b" \n", &env(&["a@x"], false), "me@x", now(), 1),
        Err(MessageError::Empty)
    );
    assert!(matches!(
        prepare(b"b\n", &env(&["a b@x"], false), "me@x", now(), 1),
        Err(MessageError::BadRecipient(_))
    ));
}

#[test]
fn text_without_header_gets_one() {
    let p = prep(
        b"just a line\n",
        &env(&["Bob <bob@x.test>, carol@x.test"], false),
    );
    let t = text(&p);
    assert!(
        t.ends_with("Bcc: bob@x.test, carol@x.test\r\n\r\njust a line\r\n"),
        "{t}"
    );
    assert_eq!(p.recipients, ["bob@x.test", "carol@x.test"]);
}

#[test]
fn in_reply_to_names_the_first_message_id() {
    let p = prep(
        b"To: a@x.test\nIn-Reply-To: <orig.1@host> <orig.2@host>\n\nb\n",
        &env(&["a@x.test"], false),
    );
    assert_eq!(p.in_reply_to.as_deref(), Some("<orig.1@host>"));
}

#[test]
fn eight_bit_bodies_and_binary_parts_are_kept_byte_for_byte() {
    let mut raw =
        b"To: a@x.test\r\nSubject: caf\xc3\xa9\r\nContent-Type: text/plain; charset=latin1\r\n\r\n"
            .to_vec();
    raw.extend_from_slice(b"caf\xe9 \x00\xff\r\n");
    let p = prep(&raw, &env(&["a@x.test"], false));
    assert!(p.mime.ends_with(b"\r\n\r\ncaf\xe9 \x00\xff\r\n"));
}

//! SendMail, SmartReply and SmartForward as Exchange answers them ([`super::cmd_compose`]):
//! the outbox byte for byte, the Sent Items copy, duplicate ClientIds, the original appended,
//! the statuses of bad requests, and the `send-status` / `commit-then-drop` faults.

use super::faults::{ClientOp, Fault, Scope};
use super::server::Reply;
use super::testkit::{Client, ops, sim};
use super::{Profile, mime};
use crate::proto::classes::ApplicationData;
use crate::proto::compose::{Forwardee, Message, SendMail, SmartForward, SmartReply, Source};
use crate::proto::sync::ServerCommand;
use crate::proto::{Command, ProtocolVersion};

const VERSIONS: [ProtocolVersion; 4] = [
    ProtocolVersion::V14_0,
    ProtocolVersion::V14_1,
    ProtocolVersion::V16_0,
    ProtocolVersion::V16_1,
];

/// A message with raw UTF-8 in a header, an encoded word, 8-bit Latin-1 in the body and a Bcc.
fn message(subject: &str) -> Vec<u8> {
    let mut m = format!(
        "From: =?UTF-8?B?Wm/DqyDDhWtlc3Nvbg==?= <demo@easync.test>\r\nTo: Bob <bob@example.test>\r\n\
         Bcc: hidden@example.test\r\nSubject: {subject}\r\nDate: Mon, 11 Jan 2027 09:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nCaf"
    )
    .into_bytes();
    m.extend_from_slice(b"\xe9 at noon.\r\n");
    m
}

fn status(r: Reply) -> Option<u16> {
    match r {
        Reply::Empty => None,
        Reply::Status(code) => Some(code),
        other => panic!("a send answered {other:?}"),
    }
}

#[test]
fn a_sent_message_is_in_the_outbox_byte_for_byte_in_every_version() {
    let sim = sim(Profile::exchange());
    for (n, v) in VERSIONS.into_iter().enumerate() {
        let c = Client::new(&sim, v);
        let mime = message("Grüße – naïve ✅");
        assert_eq!(status(c.send_mail(&format!("c{n}"), &mime, false)), None);
        let sent = &sim.outbox()[n];
        assert_eq!(*sent.mime, mime, "{v:?}: stored as sent");
        assert_eq!(sent.delivered, sent.mime);
        assert_eq!(sent.subject.as_deref(), Some("Grüße – naïve ✅"));
        assert_eq!(
            sent.from.as_deref(),
            Some("\"Zoë Åkesson\" <demo@easync.test>")
        );
        assert_eq!(sent.to, vec!["\"Bob\" <bob@example.test>".to_string()]);
        assert_eq!(sent.bcc, vec!["hidden@example.test".to_string()]);
        assert_eq!(sent.recipients().len(), 2, "Bcc is a recipient");
        assert_eq!((sent.command, sent.saved_as.as_deref()), ("SendMail", None));
    }
    assert!(
        sim.items("Sent Items")
            .unwrap()
            .iter()
            .all(|i| i.subject.as_deref() != Some("x"))
    );
}

#[test]
fn save_in_sent_items_makes_a_read_copy_every_device_gets() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, ProtocolVersion::V16_1);
    let b = a.as_device("B");
    let (ka, kb) = (a.prime("sent"), b.prime("sent"));
    assert_eq!(status(a.send_mail("m1", &message("Kopie"), true)), None);
    let saved = sim.outbox()[0].saved_as.clone().expect("a Sent Items copy");
    for (c, key) in [(&a, &ka), (&b, &kb)] {
        let r = c.sync_one("sent", key, 100).expect("the copy");
        assert_eq!(
            ops(&r),
            vec![("Add", saved.clone())],
            "the sender gets it too"
        );
        let ServerCommand::Add {
            data: ApplicationData::Email(e),
            ..
        } = &r.commands[0]
        else {
            panic!("an Email Add: {:?}", r.commands[0]);
        };
        assert_eq!((e.subject.as_deref(), e.read), (Some("Kopie"), Some(true)));
        assert_eq!(e.to.as_deref(), Some("\"Bob\" <bob@example.test>"));
        assert_eq!(e.date_received.as_deref(), Some("2027-01-11T09:00:00.000Z"));
        let body = e.body.as_ref().unwrap();
        assert_eq!(body.data.as_deref(), Some("Café at noon.\r\n"));
    }
    let view = sim.item(&saved).unwrap();
    assert_eq!(view.subject.as_deref(), Some("Kopie"));
    assert!(view.mail.unwrap().read);
    // The whole message (Type 4) is the one sent: the sender's copy keeps the Bcc.
    let fetched = a.fetch_mime("sent", &saved);
    let has = |needle: &[u8]| fetched.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"Bcc: hidden@example.test") && has(b"Caf\xe9"));
}

#[test]
fn the_same_client_id_is_sent_once_per_device() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, ProtocolVersion::V14_1);
    assert_eq!(status(a.send_mail("same", &message("Once"), true)), None);
    assert_eq!(
        status(a.send_mail("same", &message("Once"), true)),
        Some(118)
    );
    assert_eq!(sim.outbox().len(), 1, "not delivered twice");
    assert_eq!(
        sim.mails_with_subject("Once").len(),
        1,
        "one copy in Sent Items"
    );
    let b = a.as_device("B");
    assert_eq!(status(b.send_mail("same", &message("Once"), false)), None);
    assert_eq!(
        sim.outbox().len(),
        2,
        "another device's counter may meet it"
    );
}

#[test]
fn bad_requests_get_the_statuses_exchange_gives() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, ProtocolVersion::V16_1);
    let no_to = b"From: demo@easync.test\r\nSubject: nobody\r\n\r\nhi\r\n";
    assert_eq!(status(c.send_mail("a", no_to, false)), Some(119));
    assert_eq!(
        status(c.send_mail("b", b"\x00\x01 not a message", false)),
        Some(107)
    );
    assert_eq!(
        status(c.compose("SendMail", b"\x03\x01\x6a\x00garbage")),
        Some(102)
    );
    let no_id = SendMail(Message {
        mime: message("x"),
        ..Message::default()
    });
    let body = no_id.encode(c.version).unwrap();
    assert_eq!(status(c.compose("SendMail", &body)), Some(103));
    let with_account = |v| {
        let m = SendMail(Message {
            client_id: "acc".into(),
            account_id: Some("other".into()),
            mime: message("x"),
            ..Message::default()
        });
        status(Client::new(&sim, v).compose("SendMail", &m.encode(v).unwrap()))
    };
    assert_eq!(with_account(ProtocolVersion::V16_1), Some(166));
    assert_eq!(with_account(ProtocolVersion::V14_0), Some(103));
    assert!(sim.outbox().is_empty(), "nothing failed was sent");
}

fn reply(source: Source, replace_mime: bool, client_id: &str) -> SmartReply {
    SmartReply {
        message: Message {
            client_id: client_id.into(),
            save_in_sent_items: true,
            mime: message("Re: Quarterly"),
            ..Message::default()
        },
        source,
        replace_mime,
    }
}

fn inbox(item: &str) -> Source {
    Source {
        folder_id: Some("inbox".parse().unwrap()),
        item_id: Some(item.parse().unwrap()),
        ..Source::default()
    }
}

#[test]
fn a_smart_reply_gets_the_original_appended_unless_replace_mime() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, ProtocolVersion::V14_1);
    let r = reply(inbox("inbox:5"), false, "r1");
    assert_eq!(
        status(c.compose("SmartReply", &r.encode(c.version).unwrap())),
        None
    );
    let sent = &sim.outbox()[0];
    assert!(sent.original_appended && sent.attachments_carried.is_empty());
    assert_eq!(sent.source.as_deref(), Some("inbox/inbox:5"));
    let out = &*sent.delivered;
    let has = |needle: &[u8]| out.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"-----Original Message-----"));
    let original = super::mail::message(1, "inbox", 5);
    assert!(has(original.subject.as_bytes()) && has(original.paragraphs[0].as_bytes()));
    assert!(has(b"Caf\xe9 at noon."), "the client's part as it was sent");
    let s = mime::summary(out);
    assert_eq!(s.subject.as_deref(), Some("Re: Quarterly"));
    assert_eq!(s.bcc, vec!["hidden@example.test".to_string()]);
    // The Sent Items copy is the completed message.
    let copy = sim.item(sent.saved_as.as_deref().unwrap()).unwrap();
    assert_eq!(copy.subject.as_deref(), Some("Re: Quarterly"));
    let r = reply(inbox("inbox:5"), true, "r2");
    assert_eq!(
        status(c.compose("SmartReply", &r.encode(c.version).unwrap())),
        None
    );
    let sent = &sim.outbox()[1];
    assert!(!sent.original_appended);
    assert_eq!(sent.delivered, sent.mime, "ReplaceMime: sent as it is");
}

#[test]
fn a_smart_forward_carries_the_attachments_and_an_unknown_source_is_150() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, ProtocolVersion::V16_1);
    let forward = |source: Source, id: &str, forwardees: Vec<Forwardee>, mime: Vec<u8>| {
        let f = SmartForward {
            message: Message {
                client_id: id.into(),
                mime,
                ..Message::default()
            },
            source,
            replace_mime: false,
            forwardees: forwardees.into(),
        };
        status(c.compose("SmartForward", &f.encode(c.version).unwrap()))
    };
    // ItemId alone names a mail of the Inbox (MS-ASCMD 2.2.3.93); inbox:7 has one attachment.
    let bare = Source {
        item_id: Some("inbox:7".parse().unwrap()),
        ..Source::default()
    };
    assert_eq!(forward(bare, "f1", Vec::new(), message("Fwd: x")), None);
    let sent = &sim.outbox()[0];
    assert_eq!(sent.attachments_carried, vec!["minutes-7.txt".to_string()]);
    assert_eq!(sent.attachments, 1);
    let (name, _, data) = &mime::summary(&sent.delivered).attachments[0];
    let original = super::mail::attachment(1, "inbox", 7, 0);
    assert_eq!((name, data), (&original.0, &original.1), "byte for byte");
    assert_eq!(
        forward(inbox("inbox:9999"), "f2", Vec::new(), message("x")),
        Some(150)
    );
    let long = Source {
        long_id: Some("RgAAAA".into()),
        ..Source::default()
    };
    assert_eq!(forward(long, "f3", Vec::new(), message("x")), Some(150));
    // 16.x Forwardees are recipients: a MIME without To is not "no recipient".
    let no_to = b"From: demo@easync.test\r\nSubject: Fwd: meeting\r\n\r\nsee below\r\n".to_vec();
    let who = Forwardee {
        name: Some("Ana".into()),
        email: Some("ana.popescu@example.test".into()),
        ..Forwardee::default()
    };
    assert_eq!(forward(inbox("inbox:3"), "f4", vec![who], no_to), None);
    let sent = sim.outbox().pop().unwrap();
    assert_eq!(
        sent.recipients(),
        vec!["\"Ana\" <ana.popescu@example.test>".to_string()]
    );
    assert_eq!(sim.outbox().len(), 2);
}

#[test]
fn send_status_fails_the_next_sends_and_counts_only_sends() {
    let sim = sim(Profile::exchange());
    let c = Client::new(&sim, ProtocolVersion::V16_1);
    let scope = Scope {
        command: None,
        after: 0,
        times: Some(2),
    };
    sim.faults
        .arm(Fault::ClientStatus(ClientOp::Send, 111), scope);
    let m = SendMail(Message {
        client_id: "retry-1".into(),
        mime: message("Später"),
        ..Message::default()
    });
    let body = m.encode(c.version).unwrap();
    let sync = c.collection("inbox", "0", 10);
    let sync_body = crate::proto::sync::Sync {
        collections: vec![sync],
        ..Default::default()
    }
    .encode(c.version)
    .unwrap();
    assert_eq!(c.post("Sync", sync_body).0, 200, "a Sync is not a send");
    for _ in 0..2 {
        let (code, answer) = c.post("SendMail", body.clone());
        assert_eq!(code, 200);
        let decoded = m.decode(&answer, c.version).unwrap();
        assert_eq!(decoded.map(|s| s.code()), Some(111));
    }
    assert!(sim.outbox().is_empty());
    assert_eq!(
        c.post("SendMail", body.clone()),
        (200, Vec::new()),
        "then it goes"
    );
    assert_eq!(sim.outbox().len(), 1);
}

use std::collections::VecDeque;
use std::time::Duration;

use super::*;
use crate::proto::{Command, CommonStatus};
use crate::store::{NewMessage, OutboxSource};

const V: ProtocolVersion = ProtocolVersion::V14_1;

/// Answers in order: `Ok(None)` taken, `Ok(Some(code))` a Status, `Err` an HTTP failure.
#[derive(Default)]
struct Scripted {
    answers: VecDeque<Result<Option<u16>, HttpError>>,
    sent: Vec<(&'static str, Vec<u8>)>,
}

impl Transport for Scripted {
    async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        self.sent.push((C::NAME, cmd.encode(V)?));
        match self.answers.pop_front().expect("an answer scripted") {
            Ok(None) => Ok(C::empty_response().expect("compose answers may be empty")),
            Ok(Some(code)) => {
                let body = wbxml::Element::new(wbxml::tags::compose_mail::SEND_MAIL)
                    .with(
                        wbxml::Element::new(wbxml::tags::compose_mail::STATUS)
                            .with_text(code.to_string()),
                    )
                    .encode()
                    .unwrap();
                Ok(cmd.decode(&body, V)?)
            }
            Err(e) => Err(e),
        }
    }
}

fn message(subject: &str, source: Option<(&str, bool)>) -> NewMessage {
    NewMessage {
        command: if source.is_some() {
            OutboxCommand::Reply
        } else {
            OutboxCommand::Send
        },
        source: source.map(|(item, _)| OutboxSource {
            folder: "inbox".into(),
            item: item.into(),
            item_id: None,
        }),
        replace_mime: source.is_some_and(|(_, whole)| whole),
        save_in_sent: true,
        message_id: Some(format!("<{subject}@x>")),
        mime: format!("To: a@x\r\nSubject: {subject}\r\n\r\nbody\r\n").into_bytes(),
        recipients: vec!["a@x".into()],
        subject: Some(subject.into()),
    }
}

fn queue(db: &mut Store, m: NewMessage) -> i64 {
    db.queue_message(&m).unwrap().id()
}

fn run(t: &mut Scripted, db: &mut Store) -> SendReport {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(flush(t, db, V, None)).unwrap()
}

fn network() -> HttpError {
    HttpError::Network {
        command: "SendMail",
        url: "https://127.0.0.1/".into(),
        message: "connection refused".into(),
    }
}

#[test]
fn a_taken_message_leaves_the_outbox_and_carries_its_client_id() {
    let mut db = Store::open_in_memory().unwrap();
    let id = queue(&mut db, message("one", None));
    let client_id = db.outbox_entry(id).unwrap().unwrap().client_id;
    assert!(client_id.starts_with(&format!("easync-{id}-")) && client_id.len() <= 40);
    let mut t = Scripted::default();
    t.answers.push_back(Ok(None));
    let r = run(&mut t, &mut db);
    assert_eq!(r.sent, [id]);
    assert!(db.outbox(true).unwrap().is_empty());
    let tree = wbxml::Element::decode(&t.sent[0].1).unwrap();
    assert_eq!(tree.child(21, "ClientId").unwrap().text(), client_id);
}

#[test]
fn a_resend_after_a_lost_answer_uses_the_same_client_id_and_118_counts_as_sent() {
    let mut db = Store::open_in_memory().unwrap();
    let id = queue(&mut db, message("one", None));
    let mut t = Scripted::default();
    t.answers.push_back(Err(HttpError::Timeout {
        command: "SendMail",
        timeout: Duration::from_secs(60),
    }));
    let r = run(&mut t, &mut db);
    assert!(r.deferred.is_some() && r.sent.is_empty());
    assert_eq!(db.outbox(false).unwrap()[0].attempts, 1);
    t.answers.push_back(Err(HttpError::Common {
        command: "SendMail",
        status: CommonStatus::from_code(118).unwrap(),
    }));
    let r = run(&mut t, &mut db);
    assert_eq!(r.sent, [id]);
    let ids: Vec<String> = t
        .sent
        .iter()
        .map(|(_, b)| {
            wbxml::Element::decode(b)
                .unwrap()
                .child(21, "ClientId")
                .unwrap()
                .text()
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn an_unreachable_server_keeps_the_whole_queue_in_order() {
    let mut db = Store::open_in_memory().unwrap();
    let a = queue(&mut db, message("a", None));
    let b = queue(&mut db, message("b", None));
    let mut t = Scripted::default();
    t.answers.push_back(Err(network()));
    let r = run(&mut t, &mut db);
    assert_eq!(
        t.sent.len(),
        1,
        "the second is not tried while the server is away"
    );
    assert!(r.deferred.unwrap().why.contains("connection refused"));
    t.answers.push_back(Ok(None));
    t.answers.push_back(Ok(None));
    assert_eq!(run(&mut t, &mut db).sent, [a, b]);
}

#[test]
fn a_refused_message_fails_with_the_reason_and_the_next_goes_on() {
    let mut db = Store::open_in_memory().unwrap();
    let a = queue(&mut db, message("a", None));
    let b = queue(&mut db, message("b", None));
    let mut t = Scripted::default();
    t.answers.push_back(Err(HttpError::Common {
        command: "SendMail",
        status: CommonStatus::from_code(116).unwrap(),
    }));
    t.answers.push_back(Ok(None));
    let r = run(&mut t, &mut db);
    assert_eq!(r.sent, [b]);
    assert_eq!(r.failed.len(), 1);
    let e = db.outbox_entry(a).unwrap().unwrap();
    assert_eq!((e.state.as_str(), e.status), ("failed", Some(116)));
    assert!(e.error.unwrap().starts_with("status 116"));
    assert!(
        run(&mut t, &mut db).sent.is_empty(),
        "failed ones wait for --retry"
    );
    assert!(db.outbox_retry(a).unwrap());
    t.answers.push_back(Ok(None));
    assert_eq!(run(&mut t, &mut db).sent, [a]);
}

#[test]
fn retry_later_statuses_wait_then_fail_after_max_attempts() {
    let mut db = Store::open_in_memory().unwrap();
    let id = queue(&mut db, message("a", None));
    let mut t = Scripted::default();
    for _ in 0..MAX_ATTEMPTS {
        t.answers.push_back(Ok(Some(111)));
        run(&mut t, &mut db);
    }
    let e = db.outbox_entry(id).unwrap().unwrap();
    assert_eq!(e.state, "failed");
    assert_eq!(e.attempts, MAX_ATTEMPTS);
}

#[test]
fn a_whole_reply_whose_original_is_gone_goes_as_a_new_message() {
    let mut db = Store::open_in_memory().unwrap();
    let whole = queue(&mut db, message("whole", Some(("5:1", true))));
    let quoted = queue(&mut db, message("quoted", Some(("5:2", false))));
    let mut t = Scripted::default();
    t.answers.push_back(Ok(Some(150)));
    t.answers.push_back(Ok(None));
    t.answers.push_back(Ok(Some(150)));
    let r = run(&mut t, &mut db);
    assert_eq!(r.sent, [whole]);
    let names: Vec<&str> = t.sent.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["SmartReply", "SendMail", "SmartReply"]);
    assert_eq!(r.failed[0].0, quoted);
    assert!(r.failed[0].1.contains("no longer on the server"));
}

#[test]
fn the_same_message_id_is_queued_once() {
    let mut db = Store::open_in_memory().unwrap();
    let a = db.queue_message(&message("a", None)).unwrap();
    let again = db.queue_message(&message("a", None)).unwrap();
    assert_eq!(again, crate::store::Queued::Already(a.id()));
    assert_eq!(db.outbox(true).unwrap().len(), 1);
}

#[test]
fn on_eas_12_1_messages_wait_saying_why_and_nothing_is_sent() {
    let mut db = Store::open_in_memory().unwrap();
    let id = queue(&mut db, message("old server", None));
    let mut t = Scripted::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let r = rt
        .block_on(flush(&mut t, &mut db, ProtocolVersion::V12_1, None))
        .unwrap();
    assert!(t.sent.is_empty());
    let d = r.deferred.expect("deferred");
    assert!(d.why.contains("EAS 14.0 or later"), "{}", d.why);
    assert_eq!(db.outbox(false).unwrap()[0].id, id);
}

//! `easync send` and `easync calendar respond` through the binary against the simulator's
//! Exchange profile: what arrives (byte for byte), each once; replies and forwards completed by
//! the server; refusals, throttling and a lost answer each with their outcome and exit status;
//! meeting answers on 16.1 (the server tells the organizer) and 14.1 (easync does).

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use easync::sim::{Fault, Invite, Scope, SimConfig};
use simc::{Client, PASSWORD_ENV, client, q, start, sync_ok};

fn config() -> SimConfig {
    SimConfig {
        emails: 30,
        contacts: 3,
        events: 3,
        tasks: 1,
        ..SimConfig::default()
    }
}

fn run(c: &Client, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn send(c: &Client, args: &[&str], message: &str) -> Output {
    let mut all = vec!["send"];
    all.extend_from_slice(args);
    run(c, &all, message.as_bytes())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(o)
    );
}

fn fault(server: &easync::sim::Running, spec: &str, command: &str) {
    server
        .sim
        .faults
        .arm(spec.parse::<Fault>().unwrap(), Scope::once(command));
}

#[test]
fn a_message_arrives_once_as_written_with_bcc_and_a_sent_items_copy() {
    let server = start(config());
    let c = client("send-plain", &server.url(), "16.1", "");
    sync_ok(&c);
    let msg = "From: Demo <demo@easync.test>\nTo: bob@example.test\n\
               Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\nMessage-ID: <plain.1@easync.test>\n\
               Content-Type: text/plain; charset=utf-8\n\nZoë Åkesson\n";
    ok(&send(
        &c,
        &["-oi", "bob@example.test", "hidden@example.test"],
        msg,
    ));
    let sent = server.sim.outbox();
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(m.command, "SendMail");
    assert_eq!(m.subject.as_deref(), Some("Grüße"));
    assert_eq!(
        m.bcc,
        ["hidden@example.test"],
        "a recipient named only as an argument"
    );
    let want = "Bcc: hidden@example.test\r\nFrom: Demo <demo@easync.test>\r\nTo: bob@example.test\r\n\
                Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <plain.1@easync.test>\r\n\
                Content-Type: text/plain; charset=utf-8\r\n\r\nZoë Åkesson\r\n";
    assert!(
        m.mime.ends_with(want.as_bytes()),
        "{}",
        String::from_utf8_lossy(&m.mime)
    );
    sync_ok(&c);
    let copies: i64 = q(
        &c.db,
        "SELECT count(*) FROM emails e JOIN items i ON i.id = e.item_id JOIN folders f \
         ON f.id = i.folder_id WHERE f.type = 5 AND e.subject = 'Grüße'",
    );
    assert_eq!(copies, 1, "the Sent Items copy reached the mirror");
    assert_eq!(q::<i64>(&c.db, "SELECT count(*) FROM outbox"), 0);
}

#[test]
fn a_message_of_nine_megabytes_goes_byte_for_byte() {
    let server = start(config());
    let c = client("send-big", &server.url(), "14.1", "");
    let mut msg = String::from(
        "To: bob@example.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n\
         Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while msg.len() < 9 * 1024 * 1024 {
        msg.push_str(line);
    }
    ok(&send(&c, &["-t"], &msg));
    let m = &server.sim.outbox()[0];
    assert!(
        m.mime
            .ends_with(msg.split_once("\r\n\r\n").unwrap().1.as_bytes())
    );
    assert!(m.mime.len() > 9 * 1024 * 1024);
}

#[test]
fn replies_and_forwards_by_id_are_completed_by_the_server() {
    let server = start(config());
    let c = client("send-reply", &server.url(), "16.1", "");
    sync_ok(&c);
    let (id, subject): (i64, String) = {
        let conn = rusqlite::Connection::open(&c.db).unwrap();
        conn.query_row(
            "SELECT e.item_id, e.subject FROM emails e JOIN items i ON i.id = e.item_id \
             JOIN folders f ON f.id = i.folder_id WHERE f.type = 2 ORDER BY e.item_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let id = id.to_string();
    ok(&send(
        &c,
        &["--reply", &id, "-t"],
        &format!("To: bob@example.test\nSubject: Re: {subject}\n\nThanks.\n"),
    ));
    ok(&send(
        &c,
        &["--forward", &id, "-t"],
        &format!("To: carol@example.test\nSubject: Fwd: {subject}\n\nFYI.\n"),
    ));
    ok(&send(
        &c,
        &["--reply", &id, "--replace-mime", "-t"],
        &format!("To: bob@example.test\nSubject: Re: {subject}\n\nAll mine.\n\n> quoted\n"),
    ));
    let sent = server.sim.outbox();
    let got: Vec<(&str, bool)> = sent
        .iter()
        .map(|m| (m.command, m.original_appended))
        .collect();
    assert_eq!(
        got,
        [
            ("SmartReply", true),
            ("SmartForward", true),
            ("SmartReply", false)
        ]
    );
    assert!(sent.iter().all(|m| m.source.is_some()));
}

#[test]
fn a_refused_message_says_why_and_can_be_retried() {
    let server = start(config());
    let c = client("send-refused", &server.url(), "16.1", "");
    sync_ok(&c); // provisioned: the fault meets the SendMail, not a 449 before it
    fault(&server, "send-status=116", "SendMail");
    let out = send(&c, &["-t"], "To: nobody@nowhere.test\nSubject: s\n\nb\n");
    assert_eq!(out.status.code(), Some(67), "{}", stderr(&out));
    assert!(stderr(&out).contains("status 116"), "{}", stderr(&out));
    assert_eq!(
        q::<String>(&c.db, "SELECT state || ' ' || status FROM outbox"),
        "failed 116"
    );
    let listed = run(&c, &["send", "--queue", "--json"], b"");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("\"state\":\"failed\""));
    ok(&run(&c, &["send", "--retry", "1"], b""));
    assert_eq!(server.sim.outbox().len(), 1);
    assert_eq!(q::<i64>(&c.db, "SELECT count(*) FROM outbox"), 0);
}

#[test]
fn throttling_queues_the_message_and_the_next_sync_sends_it_once() {
    let server = start(config());
    let c = client("send-throttled", &server.url(), "16.1", "");
    sync_ok(&c);
    fault(&server, "http-503=1", "SendMail");
    let out = send(&c, &["-t"], "To: bob@example.test\nSubject: later\n\nb\n");
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(stderr(&out).contains("queued as 1"), "{}", stderr(&out));
    assert!(server.sim.outbox().is_empty());
    std::thread::sleep(std::time::Duration::from_millis(1100)); // the Retry-After
    sync_ok(&c);
    assert_eq!(server.sim.sent_with_subject("later").len(), 1);
    sync_ok(&c);
    assert_eq!(server.sim.sent_with_subject("later").len(), 1, "once");
}

#[test]
fn a_lost_answer_is_resent_under_the_same_client_id_and_delivered_once() {
    let server = start(config());
    let c = client("send-lost", &server.url(), "16.1", "");
    sync_ok(&c);
    fault(&server, "commit-then-drop", "SendMail");
    let out = send(
        &c,
        &["-t"],
        "To: bob@example.test\nSubject: lost answer\n\nb\n",
    );
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert_eq!(server.sim.outbox().len(), 1, "the server has it");
    ok(&run(&c, &["send", "--flush"], b""));
    assert_eq!(server.sim.outbox().len(), 1, "not twice");
    assert_eq!(q::<i64>(&c.db, "SELECT count(*) FROM outbox"), 0);
}

#[test]
fn queued_ok_and_queue_only_exit_zero() {
    let server = start(config());
    let c = client("send-queued-ok", &server.url(), "16.1", "");
    sync_ok(&c);
    ok(&send(
        &c,
        &["--queue-only", "-t"],
        "To: b@x.test\nSubject: q1\n\nb\n",
    ));
    assert!(server.sim.outbox().is_empty());
    fault(&server, "http-503=1", "SendMail");
    ok(&send(
        &c,
        &["--queued-ok", "-t"],
        "To: b@x.test\nSubject: q2\n\nb\n",
    ));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&run(&c, &["send", "--flush"], b""));
    let subjects: Vec<Option<String>> =
        server.sim.outbox().into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects, [Some("q1".into()), Some("q2".into())]);
}

fn invite(server: &easync::sim::Running, subject: &str) {
    server
        .sim
        .invite(Invite {
            subject: subject.into(),
            start: 1_800_000_000,
            ..Invite::default()
        })
        .unwrap();
}

#[test]
fn on_16_1_the_server_tells_the_organizer_and_a_decline_leaves_the_calendar() {
    let server = start(config());
    let c = client("respond-16", &server.url(), "16.1", "");
    invite(&server, "Budget review");
    invite(&server, "Offsite");
    sync_ok(&c);
    let event = |s: &str| -> String {
        q::<i64>(
            &c.db,
            &format!("SELECT item_id FROM events WHERE subject = '{s}'"),
        )
        .to_string()
    };
    ok(&run(
        &c,
        &[
            "calendar",
            "respond",
            &event("Budget review"),
            "accept",
            "--comment",
            "Gern",
        ],
        b"",
    ));
    let sent = server.sim.outbox();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].command, "MeetingResponse",
        "the server's reply, not easync's"
    );
    assert!(String::from_utf8_lossy(&sent[0].mime).contains("PARTSTAT=ACCEPTED"));
    let rt: i64 = q(
        &c.db,
        "SELECT response_type FROM events WHERE subject = 'Budget review'",
    );
    assert_eq!(rt, 3, "the mirror shows the answer");
    ok(&run(
        &c,
        &["calendar", "respond", &event("Offsite"), "decline"],
        b"",
    ));
    let left: i64 = q(
        &c.db,
        "SELECT count(*) FROM events WHERE subject = 'Offsite'",
    );
    assert_eq!(left, 0, "a declined meeting leaves the calendar");
    assert_eq!(server.sim.outbox().len(), 2);
}

#[test]
fn on_14_1_easync_sends_the_reply_itself_also_from_the_invitation_mail() {
    let server = start(config());
    let c = client("respond-14", &server.url(), "14.1", "");
    invite(&server, "Sprint demo");
    sync_ok(&c);
    let mail: i64 = q(
        &c.db,
        "SELECT item_id FROM emails WHERE subject = 'Sprint demo' \
         AND message_class = 'IPM.Schedule.Meeting.Request'",
    );
    ok(&run(
        &c,
        &["calendar", "respond", &mail.to_string(), "tentative"],
        b"",
    ));
    let sent = server.sim.outbox();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].command, "SendMail");
    assert_eq!(sent[0].to, ["zoe.akesson@example.test"]);
    let text = String::from_utf8_lossy(&sent[0].mime);
    assert!(
        text.contains("METHOD:REPLY") && text.contains("PARTSTAT=TENTATIVE"),
        "{text}"
    );
    let uid = server.sim.meetings()[0].uid.clone();
    assert!(
        text.contains(&format!("UID:{uid}")),
        "the invitation's UID: {text}"
    );
    let rt: i64 = q(
        &c.db,
        "SELECT response_type FROM events WHERE subject = 'Sprint demo'",
    );
    assert_eq!(rt, 2);
    // --no-send: answered, nobody told.
    let event: i64 = q(
        &c.db,
        "SELECT item_id FROM events WHERE subject = 'Sprint demo'",
    );
    ok(&run(
        &c,
        &[
            "calendar",
            "respond",
            &event.to_string(),
            "accept",
            "--no-send",
        ],
        b"",
    ));
    assert_eq!(server.sim.outbox().len(), 1);
}

#[test]
fn a_message_larger_than_the_server_takes_is_refused_saying_so() {
    let server = start(SimConfig {
        max_request_bytes: 64 * 1024,
        ..config()
    });
    let c = client("send-too-big", &server.url(), "16.1", "");
    sync_ok(&c);
    let msg = format!(
        "To: bob@example.test\nSubject: too big\n\n{}",
        "0123456789abcdef\n".repeat(8 * 1024)
    );
    let out = send(&c, &["-t"], &msg);
    assert_eq!(out.status.code(), Some(69), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than the server takes"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        q::<String>(&c.db, "SELECT state || ' ' || status FROM outbox"),
        "failed 413"
    );
    assert!(server.sim.outbox().is_empty());
}

//! Sending through the simulator over real HTTP: a 10 MB message accepted and kept byte for
//! byte (`GET /sim/outbox/N`), a larger request refused like Exchange's `maxRequestLength`, a
//! send whose answer is lost (`commit-then-drop`) resent with the same ClientId and not
//! delivered twice, and the outbox as `/sim/status` shows it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use easync::proto::compose::{Message, SendMail};
use easync::proto::{Command, ProtocolVersion};
use easync::sim::{self, Running, Sim, SimConfig};

fn start() -> Running {
    let config = SimConfig {
        emails: 40,
        contacts: 5,
        events: 5,
        tasks: 2,
        require_provisioning: false,
        ..SimConfig::default()
    };
    sim::spawn_thread(Sim::new(config), None).expect("the simulator starts")
}

/// One HTTP/1.1 exchange: the status and body, or `None` when the connection closed before a
/// whole answer.
fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr).expect("connects");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Basic ZGVtbzpkZW1v\r\nMS-ASProtocolVersion: 16.1\r\n\
         Content-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    let _ = s.write_all(body);
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let at = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let (head, rest) = (
        String::from_utf8_lossy(&out[..at]).to_string(),
        &out[at + 4..],
    );
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(str::to_string)
        })
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(n) if rest.len() >= n => Some((status, rest[..n].to_vec())),
        _ => None, // no length (a stream) or cut short: not a whole answer
    }
}

fn send(addr: SocketAddr, client_id: &str, mime: &[u8]) -> Option<(u16, Vec<u8>)> {
    let m = SendMail(Message {
        client_id: client_id.into(),
        save_in_sent_items: true,
        mime: mime.to_vec(),
        ..Message::default()
    });
    let body = m.encode(ProtocolVersion::V16_1).expect("encodes");
    let path = "/Microsoft-Server-ActiveSync?Cmd=SendMail&User=demo&DeviceId=Send1&DeviceType=T";
    http(addr, "POST", path, &body)
}

/// A message of about `size` bytes: UTF-8 and 8-bit text, CRLF lines.
fn big(size: usize) -> Vec<u8> {
    let mut m =
        b"From: demo@easync.test\r\nTo: =?UTF-8?Q?Jos=C3=A9?= <jose.nunez@example.test>\r\n\
Subject: Gro\xc3\x9fe Datei\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
    while m.len() < size {
        m.extend_from_slice("Zeile mit Umlauten äöü und 8-bit \u{e9} ✅\r\n".as_bytes());
        m.extend_from_slice(b"latin-1 \xe9\xe8\r\n");
    }
    m
}

#[test]
fn a_ten_megabyte_message_is_accepted_byte_for_byte_and_a_larger_request_is_413() {
    let server = start();
    let mime = big(10_000_000);
    assert_eq!(send(server.addr, "big-1", &mime), Some((200, Vec::new())));
    let (status, stored) = http(server.addr, "GET", "/sim/outbox/1", b"").expect("the message");
    assert_eq!(status, 200);
    assert!(
        stored == mime,
        "byte for byte ({} vs {} bytes)",
        stored.len(),
        mime.len()
    );
    let sent = &server.sim.outbox()[0];
    assert_eq!(sent.subject.as_deref(), Some("Große Datei"));
    assert!(sent.saved_as.is_some());
    let too_big = big(11 * 1024 * 1024);
    assert_eq!(send(server.addr, "big-2", &too_big).map(|r| r.0), Some(413));
    assert_eq!(server.sim.outbox().len(), 1);
}

#[test]
fn a_lost_answer_then_the_same_client_id_delivers_once() {
    let server = start();
    let fault = br#"{"op":"fault","fault":"commit-then-drop","command":"SendMail","times":1}"#;
    assert_eq!(
        http(server.addr, "POST", "/sim/admin", fault).map(|r| r.0),
        Some(200)
    );
    let mime = b"From: demo@easync.test\r\nTo: bob@example.test\r\nSubject: Einmal\r\n\r\nhi\r\n";
    assert_eq!(send(server.addr, "once-1", mime), None, "no answer");
    assert_eq!(server.sim.outbox().len(), 1, "but it was sent");
    let (status, body) = send(server.addr, "once-1", mime).expect("an answer");
    assert_eq!(status, 200);
    let decoded = SendMail(Message::default())
        .decode(&body, ProtocolVersion::V16_1)
        .unwrap();
    assert_eq!(
        decoded.map(|s| s.code()),
        Some(118),
        "MessagePreviouslySent"
    );
    assert_eq!(server.sim.outbox().len(), 1, "not twice");
    assert_eq!(server.sim.mails_with_subject("Einmal").len(), 1);
}

#[test]
fn the_status_page_lists_the_outbox() {
    let server = start();
    let mime = b"From: demo@easync.test\r\nTo: bob@example.test\r\nCc: ana@example.test\r\n\
Bcc: x@example.test, y@example.test\r\nSubject: Liste\r\n\r\nhi\r\n";
    assert_eq!(send(server.addr, "s-1", mime), Some((200, Vec::new())));
    let (status, body) = http(server.addr, "GET", "/sim/status", b"").unwrap();
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let m = &v["outbox"][0];
    assert_eq!(
        (m["n"].as_u64(), m["command"].as_str()),
        (Some(1), Some("SendMail"))
    );
    assert_eq!(m["client_id"], "s-1");
    assert_eq!(m["subject"], "Liste");
    assert_eq!(m["to"], serde_json::json!(["bob@example.test"]));
    assert_eq!(m["bcc_count"], 2);
    assert_eq!(m["size"].as_u64(), Some(mime.len() as u64));
    assert_eq!(m["attachments"], 0);
    assert!(
        m["saved_as"]
            .as_str()
            .is_some_and(|s| s.starts_with("sent:"))
    );
    let op = br#"{"op":"outbox-mime","n":1}"#;
    let (_, body) = http(server.addr, "POST", "/sim/admin", op).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v["mime_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(raw, mime.to_vec());
}

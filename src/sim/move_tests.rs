//! MoveItems as Exchange answers it (a new id in the destination, the mover not sent its move
//! back), the `echo-moves` switch, and the faults for client changes (`add-status`,
//! `change-status`, `delete-status`, `move-status`) through the whole request handler.

use std::sync::atomic::Ordering;

use super::faults::{ClientOp, Fault, Scope};
use super::mail;
use super::testkit::{Client, ops, sim};
use super::twoway_tests::{add_contact, delete, read, state, statuses};
use super::{Profile, Sim, SimConfig};
use crate::proto::moveitems::{Move, MoveItems, MoveResult};
use crate::proto::sync::{Sync, SyncResponse};
use crate::proto::{Command, ProtocolVersion};

const V14: ProtocolVersion = ProtocolVersion::V14_1;

fn codes(results: &[MoveResult]) -> Vec<u16> {
    results.iter().map(|r| r.status.code()).collect()
}

#[test]
fn a_move_gets_a_new_id_and_only_other_devices_see_it() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let b = a.as_device("B");
    let (ka, kp) = (a.prime("inbox"), a.prime("projects"));
    let (kb, kbp) = (b.prime("inbox"), b.prime("projects"));
    let before = sim.item("inbox:8").unwrap();
    let r = a.move_items(&[("inbox:8", "inbox", "projects")]);
    assert_eq!(codes(&r), vec![3]);
    let dst = r[0].dst_msg_id.as_ref().expect("a DstMsgId").to_string();
    assert!(dst.starts_with("projects:"), "{dst}");
    let moved = sim.item(&dst).unwrap();
    assert_eq!(
        (&moved.subject, &moved.mail),
        (&before.subject, &before.mail)
    );
    assert_eq!(moved.folder, "projects");
    assert!(sim.item("inbox:8").is_err());
    assert!(
        a.sync_one("inbox", &ka, 100).is_none(),
        "no Delete for the mover"
    );
    assert!(
        a.sync_one("projects", &kp, 100).is_none(),
        "no Add for the mover"
    );
    let rb = b.sync_one("inbox", &kb, 100).unwrap();
    assert_eq!(ops(&rb), vec![("Delete", "inbox:8".into())]);
    let rbp = b.sync_one("projects", &kbp, 100).unwrap();
    assert_eq!(ops(&rbp), vec![("Add", dst.clone())]);
    // The moved mail keeps its content: the subject B is sent is the one it had.
    let subject = mail::message(1, "inbox", 8).subject;
    assert_eq!(before.subject.as_deref(), Some(subject.as_str()));
    // A change by another device after the move reaches the mover as a Change.
    sim.set_mail_flags(&dst, true, false, Vec::new()).unwrap();
    let rp = a.sync_one("projects", &kp, 100).unwrap();
    assert_eq!(ops(&rp), vec![("Change", dst)]);
}

#[test]
fn moves_that_cannot_be_done_answer_1_2_and_4() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    a.move_items(&[("inbox:8", "inbox", "projects")]);
    let r = a.move_items(&[
        ("inbox:8", "inbox", "projects"),  // already moved (a resent move)
        ("inbox:99", "inbox", "projects"), // no such item
        ("nope:1", "nope", "projects"),    // no such source folder
        ("inbox:9", "inbox", "nope"),      // no such destination
        ("inbox:9", "inbox", "contacts"),  // not a mail folder
        ("inbox:9", "inbox", "inbox"),     // the same folder
    ]);
    assert_eq!(codes(&r), vec![1, 1, 1, 2, 2, 4]);
    assert!(r.iter().all(|m| m.dst_msg_id.is_none()));
    assert_eq!(
        r[5].src_msg_id.as_ref().map(|s| s.as_str()),
        Some("inbox:9")
    );
    assert!(sim.item("inbox:9").is_ok(), "nothing moved");
    assert_eq!(sim.items("projects").unwrap().len(), 7);
}

#[test]
fn echo_moves_sends_the_mover_its_delete_and_add() {
    let mut p = Profile::exchange();
    p.set_quirk("echo-moves").unwrap();
    let sim = sim(p);
    let a = Client::new(&sim, V14);
    let (ka, kp) = (a.prime("inbox"), a.prime("projects"));
    let r = a.move_items(&[("inbox:8", "inbox", "projects")]);
    let dst = r[0].dst_msg_id.as_ref().unwrap().to_string();
    let ri = a.sync_one("inbox", &ka, 100).unwrap();
    assert_eq!(ops(&ri), vec![("Delete", "inbox:8".into())]);
    let rp = a.sync_one("projects", &kp, 100).unwrap();
    assert_eq!(ops(&rp), vec![("Add", dst)]);
}

/// A Sync of one collection with commands, through the whole handler.
fn post_sync(
    c: &Client,
    id: &str,
    key: &str,
    cmds: Vec<crate::proto::sync::ClientCommand>,
) -> SyncResponse {
    let mut col = c.collection(id, key, 100);
    col.commands = cmds;
    let request = Sync {
        collections: vec![col],
        ..Sync::default()
    };
    let (status, body) = c.post("Sync", request.encode(c.version).unwrap());
    assert_eq!(status, 200);
    request.decode(&body, c.version).unwrap()
}

fn arm(sim: &Sim, op: ClientOp, code: u16, command: &str) {
    sim.faults
        .arm(Fault::ClientStatus(op, code), Scope::once(command));
}

#[test]
fn client_command_faults_answer_their_status_and_apply_nothing() {
    let sim = Sim::new(SimConfig {
        verify_responses: true, // every answer decodes and re-encodes to the same bytes
        ..SimConfig::clone(&sim(Profile::exchange()).config)
    });
    let a = Client::new(&sim, V14);
    let (ki, kc) = (a.prime("inbox"), a.prime("contacts"));
    let contacts = sim.items("contacts").unwrap().len();
    arm(&sim, ClientOp::Add, 6, "Sync");
    // A Sync without an Add does not set it off.
    let r = post_sync(&a, "inbox", &ki, vec![read("inbox:3", true)]);
    assert!(r.collections[0].responses.is_empty());
    let r = post_sync(
        &a,
        "contacts",
        &kc,
        vec![add_contact("c1", "A"), add_contact("c2", "B")],
    );
    let got = statuses(&r.collections.into_iter().next());
    assert_eq!(got, vec![("c1:".into(), 6), ("c2:".into(), 6)]);
    assert_eq!(sim.items("contacts").unwrap().len(), contacts);

    let unread = state(&sim, "inbox:4");
    arm(&sim, ClientOp::Change, 7, "Sync");
    let r = post_sync(&a, "inbox", &ki, vec![read("inbox:4", !unread.read)]);
    let c = r.collections.into_iter().next();
    assert_eq!(statuses(&c), vec![("inbox:4".into(), 7)]);
    assert!(
        ops(c.as_ref().unwrap()).contains(&("Change", "inbox:4".into())),
        "the server's version"
    );
    assert_eq!(state(&sim, "inbox:4"), unread);

    arm(&sim, ClientOp::Delete, 8, "Sync");
    let r = post_sync(&a, "inbox", &ki, vec![delete("inbox:5")]);
    assert_eq!(
        statuses(&r.collections.into_iter().next()),
        vec![("inbox:5".into(), 8)]
    );
    assert!(sim.item("inbox:5").is_ok());

    arm(&sim, ClientOp::Move, 5, "MoveItems");
    let request = MoveItems {
        moves: vec![Move {
            src_msg_id: "inbox:6".parse().unwrap(),
            src_fld_id: "inbox".parse().unwrap(),
            dst_fld_id: "projects".parse().unwrap(),
        }],
    };
    let (status, body) = a.post("MoveItems", request.encode(V14).unwrap());
    assert_eq!(status, 200);
    let r = request.decode(&body, V14).unwrap();
    assert_eq!((codes(&r), r[0].dst_msg_id.clone()), (vec![5], None));
    assert!(sim.item("inbox:6").is_ok(), "not moved");
    // Each fault fired once: the same requests now succeed.
    let (_, body) = a.post("MoveItems", request.encode(V14).unwrap());
    assert_eq!(codes(&request.decode(&body, V14).unwrap()), vec![3]);
    assert_eq!(sim.stats.verify_failures.load(Ordering::Relaxed), 0);
    assert!(sim.stats.verified.load(Ordering::Relaxed) >= 6);
}

//! A client that lost a response sends the same request again, with the same SyncKey: nothing
//! is applied twice (ClientIds are kept, a repeated Change or Delete is no new change). And what
//! a device knows of its own changes: not echoed, but sent again after a Sync from key 0.

use super::Profile;
use super::State;
use super::server::Reply;
use super::testkit::{Client, ops, sim};
use super::twoway_tests::{add_contact, delete, key, read, state, statuses};
use crate::proto::ProtocolVersion;
use crate::proto::sync::ClientCommand;

const V14: ProtocolVersion = ProtocolVersion::V14_1;

#[test]
fn a_resent_add_answers_the_first_server_id_and_adds_nothing() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let k = a.prime("contacts");
    let count = || sim.items("contacts").unwrap().len();
    let n = count();
    let first = a.send("contacts", &k, vec![add_contact("c1", "Neu")]);
    let [(sid, 1)] = &statuses(&first)[..] else {
        panic!("{first:?}");
    };
    let again = a.send("contacts", &k, vec![add_contact("c1", "Neu")]);
    assert_eq!(statuses(&again), statuses(&first), "the same ServerId");
    assert_eq!(count(), n + 1);
    // A ClientId used again in a later request (the client had the answer), or by another
    // device, is a new item (MS-ASCMD 2.2.3.28.2: unique per request).
    let later = a.send("contacts", &key(&first), vec![add_contact("c1", "Zwei")]);
    let b = a
        .as_device("B")
        .send("contacts", &k, vec![add_contact("c1", "Drei")]);
    for r in [&later, &b] {
        let [(other, 1)] = &statuses(r)[..] else {
            panic!("{r:?}");
        };
        assert_ne!(other, sid);
    }
    assert_eq!(count(), n + 3);
}

#[test]
fn a_resent_change_or_delete_is_no_second_change() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let b = a.as_device("B");
    let (ka, kb) = (a.prime("inbox"), b.prime("inbox"));
    let want = !state(&sim, "inbox:3").read;
    let request = || vec![read("inbox:3", want), delete("inbox:9")];
    let first = a.send("inbox", &ka, request());
    let version = sim.item("inbox:3").unwrap().version;
    let again = a.send("inbox", &ka, request());
    assert!(statuses(&first).is_empty() && statuses(&again).is_empty());
    assert_eq!(sim.item("inbox:3").unwrap().version, version);
    assert_eq!(state(&sim, "inbox:3").read, want);
    assert_eq!(sim.items("deleted").unwrap().len(), 1, "moved once");
    let rb = b.sync_one("inbox", &kb, 100).unwrap();
    let mut sent = ops(&rb);
    sent.sort();
    assert_eq!(
        sent,
        vec![("Change", "inbox:3".into()), ("Delete", "inbox:9".into())]
    );
    // Deleted by someone else (not a resend): Status 8.
    sim.set_item("inbox:10", State::Deleted).unwrap();
    let r = a.send("inbox", &ka, vec![delete("inbox:10")]);
    assert_eq!(statuses(&r), vec![("inbox:10".into(), 8)]);
}

#[test]
fn an_empty_request_repeats_the_collections_not_the_commands() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let ka = a.prime("inbox");
    let r = a.send("inbox", &ka, vec![read("inbox:4", true)]);
    assert!(statuses(&r).is_empty());
    // Another device changes the mail: a repeated Change would now be a conflict.
    sim.set_mail_flags("inbox:4", false, false, Vec::new())
        .unwrap();
    let Reply::Wbxml(bytes) = a.sync_empty() else {
        panic!("an answer with the server's change");
    };
    let tree = wbxml::Element::decode(&bytes).unwrap();
    let collection = tree
        .child(0, "Collections")
        .unwrap()
        .elements()
        .next()
        .unwrap();
    assert!(
        collection.child(0, "Responses").is_none(),
        "no command again"
    );
    assert!(!state(&sim, "inbox:4").read);
}

#[test]
fn a_device_knows_what_it_added_until_it_starts_over() {
    let sim = sim(Profile::simple()); // a Change, never Delete + Add
    let a = Client::new(&sim, V14);
    let k = a.prime("contacts");
    let r = a.send("contacts", &k, vec![add_contact("c1", "Neu")]);
    let [(added, 1)] = &statuses(&r)[..] else {
        panic!("{r:?}");
    };
    let sid = added.trim_start_matches("c1:").to_string();
    let k = key(&r);
    assert!(a.sync_one("contacts", &k, 100).is_none(), "not echoed");
    // Changed on the server: a Change for A (it has the item), an Add for a new device.
    sim.set_item(&sid, State::Live).unwrap();
    let r = a.sync_one("contacts", &k, 100).unwrap();
    assert_eq!(ops(&r), vec![("Change", sid.clone())]);
    // A's own Change, then A starts over from key 0: it is sent everything, its change too.
    let change = ClientCommand::Change {
        server_id: "contacts:1".parse().unwrap(),
        instance_id: None,
        data: crate::proto::classes::ApplicationData::Contact(Box::default()),
    };
    a.send("contacts", &key(&Some(r)), vec![change]);
    let k0 = a.sync_one("contacts", "0", 512).unwrap().sync_key.unwrap();
    let all = a.sync_one("contacts", k0.as_str(), 512).unwrap();
    let sent = ops(&all);
    assert!(sent.contains(&("Add", sid)), "{sent:?}");
    assert!(sent.contains(&("Add", "contacts:1".into())), "{sent:?}");
    assert_eq!(sent.len(), sim.items("contacts").unwrap().len());
}

#[test]
fn a_client_change_wakes_the_other_devices_ping() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let ka = a.prime("inbox");
    let mut watch = sim.changed.subscribe();
    watch.mark_unchanged();
    a.send("inbox", &ka, vec![read("inbox:4", true)]);
    assert!(watch.has_changed().unwrap());
    assert_eq!(*watch.borrow(), sim.snapshot().modseq);
}

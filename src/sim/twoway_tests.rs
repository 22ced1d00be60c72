//! How the simulator answers a client's Sync changes as Exchange does: merged Email Changes,
//! conflicts, DeletesAsMoves, and resent requests that apply nothing twice — through real
//! encoded requests of easync's own protocol types, checked on the server side directly
//! ([`super::ItemView`]) and in what other devices are sent.

use super::State;
use super::mail::{self, MailFlags};
use super::testkit::{Answer, Client, ops, sim};
use super::{Profile, SimError};
use crate::proto::ProtocolVersion;
use crate::proto::classes::contacts::Contact;
use crate::proto::classes::email::{Category, Email, Flag};
use crate::proto::classes::{ApplicationData, List};
use crate::proto::sync::{ClientCommand, ClientCommandResult, ServerCommand, SyncOptions};

const V14: ProtocolVersion = ProtocolVersion::V14_1;

pub(super) fn change(server_id: &str, e: Email) -> ClientCommand {
    ClientCommand::Change {
        server_id: server_id.parse().unwrap(),
        instance_id: None,
        data: ApplicationData::Email(Box::new(e)),
    }
}

pub(super) fn read(server_id: &str, read: bool) -> ClientCommand {
    let e = Email {
        read: Some(read),
        ..Email::default()
    };
    change(server_id, e)
}

pub(super) fn delete(server_id: &str) -> ClientCommand {
    ClientCommand::Delete {
        server_id: server_id.parse().unwrap(),
        instance_id: None,
    }
}

pub(super) fn add_contact(client_id: &str, file_as: &str) -> ClientCommand {
    ClientCommand::Add {
        client_id: client_id.into(),
        data: contact(file_as),
    }
}

fn contact(file_as: &str) -> ApplicationData {
    ApplicationData::Contact(Box::new(Contact {
        file_as: Some(file_as.into()),
        ..Contact::default()
    }))
}

/// The key a collection answered.
pub(super) fn key(a: &Answer) -> String {
    let c = a.as_ref().expect("an answer");
    c.sync_key.as_ref().expect("a key").as_str().to_string()
}

/// `(ServerId, Status)` of the answered Changes and Deletes; `(ClientId:ServerId, Status)` of
/// Adds.
pub(super) fn statuses(a: &Answer) -> Vec<(String, u16)> {
    let Some(c) = a else { return Vec::new() };
    c.responses
        .iter()
        .map(|r| match r {
            ClientCommandResult::Change { server_id, status }
            | ClientCommandResult::Delete { server_id, status } => {
                (server_id.to_string(), status.code())
            }
            ClientCommandResult::Add {
                client_id,
                server_id,
                status,
            } => {
                let sid = server_id
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                (format!("{client_id}:{sid}"), status.code())
            }
            ClientCommandResult::Fetch {
                server_id, status, ..
            } => (server_id.to_string(), status.code()),
        })
        .collect()
}

pub(super) fn state(sim: &super::Sim, server_id: &str) -> MailFlags {
    sim.item(server_id).unwrap().mail.unwrap()
}

fn commands_of(a: &Answer) -> Vec<(&'static str, String)> {
    a.as_ref().map(ops).unwrap_or_default()
}

#[test]
fn an_email_change_merges_only_read_flag_and_categories() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let b = a.as_device("B");
    let (ka, kb) = (a.prime("inbox"), b.prime("inbox"));
    let subject = mail::message(1, "inbox", 4).subject;
    let before = sim.item("inbox:4").unwrap();
    assert_eq!(before.subject.as_deref(), Some(subject.as_str()));
    let m0 = before.mail.clone().unwrap();

    let r = a.send("inbox", &ka, vec![read("inbox:4", !m0.read)]);
    assert!(statuses(&r).is_empty(), "{r:?}");
    let after = sim.item("inbox:4").unwrap();
    assert_eq!(
        (after.subject, after.sent),
        (before.subject, false),
        "the rest stays"
    );
    let m1 = after.mail.unwrap();
    assert_eq!(m1.read, !m0.read);
    assert_eq!(
        (m1.flag_status, &m1.categories),
        (m0.flag_status, &m0.categories)
    );

    let flagged = Email {
        flag: Some(Flag {
            status: Some(2),
            flag_type: Some("Follow up".into()),
            ..Flag::default()
        }),
        categories: Some(List::from(vec![Category("Rot".into())])),
        ..Email::default()
    };
    let r = a.send("inbox", &key(&r), vec![change("inbox:4", flagged)]);
    let want = |flag_status, categories: &[&str]| MailFlags {
        read: m1.read,
        flag_status,
        categories: categories.iter().map(|c| c.to_string()).collect(),
    };
    assert_eq!(state(&sim, "inbox:4"), want(2, &["Rot"]));

    // An empty <Flag/> clears the flag, an empty <Categories/> the categories.
    let cleared = Email {
        flag: Some(Flag::default()),
        categories: Some(List::default()),
        ..Email::default()
    };
    let r = a.send("inbox", &key(&r), vec![change("inbox:4", cleared)]);
    assert_eq!(state(&sim, "inbox:4"), want(0, &[]));

    // Not sent back to A; B gets one Change with the state; fresh devices get the mail.
    let again = a.sync_one("inbox", &key(&r), 100);
    assert!(commands_of(&again).is_empty(), "{again:?}");
    let rb = b.sync_one("inbox", &kb, 100);
    assert_eq!(commands_of(&rb), vec![("Change", "inbox:4".to_string())]);
    let Some(ServerCommand::Change {
        data: ApplicationData::Email(e),
        ..
    }) = rb.unwrap().commands.into_iter().next()
    else {
        panic!("an Email Change");
    };
    assert_eq!((e.read, e.flag), (Some(m1.read), Some(Flag::default())));
    for fresh in [a.as_device("C"), a] {
        let k0 = fresh.sync_one("inbox", "0", 512).unwrap().sync_key.unwrap();
        let all = fresh.sync_one("inbox", k0.as_str(), 512).unwrap();
        let mail = all.commands.iter().find_map(|c| match c {
            ServerCommand::Add {
                server_id,
                data: ApplicationData::Email(e),
            } if server_id.as_str() == "inbox:4" => Some(e),
            _ => None,
        });
        let e = mail.expect("a key-0 sync brings the mail, also to the device that changed it");
        assert_eq!(
            (e.subject.as_deref(), e.read),
            (Some(subject.as_str()), Some(m1.read))
        );
    }
}

#[test]
fn a_change_of_another_class_replaces_the_item() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let b = a.as_device("B");
    let (ka, kb) = (a.prime("contacts"), b.prime("contacts"));
    let change = ClientCommand::Change {
        server_id: "contacts:2".parse().unwrap(),
        instance_id: None,
        data: contact("Neu, Name"),
    };
    let r = a.send("contacts", &ka, vec![change]);
    assert!(statuses(&r).is_empty());
    let v = sim.item("contacts:2").unwrap();
    assert_eq!((v.subject.as_deref(), v.sent), (Some("Neu, Name"), true));
    let rb = b.sync_one("contacts", &kb, 100).unwrap();
    let Some(ServerCommand::Change {
        data: ApplicationData::Contact(c),
        ..
    }) = rb.commands.first()
    else {
        panic!("{rb:?}");
    };
    assert_eq!(c.file_as.as_deref(), Some("Neu, Name"));
}

#[test]
fn a_conflict_answers_7_keeps_the_servers_version_and_sends_it() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let ka = a.prime("inbox");
    sim.set_mail_flags("inbox:5", true, true, vec!["Server".into()])
        .unwrap();
    sim.set_item("inbox:6", State::Live).unwrap();
    let server = state(&sim, "inbox:5");
    let r = a.send(
        "inbox",
        &ka,
        vec![read("inbox:5", false), delete("inbox:6")],
    );
    assert_eq!(
        statuses(&r),
        vec![("inbox:5".into(), 7), ("inbox:6".into(), 7)]
    );
    assert_eq!(state(&sim, "inbox:5"), server, "not applied");
    assert!(sim.item("inbox:6").is_ok(), "not deleted");
    let sent = commands_of(&r);
    assert!(sent.contains(&("Change", "inbox:5".into())), "{sent:?}");
    assert!(sent.contains(&("Change", "inbox:6".into())), "{sent:?}");

    // The server's version comes even without GetChanges, and Conflict 1 is the default.
    let mut c = a.collection("inbox", &ka, 100);
    c.get_changes = Some(false);
    c.options = Some(SyncOptions {
        conflict: Some(1),
        ..SyncOptions::default()
    });
    c.commands = vec![read("inbox:5", false)];
    let r = a.sync_with(vec![c]).collections.into_iter().next();
    assert_eq!(statuses(&r), vec![("inbox:5".into(), 7)]);
    assert_eq!(commands_of(&r), vec![("Change", "inbox:5".into())]);

    // Conflict 0: the client wins, its change is merged in.
    let mut c = a.collection("inbox", &ka, 100);
    c.options = Some(SyncOptions {
        conflict: Some(0),
        ..SyncOptions::default()
    });
    c.commands = vec![read("inbox:5", false)];
    let r = a.sync_with(vec![c]).collections.into_iter().next();
    assert!(statuses(&r).is_empty(), "{r:?}");
    let won = state(&sim, "inbox:5");
    assert_eq!((won.read, won.flag_status), (false, 2));
}

#[test]
fn without_server_wins_conflicts_the_client_always_wins() {
    let sim = sim(Profile::simple());
    let a = Client::new(&sim, V14);
    let ka = a.prime("inbox");
    sim.set_mail_flags("inbox:5", true, false, Vec::new())
        .unwrap();
    let r = a.send(
        "inbox",
        &ka,
        vec![read("inbox:5", false), delete("inbox:6")],
    );
    assert!(statuses(&r).is_empty(), "{r:?}");
    assert!(!state(&sim, "inbox:5").read);
    assert!(sim.item("inbox:6").is_err());
}

#[test]
fn deletes_move_mail_to_deleted_items_unless_deletes_as_moves_is_0() {
    let sim = sim(Profile::exchange());
    let a = Client::new(&sim, V14);
    let b = a.as_device("B");
    let (ka, kd) = (a.prime("inbox"), a.prime("deleted"));
    let (kb, kbd) = (b.prime("inbox"), b.prime("deleted"));
    let subject = |idx| mail::message(1, "inbox", idx).subject;
    let before = state(&sim, "inbox:7");
    let r = a.send("inbox", &ka, vec![delete("inbox:7")]);
    assert!(statuses(&r).is_empty());
    assert_eq!(sim.item("inbox:7"), Err(SimError::NoItem("inbox:7".into())));
    let found = sim.mails_with_subject(&subject(7));
    assert_eq!(found.len(), 1, "{found:?}");
    let moved = &found[0];
    assert_eq!(moved.folder, "deleted");
    assert_eq!(
        moved.mail.as_ref(),
        Some(&before),
        "the same mail, its state kept"
    );
    let trash_id = moved.server_id.clone();
    assert!(commands_of(&a.sync_one("inbox", &key(&r), 100)).is_empty());
    let rd = a.sync_one("deleted", &kd, 100);
    assert_eq!(
        commands_of(&rd),
        vec![("Add", trash_id.clone())],
        "its new id"
    );
    assert_eq!(
        commands_of(&b.sync_one("inbox", &kb, 100)),
        vec![("Delete", "inbox:7".into())]
    );
    assert_eq!(
        commands_of(&b.sync_one("deleted", &kbd, 100)),
        vec![("Add", trash_id.clone())]
    );

    // DeletesAsMoves 0, and a Delete in Deleted Items itself, are hard deletes.
    let mut c = a.collection("inbox", &key(&r), 100);
    c.deletes_as_moves = Some(false);
    c.commands = vec![delete("inbox:8")];
    let r = a.sync_with(vec![c]).collections.into_iter().next();
    assert!(statuses(&r).is_empty());
    assert!(sim.mails_with_subject(&subject(8)).is_empty(), "gone");
    let r = a.send("deleted", &key(&rd), vec![delete(&trash_id)]);
    assert!(statuses(&r).is_empty());
    assert!(sim.mails_with_subject(&subject(7)).is_empty(), "gone");
    // Outside mail, a hard delete; an item not there, Status 8.
    let kc = a.prime("contacts");
    let trash = sim.items("deleted").unwrap().len();
    let r = a.send(
        "contacts",
        &kc,
        vec![delete("contacts:1"), delete("contacts:99")],
    );
    assert_eq!(statuses(&r), vec![("contacts:99".into(), 8)]);
    assert!(sim.item("contacts:1").is_err());
    assert_eq!(sim.items("deleted").unwrap().len(), trash);
    let r = a.send("inbox", &ka, vec![read("inbox:99", true)]);
    assert_eq!(statuses(&r), vec![("inbox:99".into(), 8)]);
}

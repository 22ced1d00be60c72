//! The mailbox operations that model what happens to a real mailbox (a collection failing on
//! its own, a folder re-created under a new id, a server that forgot the device), through the
//! handler-level test client.

use std::collections::HashSet;

use super::testkit::{Client, server_id, sim};
use super::{Profile, SimError};
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;
use crate::proto::foldersync::FolderChange;
use crate::proto::sync::ServerCommand;

const V14: ProtocolVersion = ProtocolVersion::V14_1;

fn sim_simple() -> std::sync::Arc<super::Sim> {
    sim(Profile::simple())
}

fn added(changes: &[FolderChange]) -> Vec<(String, String)> {
    changes
        .iter()
        .filter_map(|c| match c {
            FolderChange::Add(f) => Some((f.server_id.to_string(), f.parent_id.to_string())),
            _ => None,
        })
        .collect()
}

fn subject(cmd: &ServerCommand) -> String {
    match cmd {
        ServerCommand::Add {
            data: ApplicationData::Email(e),
            ..
        } => e.subject.clone().unwrap_or_default(),
        other => panic!("not an Email Add: {other:?}"),
    }
}

#[test]
fn one_collection_answers_its_own_status_the_others_normally() {
    let sim = sim_simple();
    let c = Client::new(&sim, V14);
    let (ki, ks) = (c.prime("inbox"), c.prime("sent"));
    sim.add_items("inbox", 1).unwrap();
    sim.add_items("sent", 1).unwrap();
    for status in [8, 5, 16, 4, 6] {
        sim.set_collection_status("inbox", Some(status));
        let r = c.sync(&[("inbox", ki.as_str()), ("sent", ks.as_str())], 100);
        let (inbox, sent) = (&r.collections[0], &r.collections[1]);
        assert_eq!(inbox.status.code(), status);
        assert!(inbox.sync_key.is_none() && inbox.commands.is_empty());
        assert_eq!((sent.status.code(), sent.commands.len()), (1, 1));
    }
    sim.set_collection_status("inbox", None);
    let r = c.sync_one("inbox", &ki, 100).unwrap();
    assert_eq!((r.status.code(), r.commands.len()), (1, 1));
}

/// Subject per index of a collection synced from key 0.
fn subjects(c: &Client, id: &str) -> Vec<(u32, String)> {
    let k0 = c.sync_one(id, "0", 512).unwrap().sync_key.unwrap();
    let r = c.sync_one(id, k0.as_str(), 512).unwrap();
    r.commands
        .iter()
        .map(|cmd| {
            let sid = server_id(cmd);
            let (folder, idx) = sid.rsplit_once(':').unwrap();
            assert_eq!(folder, id);
            (idx.parse().unwrap(), subject(cmd))
        })
        .collect()
}

#[test]
fn a_recreated_folder_has_a_new_id_and_the_same_items() {
    let sim = sim_simple();
    let c = Client::new(&sim, V14);
    let key = c.folder_sync("0").sync_key.unwrap();
    let before = subjects(&c, "sent");
    let ks = c.prime("sent");
    let new = sim.recreate_folder("sent").unwrap();
    assert_ne!(new, "sent");
    let r = c.folder_sync(key.as_str());
    assert_eq!(r.changes.len(), 2, "{:?}", r.changes);
    assert_eq!(r.changes[0], FolderChange::Delete("sent".parse().unwrap()));
    let FolderChange::Add(f) = &r.changes[1] else {
        panic!("{:?}", r.changes[1]);
    };
    assert_eq!(
        (f.server_id.as_str(), f.parent_id.as_str()),
        (new.as_str(), "0")
    );
    assert_eq!(
        (f.display_name.as_str(), f.folder_type.code()),
        ("Sent Items", 5)
    );
    assert_eq!(c.sync_one("sent", &ks, 100).unwrap().status.code(), 12);
    assert_eq!(subjects(&c, &new), before, "the same items, new server ids");
    // Subfolders move under the new id.
    let key = r.sync_key.unwrap();
    let inbox = sim.recreate_folder("inbox").unwrap();
    let r = c.folder_sync(key.as_str());
    let moved = r.changes.iter().any(|ch| {
        matches!(ch, FolderChange::Update(f)
            if f.server_id.as_str() == "projects" && f.parent_id.as_str() == inbox)
    });
    assert!(moved, "{:?}", r.changes);
    assert!(matches!(
        sim.recreate_folder("nope"),
        Err(SimError::NoFolder(_))
    ));
}

#[test]
fn a_forgotten_device_starts_over_with_new_folder_ids() {
    let sim = sim_simple();
    let c = Client::new(&sim, V14);
    sim.device(&c.device, |d| d.policy_key = Some(7));
    let first = c.folder_sync("0");
    let key = first.sync_key.unwrap();
    let ki = c.prime("inbox");
    let before = subjects(&c, "inbox");
    sim.forget_device();
    assert_eq!(c.folder_sync(key.as_str()).status.code(), 9);
    assert_eq!(c.sync_one("inbox", &ki, 100).unwrap().status.code(), 12);
    assert_eq!(
        sim.device(&c.device, |d| d.policy_key),
        None,
        "provision again"
    );
    let again = c.folder_sync("0");
    let old: HashSet<String> = added(&first.changes).into_iter().map(|(i, _)| i).collect();
    let new = added(&again.changes);
    assert_eq!(new.len(), old.len());
    for (id, parent) in &new {
        assert!(!old.contains(id), "{id} is a new id");
        assert!(parent == "0" || new.iter().any(|(i, _)| i == parent));
    }
    let names = |changes: &[FolderChange]| -> Vec<String> {
        let mut v: Vec<String> = changes
            .iter()
            .filter_map(|c| match c {
                FolderChange::Add(f) => Some(f.display_name.clone()),
                _ => None,
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&first.changes), names(&again.changes));
    let inbox = again
        .changes
        .iter()
        .find_map(|ch| match ch {
            FolderChange::Add(f) if f.display_name == "Inbox" => Some(f.server_id.to_string()),
            _ => None,
        })
        .unwrap();
    assert_eq!(subjects(&c, &inbox), before);
}

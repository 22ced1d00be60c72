//! The planner alone, with the held items in a map (no SQLite).

use std::collections::HashMap;

use super::*;
use crate::proto::ServerId;
use crate::proto::classes::email::Email;

fn sid(s: &str) -> ServerId {
    ServerId::try_from(s).unwrap()
}

fn mail(subject: &str, read: Option<bool>) -> ApplicationData {
    ApplicationData::Email(Box::new(Email {
        subject: Some(subject.into()).filter(|s: &String| !s.is_empty()),
        read,
        ..Email::default()
    }))
}

fn plan(held: HashMap<&str, ApplicationData>, commands: Vec<ServerCommand>) -> CollectionPlan {
    plan_commands(commands, "Email", &mut |id: &str| Ok(held.get(id).cloned())).unwrap()
}

/// (op, server id, subject, read) of each operation.
fn shape(p: &CollectionPlan) -> Vec<(&'static str, String, Option<String>, Option<bool>)> {
    p.ops
        .iter()
        .map(|op| match op {
            ItemOp::Put(r) => match &r.item {
                crate::model::Item::Email(e) => {
                    ("put", r.server_id.clone(), e.subject.clone(), e.read)
                }
                _ => ("put", r.server_id.clone(), None, None),
            },
            ItemOp::Delete(id) => ("delete", id.clone(), None, None),
            ItemOp::SoftDelete(id) => ("soft", id.clone(), None, None),
            ItemOp::Instance(c) => ("instance", c.server_id.clone(), None, None),
            ItemOp::Undecodable(r) => ("raw", r.server_id.clone(), None, None),
        })
        .collect()
}

#[test]
fn delete_then_add_of_one_id_leaves_it_present() {
    let held = HashMap::from([("x", mail("old", Some(false)))]);
    let p = plan(
        held,
        vec![
            ServerCommand::Delete {
                server_id: sid("x"),
                instance_id: None,
            },
            ServerCommand::Add {
                server_id: sid("x"),
                data: mail("new", Some(false)),
            },
        ],
    );
    assert_eq!(
        shape(&p),
        [
            ("delete", "x".into(), None, None),
            ("put", "x".into(), Some("new".into()), Some(false)),
        ]
    );
}

#[test]
fn soft_delete_then_change_leaves_it_changed() {
    let held = HashMap::from([("x", mail("kept", Some(false)))]);
    let p = plan(
        held,
        vec![
            ServerCommand::SoftDelete {
                server_id: sid("x"),
            },
            ServerCommand::Change {
                server_id: sid("x"),
                data: mail("", Some(true)),
            },
        ],
    );
    assert_eq!(
        shape(&p),
        [
            ("soft", "x".into(), None, None),
            ("put", "x".into(), Some("kept".into()), Some(true)),
        ]
    );
}

#[test]
fn flag_change_is_merged_into_the_held_mail() {
    let held = HashMap::from([("x", mail("Quarterly report", Some(false)))]);
    let p = plan(
        held,
        vec![ServerCommand::Change {
            server_id: sid("x"),
            data: mail("", Some(true)),
        }],
    );
    assert_eq!(
        shape(&p),
        [(
            "put",
            "x".into(),
            Some("Quarterly report".into()),
            Some(true)
        )]
    );
}

#[test]
fn change_for_an_unknown_item_creates_nothing() {
    let p = plan(
        HashMap::new(),
        vec![
            ServerCommand::Change {
                server_id: sid("y"),
                data: mail("", Some(true)),
            },
            ServerCommand::Add {
                server_id: sid("z"),
                data: mail("z", None),
            },
        ],
    );
    assert_eq!(p.unknown_changes, ["y"]);
    assert_eq!(shape(&p), [("put", "z".into(), Some("z".into()), None)]);
}

#[test]
fn change_before_add_in_one_response_is_settled_by_the_add() {
    let p = plan(
        HashMap::new(),
        vec![
            ServerCommand::Change {
                server_id: sid("x"),
                data: mail("", Some(true)),
            },
            ServerCommand::Add {
                server_id: sid("x"),
                data: mail("x", Some(false)),
            },
        ],
    );
    assert!(p.unknown_changes.is_empty());
    assert_eq!(
        shape(&p),
        [("put", "x".into(), Some("x".into()), Some(false))]
    );
}

#[test]
fn change_after_add_in_one_response_merges_into_the_add() {
    let p = plan(
        HashMap::new(),
        vec![
            ServerCommand::Add {
                server_id: sid("x"),
                data: mail("fresh", Some(false)),
            },
            ServerCommand::Change {
                server_id: sid("x"),
                data: mail("", Some(true)),
            },
        ],
    );
    assert_eq!(
        shape(&p)[1],
        ("put", "x".into(), Some("fresh".into()), Some(true))
    );
}

#[test]
fn change_after_delete_in_one_response_creates_nothing() {
    let held = HashMap::from([("x", mail("gone", None))]);
    let p = plan(
        held,
        vec![
            ServerCommand::Delete {
                server_id: sid("x"),
                instance_id: None,
            },
            ServerCommand::Change {
                server_id: sid("x"),
                data: mail("", Some(true)),
            },
        ],
    );
    assert_eq!(shape(&p), [("delete", "x".into(), None, None)]);
    assert!(p.unknown_changes.is_empty(), "settled by the Delete");
}

#[test]
fn change_before_a_soft_delete_does_not_bring_the_item_back() {
    let p = plan(
        HashMap::new(),
        vec![
            ServerCommand::Change {
                server_id: sid("x"),
                data: mail("", Some(true)),
            },
            ServerCommand::SoftDelete {
                server_id: sid("x"),
            },
            ServerCommand::Change {
                server_id: sid("y"),
                data: mail("", Some(true)),
            },
            ServerCommand::Change {
                server_id: sid("z"),
                data: mail("", Some(true)),
            },
            ServerCommand::Change {
                server_id: sid("y"),
                data: mail("", Some(false)),
            },
        ],
    );
    assert_eq!(p.unknown_changes, ["y", "z"], "settled ones out, each once");
}

//! The commands a folder's pending journal rows become, and what the server's answers mean.

use std::collections::HashSet;

use super::{Sent, answers, mail_change};
use crate::model::{FlagEdit, MailEdit, Payload};
use crate::proto::ServerId;
use crate::proto::classes::ApplicationData;
use crate::proto::sync::{ClientCommand, ClientCommandResult, SyncStatus};
use crate::store::{JournalEntry, Outcome};

fn entry(id: i64, sid: &str, kind: &str, payload: Payload) -> JournalEntry {
    JournalEntry {
        id,
        item_id: Some(id * 10),
        folder: "inbox".into(),
        server_id: Some(sid.into()),
        class: "Email".into(),
        kind: kind.into(),
        payload: serde_json::to_string(&payload).unwrap(),
        client_id: None,
        origin: "cli".into(),
        summary: None,
        state: "pending".into(),
        attempts: 0,
        unanswered: 0,
        status: None,
        error: None,
        created_at: 0,
    }
}

/// `build` with no items held, for 14.1.
fn build(entries: &[JournalEntry], seen: &mut HashSet<i64>) -> super::Outgoing {
    let held = |_: &str| None;
    let ctx = super::super::outgoing_files::Ctx {
        version: crate::proto::ProtocolVersion::V14_1,
        held: &held,
    };
    super::build(entries, seen, &ctx)
}

fn read(v: bool) -> Payload {
    Payload::Mail(MailEdit {
        read: Some(v),
        ..MailEdit::default()
    })
}

#[test]
fn two_edits_of_one_mail_are_one_change_with_the_later_value() {
    let flag = Payload::Mail(MailEdit {
        flag: Some(FlagEdit::Flagged { due: None }),
        ..MailEdit::default()
    });
    let entries = [
        entry(1, "1:1", "mail", read(true)),
        entry(2, "1:2", "mail", read(true)),
        entry(3, "1:1", "mail", read(false)),
        entry(4, "1:1", "mail", flag),
    ];
    let out = build(&entries, &mut HashSet::new());
    assert_eq!(out.commands.len(), 2);
    assert_eq!(out.sent[0].ids, [1, 3, 4]);
    let ClientCommand::Change { data, .. } = &out.commands[0] else {
        panic!("{:?}", out.commands[0]);
    };
    let ApplicationData::Email(m) = data else {
        panic!("{data:?}");
    };
    assert_eq!(m.read, Some(false));
    assert_eq!(m.flag.as_ref().and_then(|f| f.status), Some(2));
    assert!(m.subject.is_none() && m.body.is_none(), "only what changed");
}

#[test]
fn a_deleted_mail_takes_its_edits_and_hard_and_soft_deletes_go_apart() {
    let entries = [
        entry(1, "1:1", "mail", read(true)),
        entry(2, "1:1", "delete", Payload::Delete { hard: false }),
        entry(3, "1:2", "delete", Payload::Delete { hard: true }),
    ];
    let mut seen = HashSet::new();
    let out = build(&entries, &mut seen);
    assert_eq!(out.deletes_as_moves, Some(true));
    assert_eq!(out.commands.len(), 1);
    assert_eq!(out.sent[0].ids, [2, 1]);
    assert!(out.left_over);
    let next = build(&entries, &mut seen);
    assert_eq!(next.deletes_as_moves, Some(false));
    assert_eq!(next.sent.len(), 1);
    assert_eq!(next.sent[0].ids, [3]);
    assert!(
        build(&entries, &mut seen).commands.is_empty(),
        "each row once per run"
    );
}

#[test]
fn a_row_whose_item_left_the_mirror_is_a_conflict_not_a_command() {
    let mut e = entry(1, "1:1", "mail", read(true));
    e.item_id = None;
    let out = build(&[e], &mut HashSet::new());
    assert!(out.commands.is_empty());
    assert!(matches!(
        out.unsendable[0].outcome,
        Outcome::Conflict { .. }
    ));
}

#[test]
fn answers_settle_each_row_by_its_status() {
    let sent = |ids: Vec<i64>, sid: &str, delete| Sent {
        ids,
        server_id: sid.into(),
        delete,
        edit: None,
        client_id: None,
        added: None,
        again: false,
        instances: Vec::new(),
    };
    let sid = |s: &str| ServerId::try_from(s).unwrap();
    let a = answers(
        &[
            sent(vec![1], "1:1", false),
            sent(vec![2, 3], "1:2", false),
            sent(vec![4], "1:3", false),
            sent(vec![5], "1:4", true),
            sent(vec![6], "1:5", true),
            sent(vec![7], "1:6", false),
        ],
        &[
            ClientCommandResult::Change {
                server_id: sid("1:2"),
                status: SyncStatus::Conflict,
            },
            ClientCommandResult::Change {
                server_id: sid("1:3"),
                status: SyncStatus::ConversionError,
            },
            ClientCommandResult::Delete {
                server_id: sid("1:5"),
                status: SyncStatus::ObjectNotFound,
            },
            ClientCommandResult::Change {
                server_id: sid("1:6"),
                status: SyncStatus::ObjectNotFound,
            },
        ],
    );
    let of = |id| {
        a.outcomes
            .iter()
            .find(|o| o.id == id)
            .unwrap()
            .outcome
            .clone()
    };
    assert_eq!(of(1), Outcome::Done, "no answer: taken");
    assert!(matches!(
        of(2),
        Outcome::Conflict {
            status: Some(7),
            ..
        }
    ));
    assert!(matches!(
        of(3),
        Outcome::Conflict {
            status: Some(7),
            ..
        }
    ));
    assert!(matches!(
        of(4),
        Outcome::Failed {
            status: Some(6),
            ..
        }
    ));
    assert_eq!(of(5), Outcome::Done);
    assert_eq!(of(6), Outcome::Done, "already gone");
    assert!(matches!(
        of(7),
        Outcome::Failed {
            status: Some(8),
            ..
        }
    ));
    assert_eq!(a.deleted, ["1:4", "1:5"]);
    assert_eq!(
        a.refetch,
        ["1:2", "1:3"],
        "the server's version is fetched again"
    );
}

#[test]
fn a_cleared_flag_is_an_empty_flag_element() {
    let data = mail_change(&MailEdit {
        flag: Some(FlagEdit::Cleared),
        categories: Some(Vec::new()),
        ..MailEdit::default()
    });
    let ApplicationData::Email(m) = data else {
        panic!()
    };
    assert_eq!(m.flag, Some(Default::default()));
    assert!(m.categories.is_some_and(|c| c.items.is_empty()));
}

#[test]
fn a_long_journal_goes_in_requests_of_bounded_size() {
    let entries: Vec<JournalEntry> = (1..=450)
        .map(|i| entry(i, &format!("1:{i}"), "mail", read(true)))
        .collect();
    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    loop {
        let out = build(&entries, &mut seen);
        if out.commands.is_empty() {
            break;
        }
        sizes.push((out.commands.len(), out.left_over));
    }
    assert_eq!(sizes, [(200, true), (200, true), (50, false)]);
}

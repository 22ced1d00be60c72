//! Each profile switch and mailbox operation does what its documentation says: the
//! simulator's answers, decoded with easync's own protocol types (or as a WBXML tree where the
//! types would refuse them), from a client that calls the handlers directly.

use std::collections::HashSet;

use wbxml::{Element, Node};

use super::mail::{self, Oddity};
use super::profile::{self, Profile, SPREAD_DELETES};
use super::testkit::{Client, ops, server_id, sim};
use super::{SimConfig, State};
use crate::proto::ProtocolVersion;
use crate::proto::classes::ApplicationData;
use crate::proto::classes::email::{Category, Email, Flag};
use crate::proto::foldersync::FolderChange;
use crate::proto::sync::ServerCommand;

const V14: ProtocolVersion = ProtocolVersion::V14_1;

fn only(switch: fn(&mut Profile)) -> Profile {
    let mut p = Profile::simple();
    switch(&mut p);
    p
}

fn email(cmd: &ServerCommand) -> &Email {
    match cmd {
        ServerCommand::Add {
            data: ApplicationData::Email(e),
            ..
        }
        | ServerCommand::Change {
            data: ApplicationData::Email(e),
            ..
        } => e,
        other => panic!("not an Email Add/Change: {other:?}"),
    }
}

fn owned(v: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    v.iter().map(|&(op, id)| (op, id.to_string())).collect()
}

#[test]
fn partial_email_changes_carry_only_read_flag_and_categories() {
    let sim = sim(only(|p| p.partial_email_changes = true));
    let c = Client::new(&sim, V14);
    let key = c.prime("inbox");
    sim.set_item("inbox:3", State::Live).unwrap();
    sim.set_mail_flags("inbox:4", true, true, vec!["Rot".into()])
        .unwrap();
    let r = c.sync_one("inbox", &key, 100).unwrap();
    assert_eq!(
        ops(&r),
        owned(&[("Change", "inbox:3"), ("Change", "inbox:4")])
    );
    for cmd in &r.commands {
        let e = email(cmd);
        let state_only = Email {
            read: e.read,
            flag: e.flag.clone(),
            categories: e.categories.clone(),
            last_verb_executed: e.last_verb_executed,
            ..Email::default()
        };
        assert_eq!(e, &state_only, "nothing but the state");
    }
    let generated = mail::flags(3, 1, None);
    let e3 = email(&r.commands[0]);
    assert_eq!(e3.read, Some(generated.read));
    assert_eq!(
        e3.flag.as_ref().unwrap().status,
        (generated.flag_status > 0).then_some(generated.flag_status)
    );
    let e4 = email(&r.commands[1]);
    assert_eq!(e4.read, Some(true));
    let flag = e4.flag.as_ref().unwrap();
    assert_eq!(
        (flag.status, flag.flag_type.as_deref()),
        (Some(2), Some("Follow up"))
    );
    assert_eq!(
        e4.categories.as_ref().unwrap().items,
        vec![Category("Rot".into())]
    );
    assert_eq!(e4.last_verb_executed, Some(0), "as the captured server");
    let key = r.sync_key.unwrap();

    // Cleared: an empty <Flag/> and an empty <Categories/>.
    sim.set_mail_flags("inbox:4", false, false, Vec::new())
        .unwrap();
    let bytes = c.sync_bytes(&[("inbox", key.as_str())], 100).unwrap();
    let tree = Element::decode(&bytes).unwrap();
    let data = find(&tree, wbxml::tags::air_sync::APPLICATION_DATA);
    let names: Vec<String> = data.elements().map(|e| e.tag.to_string()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for tag in [wbxml::tags::email::FLAG, wbxml::tags::email::CATEGORIES] {
        let el = data.elements().find(|e| e.tag == tag).unwrap();
        assert!(el.children.is_empty(), "{tag} is empty");
    }
    let r = c.sync_one("inbox", key.as_str(), 100).unwrap();
    let e = email(&r.commands[0]);
    assert_eq!(
        (e.read, e.flag.clone(), e.last_verb_executed),
        (Some(false), Some(Flag::default()), None)
    );
}

#[test]
fn partial_changes_send_no_email2_on_12_1_and_simple_sends_whole_items() {
    let sim12 = sim(only(|p| p.partial_email_changes = true));
    let c = Client::new(&sim12, ProtocolVersion::V12_1);
    let key = c.prime("inbox");
    sim12
        .set_mail_flags("inbox:4", true, true, Vec::new())
        .unwrap();
    let r = c.sync_one("inbox", &key, 100).unwrap();
    assert_eq!(email(&r.commands[0]).last_verb_executed, None);

    let plain = sim(Profile::simple());
    let c = Client::new(&plain, V14);
    let key = c.prime("inbox");
    plain
        .set_mail_flags("inbox:4", true, true, Vec::new())
        .unwrap();
    let r = c.sync_one("inbox", &key, 100).unwrap();
    let e = email(&r.commands[0]);
    assert_eq!(e.subject, Some(mail::message(1, "inbox", 4).subject));
    assert_eq!(e.flag.as_ref().unwrap().status, Some(2));
}

#[test]
fn a_mails_content_does_not_depend_on_its_version() {
    let want = mail::BodyWanted::default();
    let strip = |mut e: Email| {
        (e.read, e.flag, e.categories) = (None, None, None);
        e
    };
    for idx in [1, 5, 13, 21, 22] {
        let v0 = strip(mail::email(1, "inbox", idx, 0, &want));
        for version in 1..4 {
            assert_eq!(v0, strip(mail::email(1, "inbox", idx, version, &want)));
        }
    }
}

#[test]
fn fresh_sync_keys_are_never_sent_twice_and_still_accepted() {
    let sim = sim(only(|p| p.fresh_sync_keys = true));
    let c = Client::new(&sim, ProtocolVersion::V16_1);
    let mut seen = HashSet::new();
    let mut fresh = |k: Option<crate::proto::SyncKey>| {
        let k = k.expect("a key").as_str().to_string();
        assert!(seen.insert(k.clone()), "{k} sent twice");
        k
    };
    let k0 = fresh(c.sync_one("inbox", "0", 512).unwrap().sync_key);
    let first = c.sync_one("inbox", &k0, 50).unwrap();
    let again = c.sync_one("inbox", &k0, 50).unwrap();
    assert_eq!(
        ops(&first),
        ops(&again),
        "a repeated key gets the same page"
    );
    let mut key = fresh(first.sync_key);
    fresh(again.sync_key);
    while let Some(r) = c.sync_one("inbox", &key, 50) {
        key = fresh(r.sync_key);
        if !r.more_available {
            break;
        }
    }
    assert!(
        c.sync_one("inbox", &key, 50).is_none(),
        "idle: an empty body"
    );
    let at = sim.device(&c.device, |d| d.positions.get("inbox").copied());
    let f = sim.snapshot();
    let inbox = f.folder("inbox").unwrap();
    assert!(!super::plan::has_pending(inbox, at.unwrap(), &c.device));
    sim.invalidate_sync_keys("inbox").unwrap();
    let r = c.sync_one("inbox", &key, 50).unwrap();
    assert_eq!(r.status.code(), 3, "another generation");

    let plain = sim_simple();
    let c = Client::new(&plain, ProtocolVersion::V16_1);
    let k0 = c.sync_one("inbox", "0", 512).unwrap().sync_key;
    let k1 = c.sync_one("inbox", "0", 512).unwrap().sync_key;
    assert_eq!(k0, k1, "simple: the same position, the same key");
}

fn sim_simple() -> std::sync::Arc<super::Sim> {
    sim(Profile::simple())
}

#[test]
fn spread_deletions_send_at_most_five_per_collection_per_response() {
    let sim = sim(only(|p| p.spread_deletions = true));
    let c = Client::new(&sim, V14);
    let (mut ki, mut ks) = (c.prime("inbox"), c.prime("sent"));
    let gone = sim.delete_items("inbox", 12).unwrap();
    assert_eq!(gone.first().map(String::as_str), Some("inbox:1"));
    assert_eq!(gone.len(), 12);
    sim.delete_items("Sent Items", 7).unwrap();
    let (mut sizes, mut got) = (Vec::new(), Vec::new());
    loop {
        let r = c.sync(&[("inbox", ki.as_str()), ("sent", ks.as_str())], 100);
        if r.collections.is_empty() {
            break;
        }
        let mut row = Vec::new();
        for coll in &r.collections {
            assert!(coll.commands.len() <= SPREAD_DELETES);
            for cmd in &coll.commands {
                assert!(matches!(cmd, ServerCommand::Delete { .. }), "{cmd:?}");
                got.push(server_id(cmd));
            }
            row.push((coll.commands.len(), coll.more_available));
            let key = coll.sync_key.as_ref().unwrap().as_str().to_string();
            if coll.collection_id.as_str() == "inbox" {
                ki = key;
            } else {
                ks = key;
            }
        }
        sizes.push(row);
    }
    assert_eq!(
        sizes,
        vec![
            vec![(5, true), (5, true)],
            vec![(5, true), (2, false)],
            vec![(2, false), (0, false)],
        ]
    );
    assert_eq!(got.iter().filter(|id| id.starts_with("inbox:")).count(), 12);

    let plain = sim_simple();
    let c = Client::new(&plain, V14);
    let key = c.prime("inbox");
    plain.delete_items("inbox", 12).unwrap();
    assert_eq!(c.sync_one("inbox", &key, 100).unwrap().commands.len(), 12);
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

#[test]
fn late_nested_folders_come_a_round_after_their_parent() {
    let sim = sim(only(|p| p.late_nested_folders = true));
    let c = Client::new(&sim, V14);
    let mut key = "0".to_string();
    let mut known: HashSet<String> = HashSet::from(["0".to_string()]);
    let mut rounds = Vec::new();
    loop {
        let r = c.folder_sync(&key);
        assert_eq!(r.status.code(), 1);
        key = r.sync_key.unwrap().as_str().to_string();
        let adds = added(&r.changes);
        if adds.is_empty() {
            break;
        }
        for (_, parent) in &adds {
            assert!(
                known.contains(parent),
                "{parent} was sent in an earlier round"
            );
        }
        let mut ids: Vec<String> = adds.into_iter().map(|(id, _)| id).collect();
        known.extend(ids.iter().cloned());
        ids.sort();
        rounds.push(ids);
    }
    assert_eq!(rounds.len(), 3, "{rounds:?}");
    assert_eq!(rounds[1], ["errands", "projects", "suppliers", "team"]);
    assert_eq!(rounds[2], ["projects-q4"]);
    assert_eq!(known.len(), 16);
    // New folders later: one nesting level per round.
    let a = sim.add_folder("inbox", "Neu", 12).unwrap();
    let b = sim.add_folder(&a, "Tiefer", 12).unwrap();
    let d = sim.add_folder(&b, "Am tiefsten", 12).unwrap();
    for want in [&a, &b, &d] {
        let r = c.folder_sync(&key);
        key = r.sync_key.unwrap().as_str().to_string();
        let ids: Vec<String> = added(&r.changes).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, vec![want.clone()]);
    }
    let r = c.folder_sync(&key);
    assert!(r.changes.is_empty());
    assert_eq!(r.sync_key.unwrap().as_str(), key, "settled");

    let plain = Client::new(&sim_simple(), V14);
    assert_eq!(added(&plain.folder_sync("0").changes).len(), 15);
}

/// The first element with `tag`, depth first.
pub(crate) fn find<'t, 'a>(e: &'t Element<'a>, tag: wbxml::Tag) -> &'t Element<'a> {
    fn walk<'t, 'a>(e: &'t Element<'a>, tag: wbxml::Tag) -> Option<&'t Element<'a>> {
        if e.tag == tag {
            return Some(e);
        }
        e.elements().find_map(|c| walk(c, tag))
    }
    walk(e, tag).unwrap_or_else(|| panic!("no {tag}"))
}

#[test]
fn odd_items_have_windows_1252_bodies_or_empty_numbers_and_still_verify() {
    let sim = super::Sim::new(SimConfig {
        verify_responses: true,
        ..sim(only(|p| p.odd_items = true)).config.clone()
    });
    let c = Client::new(&sim, V14);
    let k0 = c.sync_one("inbox", "0", 512).unwrap().sync_key.unwrap();
    let bytes = c.sync_bytes(&[("inbox", k0.as_str())], 512).unwrap();
    super::server::verify(&sim, &bytes).expect("round-trips byte for byte");
    let tree = Element::decode(&bytes).unwrap();
    let commands = find(&tree, wbxml::tags::air_sync::COMMANDS);
    let mut odd = Vec::new();
    for add in commands.elements() {
        let sid = add.child(0, "ServerId").unwrap().text();
        let idx: u32 = sid.rsplit_once(':').unwrap().1.parse().unwrap();
        let data = add.child(0, "ApplicationData").unwrap();
        let body = data.child(17, "Body").unwrap();
        let payload = &body.child(17, "Data").unwrap().children;
        let size = body.child(17, "EstimatedDataSize").unwrap();
        let importance = data.child(2, "Importance").unwrap();
        match mail::oddity(1, idx) {
            Some(Oddity::Windows1252Body) => {
                let want = mail::to_windows_1252(&mail::windows_1252_text(idx));
                assert_eq!(payload, &vec![Node::Opaque(want.clone().into())]);
                assert!(std::str::from_utf8(&want).is_err(), "not UTF-8");
                assert_eq!(size.text(), want.len().to_string());
                odd.push(idx);
            }
            Some(Oddity::EmptyNumbers) => {
                assert!(size.children.is_empty() && importance.children.is_empty());
                assert!(matches!(payload.as_slice(), [Node::Text(_)]));
                odd.push(idx);
            }
            None => {
                assert!(matches!(payload.as_slice(), [Node::Text(_)]), "{sid}");
                assert!(!size.children.is_empty() && !importance.children.is_empty());
            }
        }
    }
    assert_eq!(odd, vec![24, 49, 74]);
    assert!((1..=96).filter(|&i| mail::is_odd(1, i)).eq([24, 49, 74]));
    assert_eq!(
        mail::to_windows_1252("ü€–"),
        vec![0xFC, 0x80, 0x96],
        "windows-1252, not Latin-1"
    );

    // ItemOperations serves the same odd content: the whole message in windows-1252.
    let bytes = c.fetch_mime("inbox", "inbox:49");
    let tree = Element::decode(&bytes).unwrap();
    let body = find(&tree, wbxml::tags::air_sync_base::BODY);
    let data = find(body, wbxml::tags::air_sync_base::DATA);
    let [Node::Opaque(mime)] = data.children.as_slice() else {
        panic!("OPAQUE MIME: {data:?}");
    };
    let text: String = mime.iter().map(|&b| b as char).collect();
    assert!(
        text.contains("charset=windows-1252")
            && !text.contains("charset=utf-8\r\nContent-Transfer")
    );
    assert!(
        mime.windows(2).any(|w| w == [b'K', 0xF6]),
        "Köln in windows-1252"
    );

    let plain = Client::new(&sim_simple(), V14);
    let k0 = plain.sync_one("inbox", "0", 512).unwrap().sync_key.unwrap();
    let r = plain.sync_one("inbox", k0.as_str(), 512).unwrap();
    assert!(
        r.commands
            .iter()
            .all(|c| email(c).importance.is_some() && email(c).extra.is_empty())
    );
}

#[test]
fn delete_then_add_replaces_one_in_five_changes_in_place() {
    assert!(profile::delete_then_add(4, 1) && !profile::delete_then_add(5, 1));
    let sim = sim(only(|p| p.delete_then_add = true));
    let c = Client::new(&sim, V14);
    let key = c.prime("inbox");
    sim.set_item("inbox:4", State::Live).unwrap();
    sim.set_item("inbox:5", State::Live).unwrap();
    let r = c.sync_one("inbox", &key, 100).unwrap();
    assert_eq!(
        ops(&r),
        owned(&[
            ("Delete", "inbox:4"),
            ("Add", "inbox:4"),
            ("Change", "inbox:5")
        ])
    );
    let whole = email(&r.commands[1]);
    assert_eq!(whole.subject, Some(mail::message(1, "inbox", 4).subject));
    assert_eq!(whole.read, Some(mail::flags(4, 1, None).read));
    assert!(whole.body.is_some());
    // With partial changes too: the Add is whole, the Change partial.
    // (Not odd items: today's decoder refuses an empty EstimatedDataSize.)
    let both = super::testkit::sim(Profile {
        odd_items: false,
        ..Profile::exchange()
    });
    let c = Client::new(&both, V14);
    let key = c.prime("inbox");
    both.set_item("inbox:4", State::Live).unwrap();
    both.set_item("inbox:5", State::Live).unwrap();
    let r = c.sync_one("inbox", &key, 100).unwrap();
    assert_eq!(r.commands.len(), 3);
    assert!(email(&r.commands[1]).subject.is_some());
    assert!(email(&r.commands[2]).subject.is_none());
}

#[test]
fn change_before_add_announces_one_in_twenty_new_mails() {
    let sim = sim(only(|p| p.change_before_add = true));
    let c = Client::new(&sim, V14);
    let k0 = c.sync_one("inbox", "0", 512).unwrap().sync_key.unwrap();
    let r = c.sync_one("inbox", k0.as_str(), 512).unwrap();
    let got = ops(&r);
    let announced: Vec<u32> = (1..=96)
        .filter(|&i| profile::change_before_add(i))
        .collect();
    assert_eq!(announced, [10, 30, 50, 70, 90]);
    assert_eq!(got.len(), 96 + announced.len());
    for (n, (op, sid)) in got.iter().enumerate() {
        if *op != "Change" {
            continue;
        }
        assert_eq!(got[n + 1], ("Add", sid.clone()), "its Add follows at once");
        let e = email(&r.commands[n]);
        assert_eq!(
            e,
            &Email {
                read: e.read,
                ..Email::default()
            }
        );
        assert!(e.read.is_some());
    }
    // Not for other classes.
    let k0 = c.sync_one("contacts", "0", 512).unwrap().sync_key.unwrap();
    let r = c.sync_one("contacts", k0.as_str(), 512).unwrap();
    assert!(ops(&r).iter().all(|(op, _)| *op == "Add"));
}

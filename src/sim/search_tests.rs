//! Find (16.1) and Search of the Mailbox (14.x) over the whole simulated mailbox, through the
//! request handler, decoded by easync's own `proto::find` and `proto::search`.

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::{air_sync as s, search as sr};

use super::{Profile, Sim, testkit};
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::find::{Find, FindQuery, FindResponse};
use crate::proto::search::{Query, Search, SearchResponse, SearchResult};
use crate::proto::{Command, ProtocolVersion};

const GUID: &str = "5f2c9d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

/// 400 mails: 40 in Sent Items, 20 in each project folder.
fn big(profile: Profile) -> Arc<Sim> {
    Sim::new(super::SimConfig {
        emails: 400,
        contacts: 5,
        events: 5,
        tasks: 2,
        require_provisioning: false,
        profile,
        ..super::SimConfig::default()
    })
}

fn find_req(text: &str, folder: Option<&str>, deep: bool, range: &str) -> Find {
    Find {
        search_id: GUID.into(),
        query: FindQuery::Mailbox {
            free_text: text.into(),
            class: ItemClass::Email,
            collection_id: folder.map(|f| f.parse().unwrap()),
            deep_traversal: deep,
        },
        range: Some(range.into()),
    }
}

fn find(sim: &Arc<Sim>, req: &Find) -> FindResponse {
    let v = ProtocolVersion::V16_1;
    let (code, body) = testkit::Client::new(sim, v).post("Find", req.encode(v).unwrap());
    assert_eq!(code, 200);
    req.decode(&body, v).unwrap()
}

/// (folder, server id) of every live mail whose subject holds `word`, newest first.
fn subjects_with(sim: &Sim, word: &str) -> Vec<(String, String)> {
    let mb = sim.snapshot();
    let mut out = Vec::new();
    for f in mb.folders.iter().filter(|f| f.kind == super::Kind::Mail) {
        for idx in 1..=f.items.len() as u32 {
            let src = f.source_of(idx);
            let m = super::mail::message(mb.seed, &src.stream, src.idx);
            if m.subject.to_lowercase().contains(word) {
                out.push((m.date, f.id.clone(), f.server_id(idx)));
            }
        }
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.0));
    out.into_iter().map(|(_, f, id)| (f, id)).collect()
}

fn found(r: &FindResponse) -> Vec<(String, String)> {
    r.results
        .iter()
        .map(|x| {
            let f = x.collection_id.as_ref().unwrap().as_str().to_string();
            (f, x.server_id.as_ref().unwrap().as_str().to_string())
        })
        .collect()
}

#[test]
fn find_searches_every_mail_folder_newest_first() {
    let sim = big(Profile::simple());
    let want = subjects_with(&sim, "quarterly");
    assert!(want.len() > 3 && want.iter().any(|(f, _)| f != "inbox"));
    let r = find(&sim, &find_req("subject:Quarterly", None, false, "0-999"));
    assert_eq!(r.response_status.map(|s| s.code()), Some(1));
    assert_eq!(found(&r), want);
    assert_eq!(r.total, Some(want.len() as u32));
    assert_eq!(r.range, Some(format!("0-{}", want.len() - 1)));
    let first = &r.results[0];
    let Some(ApplicationData::Email(e)) = &first.item else {
        panic!("{first:?}")
    };
    assert!(e.subject.as_deref().unwrap().contains("Quarterly"));
    assert!(e.from.is_some() && e.date_received.is_some() && e.read.is_some());
    assert!(
        first
            .preview
            .as_deref()
            .is_some_and(|p| p.chars().count() <= 255)
    );
    // Range 0-1 sends two; Exchange's Total is 0 whatever it sends.
    let r = find(&sim, &find_req("subject:Quarterly", None, false, "0-1"));
    assert_eq!(found(&r), want[..2].to_vec());
    let exchange = big(Profile::exchange());
    let r = find(
        &exchange,
        &find_req("subject:Quarterly", None, false, "0-1"),
    );
    assert_eq!((r.results.len(), r.total), (2, Some(0)));
}

#[test]
fn find_in_a_folder_with_its_subfolders_and_new_mail() {
    let sim = big(Profile::simple());
    let deep = find(
        &sim,
        &find_req("subject:Quarterly", Some("inbox"), true, "0-999"),
    );
    let shallow = find(
        &sim,
        &find_req("subject:Quarterly", Some("inbox"), false, "0-999"),
    );
    let folders = |r: &FindResponse| {
        let mut f: Vec<String> = found(r).into_iter().map(|(f, _)| f).collect();
        f.dedup();
        f.sort();
        f.dedup();
        f
    };
    assert_eq!(folders(&shallow), vec!["inbox".to_string()]);
    assert!(
        folders(&deep).contains(&"projects-q4".to_string()),
        "{:?}",
        folders(&deep)
    );
    assert!(!folders(&deep).contains(&"sent".to_string()));
    // Mail that arrives later is found at once (no sync window).
    let before = found(&find(&sim, &find_req("Grüße", None, false, "0-999"))).len();
    sim.add_items("inbox", 40).unwrap();
    let after = found(&find(&sim, &find_req("Grüße", None, false, "0-999"))).len();
    assert!(after > before, "{before} → {after}");
}

#[test]
fn find_statuses_as_exchange_answers_them() {
    let sim = big(Profile::exchange());
    let v = ProtocolVersion::V16_1;
    let c = testkit::Client::new(&sim, v);
    let status = |req: &Find| find(&sim, req).status.map(|s| s.code());
    let mut bad_id = find_req("report", None, false, "0-9");
    bad_id.search_id = "not-a-guid".into();
    assert_eq!(status(&bad_id), Some(2));
    assert_eq!(
        status(&find_req("report", Some("gone"), false, "0-9")),
        Some(3)
    );
    let r = find(&sim, &find_req("report", None, false, "2-5"));
    assert_eq!(r.response_status.map(|s| s.code()), Some(4));
    let none = find(&sim, &find_req("zzzqqqxx", None, false, "0-9"));
    assert!(none.results.is_empty() && none.range.is_none());
    let old = testkit::Client::new(&sim, ProtocolVersion::V14_1);
    let (code, _) = old.post("Find", find_req("x", None, false, "0-9").encode(v).unwrap());
    assert_eq!(code, 400, "Find is a 16.1 command");
    let gal = Find {
        search_id: GUID.into(),
        query: FindQuery::Gal {
            free_text: "popescu".into(),
        },
        range: Some("0-9".into()),
    };
    let (_, body) = c.post("Find", gal.encode(v).unwrap());
    let r = gal.decode(&body, v).unwrap();
    let names: Vec<_> = r.results.iter().filter_map(|x| x.gal.clone()).collect();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].display_name.as_deref(), Some("Ana-Maria Popescu"));
}

fn search(sim: &Arc<Sim>, q: Query, range: &str) -> SearchResponse {
    let req = Search {
        query: q,
        range: Some(range.into()),
    };
    let v = ProtocolVersion::V14_1;
    let (code, body) = testkit::Client::new(sim, v).post("Search", req.encode(v).unwrap());
    assert_eq!(code, 200);
    req.decode(&body, v).unwrap()
}

fn mailbox(text: &str, folders: &[&str], deep: bool) -> Query {
    Query::Mailbox {
        free_text: text.into(),
        collection_ids: folders.iter().map(|f| f.parse().unwrap()).collect(),
        classes: vec![ItemClass::Email],
        deep_traversal: deep,
    }
}

#[test]
fn search_mailbox_answers_on_exchange_2013_and_110_on_exchange() {
    let modern = big(Profile::exchange());
    let r = search(
        &modern,
        mailbox("subject:Quarterly", &["inbox"], false),
        "0-9",
    );
    assert_eq!(r.store_status.map(|s| s.code()), Some(110));
    let sim = big(Profile::exchange_2013());
    let want: Vec<String> = subjects_with(&sim, "quarterly")
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    let r = search(&sim, mailbox("subject:Quarterly", &[], false), "0-99");
    assert_eq!(r.store_status.map(|s| s.code()), Some(1));
    assert_eq!(r.total, Some(want.len() as u32));
    let got: Vec<String> = r
        .results
        .iter()
        .map(|x| match x {
            SearchResult::Item {
                collection_id,
                long_id,
                item: ApplicationData::Email(e),
                ..
            } => {
                let id = long_id.as_deref().unwrap();
                assert!(id.starts_with("RgAAAA") && !id.contains(':'), "opaque");
                assert!(e.subject.as_deref().unwrap().contains("Quarterly"));
                assert!(e.body.is_none(), "no BodyPreference, no body");
                collection_id.as_ref().unwrap().as_str().to_string()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, want);
    let page = search(&sim, mailbox("subject:Quarterly", &["inbox"], true), "1-2");
    assert_eq!(
        (page.results.len(), page.range.as_deref()),
        (2, Some("1-2"))
    );
    let none = search(&sim, mailbox("zzzqqqxx", &["inbox"], false), "0-9");
    assert!(none.results.is_empty() && none.total == Some(0));
    let gone = search(&sim, mailbox("report", &["gone"], false), "0-9");
    assert_eq!(gone.store_status.map(|s| s.code()), Some(11));
}

#[test]
fn search_mailbox_refuses_a_collection_outside_and() {
    let sim = big(Profile::exchange_2013());
    let query = Element::new(sr::QUERY)
        .with(Element::new(s::COLLECTION_ID).with_text("inbox"))
        .with(Element::new(sr::AND).with(Element::new(sr::FREE_TEXT).with_text("report")));
    let root = Element::new(sr::SEARCH).with(
        Element::new(sr::STORE)
            .with(Element::new(sr::NAME).with_text("Mailbox"))
            .with(query),
    );
    let v = ProtocolVersion::V14_1;
    let (_, body) = testkit::Client::new(&sim, v).post("Search", root.encode().unwrap());
    let probe = Search {
        query: mailbox("x", &[], false),
        range: None,
    };
    let r = probe.decode(&body, v).unwrap();
    assert_eq!(r.store_status.map(|s| s.code()), Some(8));
}

#[test]
fn sogo_searches_only_the_last_collection_of_a_request() {
    let mut p = Profile::exchange_2013();
    p.set_quirk("search-one-collection").unwrap();
    let sim = big(p);
    let both = search(
        &sim,
        mailbox("subject:Quarterly", &["inbox", "sent"], false),
        "0-99",
    );
    let folders: std::collections::BTreeSet<String> = both
        .results
        .iter()
        .filter_map(|r| match r {
            SearchResult::Item { collection_id, .. } => {
                collection_id.as_ref().map(|c| c.as_str().to_string())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        folders.into_iter().collect::<Vec<_>>(),
        vec!["sent".to_string()]
    );
}

#[test]
fn a_range_up_to_usize_max_is_clamped_not_a_panic() {
    let huge = format!("0-{}", usize::MAX);
    let sim = big(Profile::exchange_2013());
    let r = find(&sim, &find_req("subject:Quarterly", None, false, &huge));
    assert_eq!(r.response_status.map(|s| s.code()), Some(1));
    let r = search(&sim, mailbox("subject:Quarterly", &[], false), &huge);
    assert_eq!(r.store_status.map(|s| s.code()), Some(1));
    let r = search(&sim, Query::Gal("popescu".into()), &huge);
    assert_eq!(r.results.len(), 1);
}

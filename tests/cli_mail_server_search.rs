//! `easync mail search --server` through the binary against the simulator: Find on 16.1 over
//! the whole mailbox (mail the mirror lacks is found and marked), Search of the Mailbox on a
//! 14.x server of the Exchange 2013 profile, with SOGo's one-folder-per-request habit (its
//! opaque LongIds placed in the mirror by folder, date and subject), and the clear error for
//! Exchange's Status 110.

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::collections::BTreeSet;
use std::process::Output;

use easync::sim::{Kind, Profile, Sim, SimConfig, State};
use serde_json::Value;
use simc::{Client, PASSWORD_ENV};

fn search(c: &Client, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .args(["mail", "search", "--server"])
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .output()
        .unwrap()
}

fn json_lines(o: &Output) -> Vec<Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (folder, server id) of every live mail whose subject holds `word` (lower-cased).
fn with_subject(sim: &Sim, word: &str, folders: Option<&[&str]>) -> BTreeSet<(String, String)> {
    let mb = sim.snapshot();
    let mut out = BTreeSet::new();
    for f in mb.folders.iter().filter(|f| f.kind == Kind::Mail) {
        if folders.is_some_and(|only| !only.contains(&f.id.as_str())) {
            continue;
        }
        for (i, item) in f.items.iter().enumerate() {
            let idx = i as u32 + 1;
            let src = f.source_of(idx);
            let m = easync::sim::mail::message(mb.seed, &src.stream, src.idx);
            if item.state == State::Live && m.subject.to_lowercase().contains(word) {
                out.insert((f.id.clone(), f.server_id(idx)));
            }
        }
    }
    out
}

fn start(profile: Profile, versions: &[&str]) -> easync::sim::Running {
    simc::start(SimConfig {
        profile,
        versions: versions.iter().map(|v| v.to_string()).collect(),
        ..simc::small()
    })
}

#[test]
fn find_on_16_1_searches_the_whole_mailbox_and_marks_mail_the_mirror_lacks() {
    let running = start(Profile::exchange(), &["14.1", "16.1"]);
    let c = simc::client("server-find", &running.url(), "16.1", "");
    simc::sync_ok(&c);
    running.sim.add_items("inbox", 60).unwrap();
    let found = json_lines(&search(
        &c,
        &["--json", "--limit", "500", "subject:Quarterly"],
    ));
    let got: BTreeSet<(String, String)> = found
        .iter()
        .map(|v| {
            let cid = v["collection_id"].as_str().unwrap().to_string();
            (cid, v["server_id"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(got, with_subject(&running.sim, "quarterly", None));
    let (held, missing): (Vec<&Value>, Vec<&Value>) = found.iter().partition(|v| v["id"].is_i64());
    assert!(!held.is_empty() && !missing.is_empty(), "{found:?}");
    for v in &held {
        let sql = format!(
            "SELECT i.id FROM items i JOIN folders f ON f.id = i.folder_id \
             WHERE f.server_id = '{}' AND i.server_id = '{}'",
            v["collection_id"].as_str().unwrap(),
            v["server_id"].as_str().unwrap()
        );
        assert_eq!(v["id"].as_i64(), Some(simc::q::<i64>(&c.db, &sql)));
    }
    let text = search(&c, &["--limit", "500", "subject:Quarterly"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    let dashes = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("- "))
        .count();
    assert_eq!(dashes, missing.len(), "{stdout}");
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("not in the mirror") && stderr.contains("(Find)"),
        "{stderr}"
    );
    // A folder with its subfolders.
    let inbox = json_lines(&search(
        &c,
        &[
            "--json",
            "--limit",
            "500",
            "--folder",
            "Inbox",
            "subject:Quarterly",
        ],
    ));
    let deep = ["inbox", "projects", "projects-q4"];
    assert_eq!(
        inbox.len(),
        with_subject(&running.sim, "quarterly", Some(&deep)).len()
    );
    let out = search(&c, &["--folder", "Nowhere", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no folder \"Nowhere\""));
}

#[test]
fn search_mailbox_on_an_exchange_2013_server_places_long_ids_in_the_mirror() {
    // With SOGo's habit too: a Search looks only in its last CollectionId, so easync asks
    // folder by folder.
    let mut profile = Profile::exchange_2013();
    profile.set_quirk("search-one-collection").unwrap();
    let running = start(profile, &["12.1", "14.0", "14.1"]);
    let c = simc::client("server-search", &running.url(), "14.1", "");
    simc::sync_ok(&c);
    running.sim.add_items("inbox", 60).unwrap();
    let found = json_lines(&search(
        &c,
        &["--json", "--limit", "100", "subject:Quarterly"],
    ));
    let want = with_subject(&running.sim, "quarterly", None);
    assert_eq!(found.len(), want.len());
    assert!(
        found
            .iter()
            .all(|v| v["long_id"].is_string() && v["server_id"].is_null())
    );
    let held = found.iter().filter(|v| v["id"].is_i64()).count();
    let mirrored: i64 = simc::q(
        &c.db,
        "SELECT count(*) FROM emails e WHERE e.subject LIKE '%Quarterly%'",
    );
    assert_eq!(
        held as i64, mirrored,
        "every mirrored match found by folder, date and subject"
    );
    assert!(held < found.len(), "the new mail is not in the mirror");
    assert!(
        found
            .windows(2)
            .all(|w| w[0]["date"].as_str() >= w[1]["date"].as_str()),
        "newest first"
    );
}

#[test]
fn exchange_2016_status_110_says_what_to_do() {
    let running = start(Profile::exchange(), &["14.1"]);
    let c = simc::client("server-110", &running.url(), "14.1", "");
    simc::sync_ok(&c);
    let out = search(&c, &["report"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not search the mailbox over ActiveSync"),
        "{stderr}"
    );
    assert!(stderr.contains("16.1"), "{stderr}");
}

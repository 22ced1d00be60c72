//! `easync contacts query` through the binary against the simulator: the mirrored contacts
//! (several addresses → several lines), then the Global Address List (Search GAL), each address
//! once; mutt's, aerc's, plain and JSON output; the directory's answer cached (counted in the
//! simulator's Search requests); offline → contacts only with a note; exit 1 when nothing
//! matches.

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::collections::HashSet;
use std::process::Output;

use easync::sim::{Kind, Sim, State};
use simc::{Client, PASSWORD_ENV};

fn query(c: &Client, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .args(["contacts", "query"])
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .env("XDG_CACHE_HOME", c.dir.join("cache"))
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The addresses of the simulator's contacts whose name holds `needle` (lower-cased).
fn contact_addresses(sim: &Sim, needle: &str) -> Vec<String> {
    let mb = sim.snapshot();
    let mut out = Vec::new();
    for f in mb.folders.iter().filter(|f| f.kind == Kind::Contacts) {
        for (i, item) in f.items.iter().enumerate() {
            if item.state != State::Live {
                continue;
            }
            let c = easync::sim::pim::contact(mb.seed, &f.content_id, i as u32 + 1, item.version);
            let name = format!(
                "{} {} {}",
                c.first_name.clone().unwrap_or_default(),
                c.last_name.clone().unwrap_or_default(),
                c.file_as.clone().unwrap_or_default()
            );
            if !name.to_lowercase().contains(needle) {
                continue;
            }
            for a in [&c.email1_address, &c.email2_address, &c.email3_address] {
                let Some(a) = a else { continue };
                let addr = a.rsplit('<').next().unwrap().trim_end_matches('>');
                out.push(addr.to_string());
            }
        }
    }
    out
}

fn setup(name: &str) -> (easync::sim::Running, Client) {
    let running = simc::start(simc::small());
    let c = simc::client(name, &running.url(), "14.1", "");
    simc::sync_ok(&c);
    (running, c)
}

#[test]
fn mutt_gets_contacts_then_the_directory_each_address_once() {
    let (running, c) = setup("contacts-mutt");
    let out = query(&c, &["zoë"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let mut lines = stdout.lines();
    let first = lines.next().unwrap();
    assert!(first.starts_with("easync: "), "{first}");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 3), "{stdout}");
    let local = contact_addresses(&running.sim, "zoë");
    assert!(local.len() >= 3, "several addresses per contact: {local:?}");
    let got: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    let first: HashSet<&str> = got[..local.len()].iter().copied().collect();
    assert_eq!(
        first,
        local.iter().map(String::as_str).collect(),
        "contacts come first"
    );
    assert!(
        rows[..local.len()]
            .iter()
            .all(|r| r[2].starts_with("contact"))
    );
    let dir = rows.last().unwrap();
    assert_eq!(
        dir.to_vec(),
        vec![
            "zoe.akesson@example.test",
            "Zoë Åkesson",
            "directory, Projektleitung, Example AG"
        ]
    );
    let unique: HashSet<String> = got.iter().map(|a| a.to_lowercase()).collect();
    assert_eq!(unique.len(), got.len(), "each address once");
}

#[test]
fn the_directory_answer_is_cached_so_repeated_queries_do_not_search_again() {
    let (running, c) = setup("contacts-cache");
    let searches = || running.sim.stats.command_count("Search");
    assert!(query(&c, &["popescu"]).status.success());
    assert_eq!(searches(), 1);
    for _ in 0..3 {
        let out = query(&c, &["Popescu "]);
        assert!(text(&out).0.contains("ana.popescu@example.test"));
    }
    assert_eq!(
        searches(),
        1,
        "mutt's repeated queries are answered from the cache"
    );
    assert!(query(&c, &["--fresh", "popescu"]).status.success());
    assert_eq!(searches(), 2, "--fresh asks again");
    assert!(query(&c, &["--local", "zoë"]).status.success());
    assert_eq!(query(&c, &["zo"]).status.code(), Some(0));
    assert_eq!(
        searches(),
        2,
        "--local and queries under 3 characters stay local"
    );
    // A query nothing matches exits 1 (mutt shows the first line) and is cached too.
    let none = query(&c, &["nobody-at-all"]);
    assert_eq!(none.status.code(), Some(1));
    assert_eq!(
        text(&none),
        (
            "easync: no address matches 'nobody-at-all'\n".into(),
            String::new()
        )
    );
    assert_eq!(query(&c, &["nobody-at-all"]).status.code(), Some(1));
    assert_eq!(searches(), 3);
}

#[test]
fn aerc_plain_and_json_forms() {
    let (_running, c) = setup("contacts-forms");
    let (aerc, _) = text(&query(&c, &["--format", "aerc", "taro"]));
    assert_eq!(
        aerc, "taro.tanaka@example.test\tTaro Tanaka\n",
        "no header line for aerc"
    );
    let (plain, _) = text(&query(&c, &["--format", "plain", "Bob", "Example"]));
    assert!(
        plain.contains("Bob Example <bob@example.test>  (directory, Buchhaltung, Example AG)"),
        "{plain}"
    );
    let (json, _) = text(&query(&c, &["--json", "sokratis"]));
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["address"], "sokratis@example.test");
    assert_eq!(
        (v["source"].as_str(), v["name"].as_str()),
        (Some("directory"), Some("Σωκράτης Παππάς"))
    );
}

#[test]
fn offline_prints_the_contacts_alone_with_a_note() {
    let (running, c) = setup("contacts-offline");
    let local = contact_addresses(&running.sim, "josé");
    drop(running);
    let out = query(&c, &["--fresh", "josé"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 1 + local.len(), "{stdout}");
    assert!(
        stderr.contains("the directory was not asked") && stderr.contains("contacts only"),
        "{stderr}"
    );
    let none = query(&c, &["--fresh", "nobody-at-all"]);
    assert_eq!(none.status.code(), Some(1));
}

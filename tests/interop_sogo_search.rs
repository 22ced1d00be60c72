//! Addresses and server search against a real server: `easync contacts query` (the mirrored
//! contacts, then SOGo's GAL through Search, which answers "alice" and "bob" with their
//! addresses only) and `easync mail search --server` (SOGo answers Search of the Mailbox, one
//! folder per request) finding mail the mirror does not hold yet. Ignored by default; CI runs
//! them after `tests/interop/sogo.sh up`:
//!
//!     cargo test --test interop_sogo_search -- --ignored --test-threads=1

#[path = "common/sogo.rs"]
mod sogo;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use sogo::{easync, seed, sogo_config, sync_until};

/// A token no other run used.
fn token(what: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what}{}x{t}", std::process::id())
}

/// `easync ARGS` with a cache directory of the test's own.
fn run(config: &Path, args: &[&str]) -> Output {
    let cache = config.parent().unwrap().join("cache");
    Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap()
}

/// The JSON lines of a run that succeeded, or found nothing (exit 1).
fn json(o: &Output) -> Vec<Value> {
    let code = o.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn contacts_query_gives_the_contacts_then_sogos_gal() {
    let (config, db) = sogo_config("search-contacts", "");
    let tok = token("srchperson");
    let uid = token("srch-uid-");
    let address = format!("{tok}@example.test");
    seed(&["contact-put", &uid, &format!("Zed {tok}"), &address]);
    let sql = format!("SELECT count(*) FROM contacts WHERE emails LIKE '%{tok}%'");
    sync_until(&config, &db, &sql, 1);
    let out = run(&config, &["contacts", "query", &tok]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("easync: 1 for"), "{stdout}");
    assert!(lines[1].starts_with(&format!("{address}\t")), "{stdout}");
    assert!(lines[1].ends_with("\tcontact"), "{stdout}");
    // The GAL: SOGo's user directory (Search GAL answers the address only).
    let bob = json(&run(&config, &["contacts", "query", "--json", "bob"]));
    let entry = bob.iter().find(|v| v["address"] == "bob@example.test");
    let local = json(&run(
        &config,
        &["contacts", "query", "--json", "--local", "bob"],
    ));
    let is_contact = local.iter().any(|v| v["address"] == "bob@example.test");
    match entry {
        Some(v) if !is_contact => assert_eq!(v["source"], "directory", "{bob:?}"),
        Some(_) => {}
        None => panic!("bob is in SOGo's GAL: {bob:?}"),
    }
    let aerc = run(&config, &["contacts", "query", "--format", "aerc", "alice"]);
    let text = String::from_utf8_lossy(&aerc.stdout);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("alice@example.test\t"))
            .count(),
        1,
        "the contact and the directory entry are one line: {text}"
    );
    seed(&["contact-delete", &uid]);
}

#[test]
#[ignore = "needs SOGo: tests/interop/sogo.sh up"]
fn mail_search_server_finds_mail_the_mirror_does_not_hold_yet() {
    let (config, db) = sogo_config("search-mail", "");
    let tok = token("srchmail");
    let (held, fresh) = (format!("{tok} held"), format!("{tok} fresh"));
    seed(&["mail-add", &held]);
    let sql = format!("SELECT count(*) FROM emails WHERE subject = '{held}'");
    sync_until(&config, &db, &sql, 1);
    seed(&["mail-add", &fresh]);
    let found = json(&run(
        &config,
        &["mail", "search", "--server", "--json", &tok],
    ));
    let by_subject = |s: &str| found.iter().find(|v| v["subject"] == s);
    let h = by_subject(&held).unwrap_or_else(|| panic!("{found:?}"));
    let f = by_subject(&fresh).unwrap_or_else(|| panic!("{found:?}"));
    assert!(
        h["id"].is_i64(),
        "the synced one is placed in the mirror: {h}"
    );
    assert!(f["id"].is_null(), "the new one is not in the mirror: {f}");
    assert!(h["long_id"].is_string() && h["folder"] == "INBOX", "{h}");
    let out = run(
        &config,
        &["mail", "search", "--server", "--folder", "INBOX", &tok],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.lines().any(|l| l.trim_start().starts_with("- ")),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("(Search)") && stderr.contains("not in the mirror"),
        "{stderr}"
    );
    seed(&["mail-delete", &held]);
    seed(&["mail-delete", &fresh]);
    let _ = easync(&config, &["sync"]);
}

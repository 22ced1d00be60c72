//! No token anywhere but the token file: not in `-vvv` logs (wire traces included), not on
//! stdout, not in error messages, not in the database. And a personal (Outlook.com) account:
//! the `consumers` tenant and the anchor mailbox its servers need.

mod common;
#[path = "common/oauth.rs"]
mod oauth;
#[path = "common/sim.rs"]
mod simc;

use std::io::Write as _;
use std::process::Stdio;
use std::time::Duration;

use easync::sim::SimConfig;
use easync::sim::idp::{IdpConfig, IdpStats};
use oauth::*;

#[test]
fn tokens_stay_out_of_logs_errors_and_the_database() {
    let idp = start_idp(IdpConfig {
        access_lifetime: Duration::from_secs(2),
        ..IdpConfig::default()
    });
    let sim = start_sim(
        &idp.idp,
        SimConfig {
            // Outlook.com's servers route by the anchor mailbox.
            require_anchor_mailbox: true,
            ..oauth::small()
        },
    );
    let c = client("secrets", &sim.url(), &idp, "tenant = \"consumers\"");
    let seen = std::cell::RefCell::new(Vec::new());
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert!(status.success(), "{text}");
    seen.borrow_mut().push(text);
    let vvv = |args: &[&str]| {
        let mut all = vec!["-vvv"];
        all.extend_from_slice(args);
        let out = run(&c, &all);
        seen.borrow_mut().push(printed(&out));
        out
    };
    assert!(vvv(&["sync"]).status.success());
    std::thread::sleep(Duration::from_millis(2100));
    assert!(vvv(&["sync"]).status.success(), "refreshed");
    idp.idp.expire_access_tokens();
    assert!(
        vvv(&["folders"]).status.success(),
        "401, refreshed, retried"
    );
    let mut send = cmd(&c, &["-vvv", "send", "x@example.test"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    send.stdin
        .take()
        .unwrap()
        .write_all(b"From: demo@easync.test\r\nTo: x@example.test\r\nSubject: s\r\n\r\nhi\r\n")
        .unwrap();
    let out = send.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", printed(&out));
    seen.borrow_mut().push(printed(&out));
    idp.idp.revoke();
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(vvv(&["sync"]).status.code(), Some(77));
    assert_eq!(vvv(&["check", "--secrets"]).status.code(), Some(77));

    let logs = seen.borrow().concat();
    assert!(logs.contains("<FolderSync"), "the wire log was on");
    assert!(logs.contains("OAuth2 access token refreshed"), "{logs}");
    let issued = idp.idp.issued();
    assert!(issued.len() >= 6, "{issued:?}");
    assert!(IdpStats::get(&idp.idp.stats.refreshes) >= 2);
    for token in &issued {
        assert!(
            !logs.contains(token.as_str()),
            "a token in the output: {token}"
        );
    }
    assert!(!logs.contains("eas-at-") && !logs.contains("eas-rt-"));
    // The database (with its WAL) and the configuration hold none either.
    for file in files(&c.dir) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let is_token_file = file == c.token_file();
        for token in &issued {
            if !is_token_file {
                assert!(
                    !text.contains(token.as_str()),
                    "{}: {token}",
                    file.display()
                );
            }
        }
    }
    let kept = std::fs::read_to_string(c.token_file()).unwrap();
    assert!(
        kept.contains("eas-rt-"),
        "the token file keeps the refresh token"
    );
    // Every request went to the consumers tenant.
    assert!(idp.idp.tenants().iter().all(|t| t == "consumers"));
}

//! Every refusal of the identity platform, through the binary: the message says what to do
//! and the exit code is 77 (a person must act) or 75 (try later); an HTTP 401 on a token the
//! client still thought valid is met by one refresh and one retry.

mod common;
#[path = "common/oauth.rs"]
mod oauth;
#[path = "common/sim.rs"]
mod simc;

use std::time::Duration;

use easync::sim::idp::{IdpConfig, IdpFault, IdpStats};
use oauth::*;

fn says(out: &std::process::Output, code: i32, words: &[&str]) {
    let text = printed(out);
    assert_eq!(out.status.code(), Some(code), "{text}");
    for w in words {
        assert!(text.contains(w), "{w:?} missing from: {text}");
    }
}

#[test]
fn refresh_refusals_say_what_to_do() {
    // Tokens of one second: every command below must refresh first.
    let idp = start_idp(IdpConfig {
        access_lifetime: Duration::from_secs(1),
        ..IdpConfig::default()
    });
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client("refresh-errors", &sim.url(), &idp, "");
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert!(status.success(), "{text}");
    for (fault, code, words) in [
        (
            IdpFault::RefreshExpired,
            77,
            &["AADSTS700082", "90 days", "easync login a"][..],
        ),
        (
            IdpFault::SignInFrequency,
            77,
            &["AADSTS70043", "sign-in frequency", "easync login a"],
        ),
        (
            IdpFault::InvalidGrant,
            77,
            &["AADSTS70000", "revoked or has expired"],
        ),
        (
            IdpFault::ConsentRequired,
            77,
            &["AADSTS65001", "consent", "administrator"],
        ),
        (
            IdpFault::AppDisabled,
            77,
            &["AADSTS7000112", "disabled in this tenant"],
        ),
        (IdpFault::InvalidScope, 77, &["AADSTS70011", "not .default"]),
        (IdpFault::Unavailable, 75, &["busy", "tries again later"]),
    ] {
        std::thread::sleep(Duration::from_millis(1000));
        idp.idp.arm(fault, Some(1));
        says(&run(&c, &["sync"]), code, words);
    }
    // The refusals spent no refresh token: the next sync refreshes and works.
    std::thread::sleep(Duration::from_millis(1000));
    run_ok(&c, &["sync"]);
    assert_eq!(IdpStats::get(&idp.idp.stats.refreshes), 1);
    // Revoked (a password reset): refused for good.
    idp.idp.revoke();
    std::thread::sleep(Duration::from_millis(1000));
    says(
        &run(&c, &["sync"]),
        77,
        &["AADSTS50173", "revoked", "easync login a"],
    );
    // `watch` stops too, with the same advice, instead of retrying.
    says(&run(&c, &["watch"]), 77, &["AADSTS50173", "easync login a"]);
}

#[test]
fn a_401_is_met_by_one_refresh_and_one_retry() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client("401", &sim.url(), &idp, "");
    let (status, text) = login_device(&c, true);
    assert!(status.success(), "{text}");
    run_ok(&c, &["sync"]);
    // The server ends the token's life early (Exchange does on a policy change): the saved
    // token still looks valid, the server answers 401, easync refreshes once and goes on.
    idp.idp.expire_access_tokens();
    run_ok(&c, &["sync"]);
    assert_eq!(IdpStats::get(&idp.idp.stats.refreshes), 1);
    let unauthorized = sim
        .sim
        .stats
        .unauthorized
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(unauthorized, 1);
    // A server that refuses even the fresh token: one retry, then what to do.
    idp.idp.revoke();
    let out = run(&c, &["sync"]);
    says(&out, 77, &["easync login a"]);
}

#[test]
fn device_code_refusals_say_what_to_do() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client("device-errors", &sim.url(), &idp, "");
    for (fault, words) in [
        (
            IdpFault::DeviceCodeBlocked,
            &["AADSTS53003", "Conditional Access", "without --device"][..],
        ),
        (
            IdpFault::UserConfirmation,
            &["AADSTS50199", "without --device"],
        ),
        (
            IdpFault::ExpiredToken,
            &["expired before the sign-in finished", "--device"],
        ),
        (IdpFault::Declined, &["declined"]),
    ] {
        idp.idp.arm(fault, Some(1));
        let (status, text) = login_device(&c, false);
        assert_eq!(status.code(), Some(77), "{fault:?}: {text}");
        for w in words {
            assert!(text.contains(w), "{fault:?}: {w:?} missing from {text}");
        }
        assert!(!c.token_file().exists(), "no tokens after a refusal");
    }
    // slow_down: the poll interval grows by 5 s, and the sign-in completes.
    idp.idp.arm(IdpFault::SlowDown, Some(1));
    let (status, text) = login_device(&c, true);
    assert!(status.success(), "{text}");
    assert_eq!(
        IdpStats::get(&idp.idp.stats.too_fast_polls),
        0,
        "the new interval is kept"
    );
    // A client id the tenant does not know.
    let wrong = dir("device-wrong-client");
    let config = std::fs::read_to_string(&c.config).unwrap().replace(
        &idp.idp.config.client_id,
        "11111111-2222-4333-8444-555555555555",
    );
    std::fs::write(&wrong.config, config).unwrap();
    let out = run(&wrong, &["login", "a", "--device"]);
    says(&out, 77, &["AADSTS700016", "client_id"]);
}

#[test]
fn browser_refusals_say_what_to_do() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client(
        "browser-errors",
        &sim.url(),
        &idp,
        "tenant = \"contoso.example\"",
    );
    idp.idp.arm(IdpFault::ConsentRequired, Some(1));
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert_eq!(status.code(), Some(77), "{text}");
    assert!(
        text.contains("AADSTS65001") && text.contains("consent"),
        "{text}"
    );
    idp.idp.arm(IdpFault::AppDisabled, Some(1));
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert_eq!(status.code(), Some(77), "{text}");
    assert!(text.contains("AADSTS7000112"), "{text}");
    // The browser never comes back.
    let out = run(&c, &["login", "a", "--no-browser", "--timeout", "10"]);
    says(&out, 77, &["did not come back within 10 s", "--device"]);
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert!(status.success(), "{text}");
    assert!(idp.idp.tenants().iter().all(|t| t == "contoso.example"));
}

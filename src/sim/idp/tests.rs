//! The IdP's decisions without HTTP: PKCE, rotation, the device flow's answers, the switches.

use std::time::Duration;

use super::grants::{Authorized, DEVICE_GRANT, Params, s256};
use super::{EAS_SCOPE, Idp, IdpConfig, IdpFault, IdpStats, TokenCheck};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn idp() -> std::sync::Arc<Idp> {
    Idp::new(IdpConfig::default())
}

fn scope() -> String {
    format!("{EAS_SCOPE} offline_access")
}

/// Signs in by the browser flow; the token answer.
fn sign_in(idp: &Idp, verifier: &str) -> Result<serde_json::Value, super::faults::Refusal> {
    let client = idp.config.client_id.clone();
    let redirect = "http://localhost:4711/";
    let q = params(&[
        ("client_id", &client),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", &scope()),
        ("state", "st-1"),
        ("code_challenge", &s256(VERIFIER)),
        ("code_challenge_method", "S256"),
    ]);
    let Authorized::Redirect(to) = idp.authorize(&q) else {
        panic!("no redirect");
    };
    let to = reqwest::Url::parse(&to).unwrap();
    let got: Params = to.query_pairs().into_owned().collect();
    assert_eq!(got["state"], "st-1");
    idp.token(&params(&[
        ("client_id", &client),
        ("grant_type", "authorization_code"),
        ("code", &got["code"]),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
    ]))
}

#[test]
fn s256_is_rfc_7636_appendix_b() {
    assert_eq!(
        s256(VERIFIER),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn the_code_needs_its_verifier() {
    let idp = idp();
    let wrong = "x".repeat(43);
    assert_eq!(sign_in(&idp, &wrong).unwrap_err().2, 501481);
    let t = sign_in(&idp, VERIFIER).unwrap();
    assert_eq!(t["scope"], EAS_SCOPE, "offline_access is not echoed");
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(idp.check(access), TokenCheck::Valid);
    assert!(t["refresh_token"].is_string());
    idp.expire_access_tokens();
    assert_eq!(idp.check(access), TokenCheck::Expired);
    assert_eq!(idp.check("made-up"), TokenCheck::Unknown);
}

#[test]
fn refresh_tokens_rotate_and_are_redeemed_once() {
    let idp = idp();
    let first = sign_in(&idp, VERIFIER).unwrap();
    let refresh = |rt: &str| {
        idp.token(&params(&[
            ("client_id", &idp.config.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
        ]))
    };
    let rt1 = first["refresh_token"].as_str().unwrap();
    let second = refresh(rt1).unwrap();
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    assert_eq!(refresh(rt1).unwrap_err().1, "invalid_grant", "rotated out");
    assert_eq!(IdpStats::get(&idp.stats.reused), 1);
    idp.arm(IdpFault::RefreshExpired, Some(1));
    assert_eq!(refresh(rt2).unwrap_err().2, 700082);
    let third = refresh(rt2).unwrap();
    assert_eq!(IdpStats::get(&idp.stats.refreshes), 2);
    let remaining = idp.refresh_remaining();
    assert!(
        remaining.iter().all(|r| *r > Duration::from_secs(3000)),
        "{remaining:?}"
    );
    idp.revoke();
    let rt3 = third["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(rt3).unwrap_err().2, 50173);
    let access = third["access_token"].as_str().unwrap();
    assert_eq!(idp.check(access), TokenCheck::Revoked);
    assert_eq!(idp.issued().len(), 6);
}

#[test]
fn device_flow_answers() {
    let idp = Idp::new(IdpConfig {
        device_interval: 0,
        ..IdpConfig::default()
    });
    let client = idp.config.client_id.clone();
    let code = idp
        .device_code(
            &params(&[("client_id", &client), ("scope", &scope())]),
            "h:1",
        )
        .unwrap();
    assert_eq!(code["verification_uri"], "http://h:1/devicelogin");
    let poll = || {
        idp.token(&params(&[
            ("client_id", &client),
            ("grant_type", DEVICE_GRANT),
            ("device_code", code["device_code"].as_str().unwrap()),
        ]))
    };
    assert_eq!(poll().unwrap_err().1, "authorization_pending");
    idp.arm(IdpFault::SlowDown, Some(1));
    assert_eq!(poll().unwrap_err().1, "slow_down");
    assert_eq!(
        poll().unwrap_err().1,
        "slow_down",
        "polled within the new interval"
    );
    assert_eq!(IdpStats::get(&idp.stats.too_fast_polls), 1);
    assert!(idp.approve(code["user_code"].as_str().unwrap()));
    assert!(!idp.approve("NOSUCHCODE"));
}

#[test]
fn device_codes_expire_and_can_be_blocked() {
    let idp = Idp::new(IdpConfig {
        device_interval: 0,
        device_lifetime: Duration::ZERO,
        ..IdpConfig::default()
    });
    let client = idp.config.client_id.clone();
    let ask = || {
        idp.device_code(&params(&[("client_id", &client), ("scope", &scope())]), "h")
            .unwrap()
    };
    let poll = |code: &serde_json::Value| {
        idp.token(&params(&[
            ("client_id", &client),
            ("grant_type", DEVICE_GRANT),
            ("device_code", code["device_code"].as_str().unwrap()),
        ]))
    };
    assert_eq!(poll(&ask()).unwrap_err().1, "expired_token");
    let bad = idp.device_code(&params(&[("client_id", "other"), ("scope", &scope())]), "h");
    assert_eq!(bad.unwrap_err().2, 700016);
    let no_scope = idp.device_code(&params(&[("client_id", &client), ("scope", "x")]), "h");
    assert_eq!(no_scope.unwrap_err().1, "invalid_scope");
}

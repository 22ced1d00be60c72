//! `easync login` through the binary against the loopback identity provider, then `sync`
//! against a simulator that takes only that IdP's bearer tokens.

mod common;
#[path = "common/oauth.rs"]
mod oauth;
#[path = "common/sim.rs"]
mod simc;

use std::os::unix::fs::PermissionsExt as _;

use easync::sim::idp::{IdpConfig, IdpStats};
use oauth::*;

#[test]
fn login_by_browser_then_sync() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client("browser", &sim.url(), &idp, "");
    // Not signed in yet: the sync says what to run, exit 77.
    let out = run(&c, &["sync"]);
    assert_eq!(out.status.code(), Some(77), "{}", printed(&out));
    assert!(
        printed(&out).contains("easync login a"),
        "{}",
        printed(&out)
    );
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert!(status.success(), "{text}");
    assert!(text.contains("signed in: account a"), "{text}");
    let mode = std::fs::metadata(c.token_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(IdpStats::get(&idp.idp.stats.codes_redeemed), 1);
    run_ok(&c, &["sync"]);
    simc::assert_mirrors(&c.db, &sim.sim);
    assert_eq!(
        IdpStats::get(&idp.idp.stats.refreshes),
        0,
        "the first token served"
    );
    assert_eq!(idp.idp.tenants(), ["common", "common"], "authorize, token");
}

#[test]
fn login_by_device_code_then_sync() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client("device", &sim.url(), &idp, "tenant = \"organizations\"");
    let (status, text) = login_device(&c, true);
    assert!(status.success(), "{text}");
    assert!(text.contains("enter the code"), "{text}");
    assert_eq!(IdpStats::get(&idp.idp.stats.device_grants), 1);
    assert_eq!(
        IdpStats::get(&idp.idp.stats.too_fast_polls),
        0,
        "the interval is kept"
    );
    run_ok(&c, &["sync"]);
    simc::assert_mirrors(&c.db, &sim.sim);
    assert!(idp.idp.tenants().iter().all(|t| t == "organizations"));
}

#[test]
fn account_add_with_oauth_signs_in_and_probes() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = dir("account-add");
    let (id, authority) = (idp.idp.config.client_id.clone(), idp.authority());
    let mut args = vec!["account", "add", "a", "--email", "demo@easync.test"];
    let url = sim.url();
    args.extend(["--url", &url, "--oauth", "--client-id", &id]);
    args.extend(["--authority", &authority, "--device"]);
    let mut add = Spawned::new(cmd(&c, &args).spawn().unwrap());
    let open = add.read_until(|l| l.starts_with("To sign in"));
    let uri = open
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap();
    let code = add.read_until(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase()));
    assert_eq!(http_get(&format!("{uri}?user_code={code}")).0, 200);
    let (status, text) = add.finish();
    assert!(status.success(), "{text}");
    assert!(
        text.contains("EAS 16.1 at"),
        "probed with the token: {text}"
    );
    let written = std::fs::read_to_string(&c.config).unwrap();
    assert!(written.contains("[account.a.oauth]"), "{written}");
    assert!(
        written.contains(&format!("client_id = \"{id}\"")),
        "{written}"
    );
    assert!(c.token_file().exists());
    let checked = run_ok(&c, &["check"]);
    assert!(
        checked.contains("OAuth2 sign-in (tenant common"),
        "{checked}"
    );
    // Signing out here forgets the tokens; the next command says to sign in.
    assert!(run_ok(&c, &["login", "a", "--forget"]).contains("tokens forgotten"));
    assert!(!c.token_file().exists());
    let out = run(&c, &["folders"]);
    assert_eq!(out.status.code(), Some(77), "{}", printed(&out));
}

#[test]
fn oauth_tables_are_checked() {
    let c = dir("config-checks");
    for (table, says) in [
        ("", "oauth.client_id is required"),
        ("client_id = \"a b\"", "not an application id"),
        (
            "client_id = \"x\"\ntenant = \"contoso\"",
            "is not common, organizations",
        ),
        (
            "client_id = \"x\"\nauthority = \"http://login.example.test\"",
            "plain http",
        ),
        ("client_id = \"x\"\nscopes = []", "non-empty list"),
        ("client_id = \"x\"\nsecret = 1", "unknown field"),
    ] {
        std::fs::write(
            &c.config,
            format!("[account.a]\nemail = \"a@example.test\"\n[account.a.oauth]\n{table}\n"),
        )
        .unwrap();
        let out = run(&c, &["check"]);
        assert_eq!(out.status.code(), Some(78), "{table}: {}", printed(&out));
        assert!(printed(&out).contains(says), "{table}: {}", printed(&out));
    }
    std::fs::write(
        &c.config,
        "[account.a]\nemail = \"a@example.test\"\npassword_env = \"X\"\n[account.a.oauth]\nclient_id = \"x\"\n",
    )
    .unwrap();
    let out = run(&c, &["check"]);
    assert!(
        printed(&out).contains("set only one of"),
        "{}",
        printed(&out)
    );
    // `easync login` on an account without [oauth] says what to add.
    std::fs::write(
        &c.config,
        "[account.a]\nemail = \"a@example.test\"\npassword_env = \"X\"\n",
    )
    .unwrap();
    let out = run(&c, &["login", "a"]);
    assert_eq!(out.status.code(), Some(78));
    assert!(
        printed(&out).contains("has no [oauth] table"),
        "{}",
        printed(&out)
    );
}

#[test]
fn a_browser_that_finds_localhost_at_ipv6_loopback_only_still_signs_in() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    }
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client("v6", &sim.url(), &idp, "");
    let mut run = oauth::Spawned::new(
        oauth::cmd(&c, &["login", "a", "--no-browser"])
            .spawn()
            .unwrap(),
    );
    let url = run.read_until(|l| l.starts_with("http://"));
    oauth::play_browser_v6(&url);
    let (status, text) = run.finish();
    assert!(status.success(), "{text}");
    assert!(text.contains("signed in: account a"), "{text}");
}

/// `token_store`: the 0600 file unless `keyring` is asked for; a build without the `keyring`
/// feature refuses `keyring` with what to do, instead of quietly using the file.
#[test]
fn token_store_is_the_file_unless_a_keyring_build_is_asked_for() {
    let c = dir("token-store");
    let keyring_refused = !cfg!(feature = "keyring");
    for (value, refused, says) in [
        ("\"file\"", false, ""),
        ("\"keyring\"", keyring_refused, "--features keyring"),
        ("\"vault\"", true, "is not \"file\" or \"keyring\""),
    ] {
        std::fs::write(
            &c.config,
            format!(
                "[account.a]\nemail = \"a@example.test\"\n[account.a.oauth]\nclient_id = \"x\"\n\
                 token_store = {value}\n"
            ),
        )
        .unwrap();
        let out = run(&c, &["check"]);
        if refused {
            assert_eq!(out.status.code(), Some(78), "{value}: {}", printed(&out));
            assert!(printed(&out).contains(says), "{value}: {}", printed(&out));
        } else {
            assert!(
                !printed(&out).contains("token_store"),
                "{value}: {}",
                printed(&out)
            );
        }
    }
}

/// With the `keyring` feature and no secret service in reach, the sign-in is kept nowhere and
/// the error says what to do (never a silent fall back to the file).
#[cfg(feature = "keyring")]
#[test]
fn a_keyring_out_of_reach_says_what_to_do() {
    let idp = start_idp(IdpConfig::default());
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client(
        "keyring-gone",
        &sim.url(),
        &idp,
        "token_store = \"keyring\"",
    );
    let mut login = cmd(&c, &["login", "a", "--no-browser"]);
    login.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/easync-test-bus",
    );
    let mut login = Spawned::new(login.spawn().unwrap());
    let url = login.read_until(|l| l.starts_with("http://"));
    play_browser(&url);
    let (status, text) = login.finish();
    assert!(!status.success(), "{text}");
    assert!(
        text.contains("token_store = \"keyring\"") && text.contains("keyring"),
        "{text}"
    );
    assert!(!c.token_file().exists(), "no fall back to the file");
    for token in idp.idp.issued() {
        assert!(!text.contains(token.as_str()), "a token in the output");
    }
}

/// With the `keyring` feature and a secret service running, the tokens live there and nowhere
/// else: login, sync (the access token read back), refresh (rotated into the entry), forget.
/// Needs a session bus with an unlocked keyring, so it is not run by default:
/// `dbus-run-session -- sh -c 'echo | gnome-keyring-daemon --unlock --components=secrets;
/// cargo test --features keyring --test oauth_login -- --ignored a_keyring_keeps'`.
#[cfg(feature = "keyring")]
#[test]
#[ignore = "needs a running secret service (see the doc comment)"]
fn a_keyring_keeps_the_tokens() {
    let idp = start_idp(IdpConfig {
        access_lifetime: std::time::Duration::from_secs(1),
        ..IdpConfig::default()
    });
    let sim = start_sim(&idp.idp, oauth::small());
    let c = client(
        "keyring-kept",
        &sim.url(),
        &idp,
        "token_store = \"keyring\"",
    );
    let (status, text) = login_browser(&c, &["--no-browser"]);
    assert!(status.success(), "{text}");
    assert!(text.contains("tokens kept in the keyring"), "{text}");
    assert!(!c.token_file().exists(), "nothing in the token file");
    run_ok(&c, &["sync"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run_ok(&c, &["sync"]);
    assert_eq!(IdpStats::get(&idp.idp.stats.refreshes), 1, "refreshed once");
    assert_eq!(
        IdpStats::get(&idp.idp.stats.reused),
        0,
        "the rotated token was kept"
    );
    let forgot = run_ok(&c, &["login", "a", "--forget"]);
    assert!(forgot.contains("tokens forgotten"), "{forgot}");
    let out = run(&c, &["sync"]);
    assert_eq!(out.status.code(), Some(77), "{}", printed(&out));
}

//! `easync doctor` against the simulator, every check broken on purpose — the configuration,
//! the secret, DNS, the versions offered, provisioning (403, 401), the device (quarantine,
//! blocked), the database (not SQLite, too new), the lock (held), the clock (the simulator's
//! clock set off); TLS in tests/doctor_tls.rs — each with its own message and the exit code of
//! its class; and a clean run whose device id the next sync keeps.

mod common;
#[path = "common/doctor.rs"]
mod doc;
#[path = "common/sim.rs"]
mod sim;

use doc::{doctor, doctor_with, has, on_sim, only_failure, parse, setup, tiny};
use easync::sim::SimConfig;
use easync::sim::faults::{Fault, Scope};
use sim::q;

#[test]
fn a_sound_setup_passes_and_the_next_sync_keeps_the_device_it_registered() {
    let (_server, s) = on_sim("ok", tiny(), "");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 0, "{checks:#?}");
    for c in [
        "config",
        "secret",
        "dns",
        "tls",
        "options",
        "provisioning",
        "device",
        "database",
        "lock",
        "clock",
    ] {
        assert_eq!(checks[c].0, "ok", "{c}: {checks:#?}");
    }
    has(&checks, "options", "ok", "easync uses 16.1");
    has(&checks, "database", "ok", "created now");
    let device: String = q(&s.db, "SELECT device_id FROM account");
    assert!(checks["device"].1.contains(&device), "{checks:#?}");
    let sync = sim::easync_ok(
        &sim::Client {
            dir: s.dir.clone(),
            config: s.config.clone(),
            db: s.db.clone(),
        },
        &["sync"],
    );
    assert!(sync.contains("synced"), "{sync}");
    let after: String = q(&s.db, "SELECT device_id FROM account");
    assert_eq!(after, device, "the sync uses the device doctor registered");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 0);
    has(&checks, "database", "ok", "integrity ok, schema version");
}

#[test]
fn config_missing_or_wrong() {
    let dir = std::env::temp_dir().join(format!("easync-doctor-noconf-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let (checks, code) = parse(&doctor_with(&dir.join("none.toml"), None));
    assert_eq!(code, 78);
    has(&checks, "config", "fail", "easync account add");
    has(&checks, "dns", "skip", "needs the configuration");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[account.a]\nemail = \"a@b.c\"\npassword_env = \"X\"\nurll = \"x\"\n",
    )
    .unwrap();
    let (checks, code) = parse(&doctor_with(&bad, None));
    assert_eq!(code, 78);
    has(&checks, "config", "fail", "urll");
}

#[test]
fn a_secret_that_cannot_be_fetched() {
    let (_server, s) = on_sim("secret", tiny(), "");
    let (checks, code) = parse(&doctor_with(&s.config, None));
    assert_eq!(code, 77);
    only_failure(&checks, "secret");
    has(
        &checks,
        "secret",
        "fail",
        "systemctl --user set-environment",
    );
    has(&checks, "tls", "ok", "plain http to this machine");
    has(&checks, "options", "skip", "needs the secret");
    has(&checks, "clock", "ok", "within");
}

#[test]
fn a_name_that_does_not_resolve() {
    let s = setup(
        "dns",
        "https://mail.nonexistent.invalid/Microsoft-Server-ActiveSync",
        "",
    );
    let (checks, code) = doctor(&s);
    assert_eq!(code, 1);
    only_failure(&checks, "dns");
    has(
        &checks,
        "dns",
        "fail",
        "getent hosts mail.nonexistent.invalid",
    );
    has(&checks, "tls", "skip", "needs dns");
}

#[test]
fn options_offering_no_version_easync_speaks_or_not_the_pinned_one() {
    let none = SimConfig {
        versions: vec!["2.5".into()],
        ..tiny()
    };
    let (_server, s) = on_sim("versions", none, "");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 1);
    only_failure(&checks, "options");
    has(&checks, "options", "fail", "none of the protocol versions");
    let old = SimConfig {
        versions: vec!["14.1".into()],
        ..tiny()
    };
    let (_server, s) = on_sim("pinned", old, "protocol_version = \"16.1\"");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 78);
    has(
        &checks,
        "options",
        "fail",
        "protocol_version = \"16.1\", but the server offers 14.1",
    );
    has(&checks, "provisioning", "skip", "needs OPTIONS");
}

#[test]
fn provisioning_refused_and_a_wrong_password() {
    let (server, s) = on_sim("provision", tiny(), "");
    server
        .sim
        .faults
        .arm(Fault::HttpRefused(403), Scope::once("Provision"));
    let (checks, code) = doctor(&s);
    assert_eq!(code, 77);
    only_failure(&checks, "provisioning");
    has(
        &checks,
        "provisioning",
        "fail",
        "Set-CASMailbox -ActiveSyncEnabled",
    );
    has(&checks, "device", "skip", "needs provisioning");
    let (checks, code) = parse(&doctor_with(&s.config, Some("wrong")));
    assert_eq!(code, 77);
    has(&checks, "provisioning", "fail", "HTTP 401");
}

#[test]
fn a_quarantined_device_and_a_blocked_one() {
    let (server, s) = on_sim("quarantine", tiny(), "");
    server
        .sim
        .faults
        .arm(Fault::Quarantine, Scope::once("Settings"));
    let (checks, code) = doctor(&s);
    assert_eq!(code, 77);
    only_failure(&checks, "device");
    has(&checks, "device", "fail", "the device is in quarantine");
    server
        .sim
        .faults
        .arm(Fault::HttpRefused(456), Scope::default());
    let (checks, code) = doctor(&s);
    assert_eq!(code, 77);
    only_failure(&checks, "device");
    has(
        &checks,
        "device",
        "fail",
        "Set-CASMailbox -ActiveSyncAllowedDeviceIDs",
    );
    has(
        &checks,
        "provisioning",
        "skip",
        "does not let this device in",
    );
}

#[test]
fn a_database_that_is_not_sqlite_or_too_new() {
    let (_server, s) = on_sim("database", tiny(), "");
    std::fs::write(
        &s.db,
        "this is not a database, it is a text file of some length....",
    )
    .unwrap();
    let (checks, code) = doctor(&s);
    assert_eq!(code, 1);
    only_failure(&checks, "database");
    has(&checks, "database", "fail", "it is rebuilt from the server");
    assert!(
        std::fs::read(&s.db).unwrap().starts_with(b"this is not"),
        "doctor leaves a broken database alone"
    );
    std::fs::remove_file(&s.db).unwrap();
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let (checks, _) = doctor(&s);
    has(&checks, "database", "fail", "upgrade easync");
}

#[test]
fn a_lock_held_by_another_easync_is_a_warning_and_nothing_is_written() {
    let (_server, s) = on_sim("lock", tiny(), "");
    let held = std::fs::File::create(s.db.with_extension("lock")).unwrap();
    held.try_lock().unwrap();
    let (checks, code) = doctor(&s);
    assert_eq!(code, 0, "{checks:#?}");
    has(&checks, "lock", "warn", "held by another easync");
    has(&checks, "database", "ok", "not created yet");
    assert!(
        !s.db.exists(),
        "nothing is written while another easync holds the lock"
    );
}

#[test]
fn a_server_clock_that_is_off() {
    let ahead = SimConfig {
        clock_offset: 900,
        ..tiny()
    };
    let (_server, s) = on_sim("clock-fail", ahead, "");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 1);
    only_failure(&checks, "clock");
    has(&checks, "clock", "fail", "15 min ahead of this machine's");
    let behind = SimConfig {
        clock_offset: -120,
        ..tiny()
    };
    let (_server, s) = on_sim("clock-warn", behind, "");
    let (checks, code) = doctor(&s);
    assert_eq!(code, 0);
    has(&checks, "clock", "warn", "behind this machine's");
}

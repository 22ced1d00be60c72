//! The 16.1 device rules of Exchange Online (PITFALLS 31): a device blocked (HTTP 403 with
//! Status 129), ActiveSync off for the user (126), access denied by a rule (130), the account
//! disabled (131), too many devices (177), quarantine (empty bodies, all of them or only for
//! item commands). Each stops `sync` with one message saying what to ask for — the device id
//! included where the administrator needs it — and exit 77; `watch` waits instead of retrying
//! at once, and goes on when told (SIGUSR1) once the device is allowed.

mod common;
#[path = "common/sim.rs"]
mod simc;

use std::time::{Duration, Instant};

use easync::sim::{Fault, Scope};
use simc::{client, small, start, sync, sync_ok};

fn always() -> Scope {
    Scope::default()
}

#[test]
fn each_device_rule_has_its_message_and_exit_77() {
    let server = start(small());
    let c = client("device-rules", &server.url(), "16.1", "");
    sync_ok(&c);
    let device: String = simc::q(&c.db, "SELECT device_id FROM account");
    let id = format!("device id is {device}");
    for (fault, words) in [
        (
            "device-blocked",
            vec!["blocked for the user (Status 129)", id.as_str()],
        ),
        (
            "user-disabled",
            vec!["ActiveSync is turned off", "Status 126"],
        ),
        (
            "access-denied",
            vec!["device access rule", "Status 130", id.as_str()],
        ),
        ("account-disabled", vec!["account is disabled (Status 131)"]),
        (
            "max-devices",
            vec!["Status 177", "remove one you no longer use"],
        ),
        (
            "quarantine",
            vec!["quarantine", "must approve this device", id.as_str()],
        ),
    ] {
        server.sim.faults.clear();
        server.sim.faults.arm(fault.parse().unwrap(), always());
        let out = sync(&c, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(77), "{fault}: {stderr}");
        for w in words {
            assert!(stderr.contains(w), "{fault}: {w:?} missing from {stderr}");
        }
        assert_eq!(stderr.lines().count(), 1, "{fault}: one message: {stderr}");
    }
    server.sim.faults.clear();
    sync_ok(&c);
}

#[test]
fn a_quarantined_new_device_that_still_gets_foldersync_is_told_so() {
    // Quarantine that lets FolderSync and Ping through: the first Sync of a folder (key 0)
    // must bring a new key, and an empty answer to it is the quarantine.
    let server = start(small());
    server.sim.faults.arm(Fault::QuarantineItems, always());
    let c = client("quarantine-items", &server.url(), "16.1", "");
    let out = sync(&c, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(77), "{stderr}");
    assert!(stderr.contains("quarantine"), "{stderr}");
    assert!(stderr.contains("device id is"), "{stderr}");
    server.sim.faults.clear();
    sync_ok(&c);
    simc::assert_mirrors(&c.db, &server.sim);
}

#[test]
fn watch_waits_while_the_device_is_blocked() {
    let server = start(small());
    let c = client("device-watch", &server.url(), "16.1", "");
    server.sim.faults.arm(Fault::DeviceBlocked, always());
    let mut watch = std::process::Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .arg("watch")
        .env(simc::PASSWORD_ENV, "demo")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert!(watch.try_wait().unwrap().is_none(), "watch stays up");
    let tries = server.sim.stats.command_count("FolderSync");
    assert_eq!(
        tries, 1,
        "one try, then a long wait: {tries} FolderSync requests"
    );
    // The administrator allows the device; SIGUSR1 makes watch try now.
    server.sim.faults.clear();
    unsafe { libc::kill(watch.id() as i32, libc::SIGUSR1) };
    let start = Instant::now();
    loop {
        let mirrored = c.db.exists() && simc::q::<i64>(&c.db, "SELECT count(*) FROM items") > 0;
        if mirrored {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not synced after SIGUSR1"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    unsafe { libc::kill(watch.id() as i32, libc::SIGTERM) };
    let out = watch.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Status 129") && stderr.contains("trying again in"),
        "{stderr}"
    );
}

/// `easync sync` twice (and `easync folders`) against a server of `version`: the descriptions
/// the server received.
fn described_after_runs(
    test: &str,
    version: &str,
    provisioning: bool,
) -> Vec<easync::sim::Described> {
    let server = start(easync::sim::SimConfig {
        require_provisioning: provisioning,
        ..small()
    });
    let c = client(test, &server.url(), version, "");
    sync_ok(&c);
    sync_ok(&c);
    let remembered: Option<i64> = simc::q(&c.db, "SELECT device_described_at FROM account");
    assert!(remembered.is_some(), "{test}: the store remembers it");
    server.sim.stats.described()
}

#[test]
fn device_information_is_sent_once_where_provision_cannot_carry_it() {
    let agent = format!("easync/{}", env!("CARGO_PKG_VERSION"));
    // 12.1 and 14.0 have no DeviceInformation in Provision; a 16.1 server without a policy
    // never sees a Provision: one Settings after the first FolderSync, never again.
    for (test, version, provisioning) in [
        ("describe-12", "12.1", true),
        ("describe-14-0", "14.0", true),
        ("describe-16-nopolicy", "16.1", false),
    ] {
        let got = described_after_runs(test, version, provisioning);
        assert_eq!(got.len(), 1, "{test}: {got:?}");
        let d = &got[0];
        assert_eq!(d.command, "Settings", "{test}: {got:?}");
        assert_eq!(d.model, "easync", "{test}");
        assert_eq!(d.user_agent, agent, "{test}");
        assert_eq!(
            d.http_user_agent, agent,
            "{test}: the same words as the header"
        );
        let os = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
        assert_eq!(d.os, os, "{test}");
    }
    // 16.1 with a policy: the first Provision carried it; no Settings for it.
    let got = described_after_runs("describe-16-policy", "16.1", true);
    let commands: Vec<&str> = got.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(commands, ["Provision"], "{got:?}");
    assert_eq!(got[0].user_agent, agent);
}

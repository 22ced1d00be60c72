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

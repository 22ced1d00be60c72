//! The fault matrix: every fault switch of the simulator, hit in the middle of a sync (after a
//! first complete sync and server-side changes). easync either recovers by itself (provisions
//! again, follows the redirect, resyncs) or stops with an error that says what to do and the
//! exit code a service manager acts on. In every case the store stays sound, and once the fault
//! is gone the next run mirrors the server exactly.

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::{Fault, Scope, State};
use simc::{assert_mirrors, client, small, start, sync, sync_ok};

/// What a run under the fault must end with.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Recovers,
    /// Exit code and a piece of the message.
    Stops(i32, &'static str),
}
use Outcome::{Recovers, Stops};

struct Case {
    name: &'static str,
    fault: &'static str,
    command: Option<&'static str>,
    times: Option<u32>,
    outcome: Outcome,
}

const fn case(
    name: &'static str,
    fault: &'static str,
    command: Option<&'static str>,
    times: Option<u32>,
    outcome: Outcome,
) -> Case {
    Case {
        name,
        fault,
        command,
        times,
        outcome,
    }
}

const SYNC: Option<&str> = Some("Sync");
const ONCE: Option<u32> = Some(1);
const ALWAYS: Option<u32> = None;

fn cases() -> Vec<Case> {
    vec![
        // Transient: retried within the run (backoff, or the stated Retry-After).
        case("drop", "drop-after=300", SYNC, ONCE, Recovers),
        case("http-500", "http-500", SYNC, ONCE, Recovers),
        case("http-503", "http-503=1", SYNC, ONCE, Recovers),
        case("throttle", "throttle=1", SYNC, ONCE, Recovers),
        case("status-110", "status-110", SYNC, ONCE, Recovers),
        case("status-111", "status-111", SYNC, ONCE, Recovers),
        case("slow", "slow=2500", SYNC, ONCE, Recovers),
        // Provisioning and state loss: handled by the protocol, nothing lost or duplicated.
        case("http-449", "http-449", SYNC, ONCE, Recovers),
        case("status-142", "status-142", SYNC, ONCE, Recovers),
        case(
            "status-144",
            "status-144",
            Some("FolderSync"),
            ONCE,
            Recovers,
        ),
        case("sync-status-3", "sync-status-3", SYNC, ONCE, Recovers),
        case(
            "foldersync-9",
            "foldersync-9",
            Some("FolderSync"),
            ONCE,
            Recovers,
        ),
        case("sync-status-12", "sync-status-12", SYNC, ONCE, Recovers),
        // Persistent: the run stops and says why.
        case(
            "throttle-long",
            "throttle=600",
            SYNC,
            ONCE,
            Stops(75, "wait 600s"),
        ),
        case(
            "http-503-always",
            "http-503=1",
            SYNC,
            ALWAYS,
            Stops(75, "HTTP 503"),
        ),
        case(
            "truncate",
            "truncate",
            SYNC,
            ONCE,
            Stops(1, "input ends inside"),
        ),
        case(
            "corrupt",
            "corrupt",
            Some("FolderSync"),
            ONCE,
            Stops(1, "not WBXML"),
        ),
        case(
            "redirect-loop",
            "redirect-loop",
            None,
            ALWAYS,
            Stops(1, "redirect loop"),
        ),
        case(
            "expire-auth",
            "expire-auth",
            None,
            ALWAYS,
            Stops(77, "check the user name and password"),
        ),
        case(
            "quarantine",
            "quarantine",
            None,
            ALWAYS,
            Stops(77, "quarantine"),
        ),
        case(
            "endless-more",
            "endless-more",
            SYNC,
            ALWAYS,
            Stops(1, "without sending any"),
        ),
    ]
}

fn run(c: &Case) -> Result<(), String> {
    let server = start(small());
    let sim = &server.sim;
    let cl = client(
        &format!("fault-{}", c.name),
        &server.url(),
        "16.1",
        "timeout = 1",
    );
    sync_ok(&cl);
    sim.add_items("Inbox", 5).unwrap();
    sim.set_item("inbox:2", State::Live).unwrap();
    sim.set_item("inbox:3", State::Deleted).unwrap();
    sim.add_items("Contacts", 2).unwrap();
    let fault: Fault = c.fault.parse().unwrap();
    let scope = Scope {
        command: c.command.map(String::from),
        after: 0,
        times: c.times,
    };
    sim.faults.arm(fault, scope);
    let out = sync(&cl, &[]);
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let seen = format!("{}: exit {code}, stderr {stderr:?}", c.name);
    match c.outcome {
        Recovers if code != 0 => return Err(format!("should recover; {seen}")),
        Stops(want, text) if code != want || !stderr.contains(text) => {
            return Err(format!("should stop with {want} {text:?}; {seen}"));
        }
        _ => {}
    }
    eprintln!("{seen}");
    assert_eq!(simc::q::<String>(&cl.db, "PRAGMA integrity_check"), "ok");
    if matches!(c.outcome, Recovers) {
        assert_mirrors(&cl.db, sim); // nothing lost, nothing twice, right after the recovery
    }
    sim.faults.clear();
    // A long throttle is remembered and the next run waits for it; here the time has passed.
    rusqlite::Connection::open(&cl.db)
        .unwrap()
        .execute("UPDATE account SET throttle_until = NULL", [])
        .unwrap();
    let again = sync(&cl, &[]);
    if !again.status.success() {
        return Err(format!(
            "{}: the run after the fault failed: {}",
            c.name,
            String::from_utf8_lossy(&again.stderr)
        ));
    }
    assert_mirrors(&cl.db, sim);
    Ok(())
}

#[test]
fn every_fault_is_survived_or_reported_and_the_next_run_converges() {
    let failures: Vec<String> = cases().iter().filter_map(|c| run(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_mass_deletion_guard_keeps_the_items_until_told() {
    let server = start(small());
    let sim = &server.sim;
    let cl = client("guard", &server.url(), "14.1", "");
    sync_ok(&cl);
    let held: i64 = simc::q(
        &cl.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.server_id = 'inbox'",
    );
    for i in 1..=70 {
        sim.set_item(&format!("inbox:{i}"), State::Deleted).unwrap();
    }
    let out = sync(&cl, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--allow-deletions"), "{stderr}");
    let still: i64 = simc::q(
        &cl.db,
        "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id WHERE f.server_id = 'inbox'",
    );
    // The Exchange profile spreads deletions over responses (5 each): the guard counts them
    // over the whole run, so it stops before half of the folder is gone and says how many of
    // them were applied.
    assert!(still >= held / 2, "{still} of {held} left");
    assert!(
        stderr.contains("already applied from earlier responses"),
        "{stderr}"
    );
    let out = sync(&cl, &["--allow-deletions"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_mirrors(&cl.db, sim);
}

#[test]
fn huge_retry_after_is_not_stored_years_ahead() {
    // A Retry-After of 31,700 years went into the account table as is: every later run refused
    // to start. It is clamped to a day (easync::http::MAX_DELAY).
    let server = start(small());
    let cl = client("huge-retry-after", &server.url(), "16.1", "");
    server.sim.faults.arm(
        Fault::Http503 {
            retry_after: 1_000_000_000_000,
        },
        Scope::once("FolderSync"),
    );
    let out = sync(&cl, &[]);
    assert_ne!(out.status.code(), Some(0));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let until: i64 = simc::q(&cl.db, "SELECT throttle_until FROM account");
    let day = easync::http::MAX_DELAY.as_secs() as i64;
    assert!(
        until <= now + day + 60,
        "throttled until {until}, now {now}"
    );
    assert!(
        until >= now + day - 60,
        "the clamped delay is kept: {until}"
    );
}

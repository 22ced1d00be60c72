//! Crash safety: `easync sync` of a simulated mailbox is killed with SIGKILL at random moments,
//! again and again, while the server keeps changing; after each kill the database is sound,
//! and the final run leaves exactly the server's items (each once, fields equal).
//!
//! CI runs a short version; `scripts/crash-test.sh` runs the long one (≥ 20,000 items, 50
//! kills, release build). Knobs: EASYNC_CRASH_ITEMS, EASYNC_CRASH_KILLS, EASYNC_CRASH_SEED
//! (printed by every run, to replay its kill moments).

use std::time::{Duration, Instant};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::{SimConfig, State};
use simc::{assert_mirrors, client, env_u64, q, start, sync_cmd, xorshift};

fn assert_sound(db: &std::path::Path) {
    if !db.exists() {
        return;
    }
    assert_eq!(q::<String>(db, "PRAGMA integrity_check"), "ok");
    let tables: i64 = q(
        db,
        "SELECT count(*) FROM sqlite_master WHERE name = 'mail_fts'",
    );
    if tables == 1 {
        rusqlite::Connection::open(db)
            .unwrap()
            .execute(
                "INSERT INTO mail_fts (mail_fts) VALUES ('integrity-check')",
                [],
            )
            .expect("the full-text index matches the mail table");
    }
}

#[test]
fn killed_at_random_moments_the_store_converges_exactly() {
    let items = env_u64("EASYNC_CRASH_ITEMS", 3000) as u32;
    let kills = env_u64("EASYNC_CRASH_KILLS", 10);
    let seed = env_u64(
        "EASYNC_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    ) | 1;
    let server = start(SimConfig {
        emails: items * 9 / 10,
        contacts: items / 20,
        events: items / 20,
        tasks: 20,
        verify_responses: false,
        ..SimConfig::default()
    });
    let sim = &server.sim;
    // How long a whole sync takes here: the kill moments are spread over it.
    let probe = client("crash-probe", &server.url(), "16.1", "");
    let started = Instant::now();
    assert!(sync_cmd(&probe, &[]).output().unwrap().status.success());
    let full = started.elapsed();
    eprintln!("seed {seed}: {items} items, {kills} kills, a full sync takes {full:?}");

    let c = client("crash", &server.url(), "16.1", "");
    let mut x = seed;
    let (mut killed, mut completed) = (0, 0);
    while killed < kills {
        let after = Duration::from_millis(xorshift(&mut x) % (full.as_millis() as u64 + 1));
        let mut child = sync_cmd(&c, &[]).spawn().unwrap();
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no destructor, no rollback handler runs
            child.wait().unwrap();
            killed += 1;
        } else {
            completed += 1;
        }
        assert_sound(&c.db);
        // The server changes between runs: new mail, changed and deleted items.
        let r = xorshift(&mut x);
        sim.add_items("Inbox", (r % 20) as u32).unwrap();
        let live = sim
            .snapshot()
            .folder("inbox")
            .map_or(0, |f| f.items.len() as u64);
        for k in 0..3 {
            let id = format!("inbox:{}", 1 + (r >> (8 * k)) % live.max(1));
            let state = if k == 2 { State::Deleted } else { State::Live };
            let _ = sim.set_item(&id, state); // already deleted: fine
        }
        // Kills must also land in a resync (mark and sweep) and in a deletion-heavy run.
        match r % 4 {
            0 => sim.invalidate_sync_keys("inbox").unwrap(),
            1 => drop(sim.delete_items("Inbox", (items / 40).max(5)).unwrap()),
            _ => {}
        }
        if completed > 0 && completed % 3 == 0 {
            // Complete runs are quick: start over now and then, so kills land mid-download.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", c.db.display()));
            }
        }
    }
    eprintln!("seed {seed}: {killed} kills, {completed} runs completed before their kill moment");
    let out = sync_cmd(&c, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_mirrors(&c.db, sim);
}

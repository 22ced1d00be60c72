//! Crash safety of local changes: 1,100 changes of mixed kinds (read, unread, flag, move,
//! delete to Deleted Items, hard delete, new contacts) are recorded, then `easync sync` sending them is
//! killed with SIGKILL at random moments, again and again. Afterwards every change is on the
//! server exactly once (a fresh second database sees each), none lost, none doubled, and the
//! journal is empty.
//!
//! CI runs 20 kills; `EASYNC_TWOWAY_KILLS=60` the long run. `EASYNC_CRASH_SEED` replays one.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::model::{FlagEdit, LocalChange, MailEdit};
use easync::sim::SimConfig;
use easync::store::Store;
use simc::{Client, assert_mirrors, client, env_u64, q, start, sync_cmd, xorshift};

/// What the server must show for a mail afterwards.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    Read(bool),
    Flagged,
    In(&'static str),
    Gone,
}

fn config() -> SimConfig {
    SimConfig {
        emails: 1600,
        contacts: 10,
        events: 10,
        tasks: 5,
        verify_responses: false,
        ..SimConfig::default()
    }
}

/// Records the 1,000 changes on `c`'s mirror; returns what each mail (by its content key:
/// subject, sender, date) must become.
fn record(c: &Client) -> BTreeMap<String, Want> {
    let conn = rusqlite::Connection::open(&c.db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT i.id, i.match_key, e.read FROM items i JOIN emails e ON e.item_id = i.id \
             JOIN folders f ON f.id = i.folder_id WHERE f.type = 2 ORDER BY i.id LIMIT 1000",
        )
        .unwrap();
    let mails: Vec<(i64, String, bool)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(mails.len(), 1000, "the Inbox holds 1,000 mails to change");
    let archive: String = q(
        &c.db,
        "SELECT server_id FROM folders WHERE server_id = 'projects'",
    );
    let mut want = BTreeMap::new();
    let mut changes = Vec::new();
    for (n, (item, subject, read)) in mails.into_iter().enumerate() {
        let edit = |e: MailEdit| LocalChange::Mail { item, edit: e };
        let (change, w) = match n % 10 {
            0..=3 => (
                edit(MailEdit {
                    read: Some(!read),
                    ..MailEdit::default()
                }),
                Want::Read(!read),
            ),
            4 | 5 => (
                edit(MailEdit {
                    flag: Some(FlagEdit::Flagged { due: None }),
                    ..MailEdit::default()
                }),
                Want::Flagged,
            ),
            6 | 7 => (
                LocalChange::Move {
                    item,
                    to_folder: archive.clone(),
                },
                Want::In("Projekte – 2026"),
            ),
            8 => (
                LocalChange::Delete { item, hard: false },
                Want::In("Deleted Items"),
            ),
            _ => (LocalChange::Delete { item, hard: true }, Want::Gone),
        };
        changes.push(change);
        want.insert(subject, w);
    }
    // And new contacts, as khard writes them: an Add each, whose ClientId makes a retry safe.
    for n in 0..ADDS {
        let text = format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:crash-{n}\r\nFN:Crash Contact {n}\r\n\
             N:Contact {n};Crash;;;\r\nEMAIL:crash{n}@example.test\r\nEND:VCARD\r\n"
        );
        changes.push(LocalChange::Add {
            folder: "contacts".into(),
            class: "Contacts".into(),
            file: easync::model::FileItem {
                path: format!("/nowhere/crash-{n}.vcf"),
                text,
            },
        });
    }
    let mut db = Store::open(&c.db).unwrap();
    let ids = easync::sync::local::record(&mut db, changes, "test").unwrap();
    assert_eq!(ids.len(), 1000 + ADDS);
    want
}

/// New contacts per round.
const ADDS: usize = 100;

/// Each new contact is on the server once.
fn check_adds(db: &std::path::Path) {
    let once: i64 = q(
        db,
        "SELECT count(*) FROM (SELECT file_as FROM contacts WHERE file_as LIKE 'Crash Contact %' \
         GROUP BY file_as HAVING count(*) = 1)",
    );
    let all: i64 = q(
        db,
        "SELECT count(*) FROM contacts WHERE file_as LIKE 'Crash Contact %'",
    );
    assert_eq!(
        (once, all),
        (ADDS as i64, ADDS as i64),
        "each new contact exactly once"
    );
}

/// Where and how each subject is in `db`: (folder name, read, flag_status) per copy.
fn copies(db: &std::path::Path) -> BTreeMap<String, Vec<(String, bool, i64)>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT i.match_key, f.name, coalesce(e.read, 0), coalesce(e.flag_status, 0) FROM items i \
             JOIN emails e ON e.item_id = i.id JOIN folders f ON f.id = i.folder_id \
             WHERE i.soft_deleted = 0",
        )
        .unwrap();
    let mut out: BTreeMap<String, Vec<(String, bool, i64)>> = BTreeMap::new();
    for row in st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
    {
        let (s, f, r, fl) = row.unwrap();
        out.entry(s).or_default().push((f, r, fl));
    }
    out
}

fn check(db: &std::path::Path, want: &BTreeMap<String, Want>) {
    let have = copies(db);
    let mut wrong = Vec::new();
    for (subject, w) in want {
        let c = have.get(subject).cloned().unwrap_or_default();
        let ok = match w {
            Want::Read(r) => matches!(c.as_slice(), [(f, read, _)] if f == "Inbox" && read == r),
            Want::Flagged => matches!(c.as_slice(), [(f, _, 2)] if f == "Inbox"),
            Want::In(folder) => matches!(c.as_slice(), [(f, _, _)] if f == folder),
            Want::Gone => c.is_empty(),
        };
        if !ok {
            wrong.push(format!("{subject}: want {w:?}, have {c:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of 1000 changes wrong, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
}

fn rows(db: &std::path::Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// How long sending the changes takes here (on a mailbox of its own): the kill moments are
/// spread over it.
fn probe() -> Duration {
    let server = start(config());
    let c = client("twoway-crash-probe", &server.url(), "16.1", "");
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    record(&c);
    let started = Instant::now();
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    started.elapsed()
}

/// One mailbox: 1,000 changes recorded, `easync sync` killed until they are all sent (at most
/// `budget` kills), then checked from a second device. Returns (kills, runs completed).
fn round(name: &str, probe: Duration, x: &mut u64, budget: u64) -> (u64, u64, u64) {
    // Shrunk when a run completes before its kill moment (a loaded probe), for this round.
    let mut full = probe;
    let server = start(config());
    let c = client(name, &server.url(), "16.1", "");
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    let want = record(&c);
    let (mut killed, mut completed, mut midway) = (0, 0, 0);
    let mut pending: i64 = q(&c.db, "SELECT count(*) FROM changes");
    while killed < budget {
        // The first third of a run is start-up and FolderSync: kills land mostly after it.
        let span = full.as_millis() as u64;
        let after = Duration::from_millis(span / 3 + xorshift(x) % (span * 2 / 3 + 1));
        let started = Instant::now();
        let mut child = sync_cmd(&c, &[]).spawn().unwrap();
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no destructor, no rollback handler runs
            child.wait().unwrap();
            killed += 1;
        } else {
            // Done before its kill moment: the window was too wide (a loaded probe).
            full = full.min(started.elapsed());
            completed += 1;
        }
        assert_eq!(q::<String>(&c.db, "PRAGMA integrity_check"), "ok");
        let now: i64 = q(&c.db, "SELECT count(*) FROM changes");
        midway += u64::from(now > 0 && now < pending);
        pending = now;
        if now == 0 {
            break;
        }
    }
    eprintln!("{name}: {killed} kills, {midway} of them with the changes part sent");
    let out = sync_cmd(&c, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<String> = rows(
        &c.db,
        "SELECT kind || ' ' || state || ' ' || attempts || ' ' || coalesce(error, '') FROM changes LIMIT 5",
    );
    assert!(
        left.is_empty(),
        "every change taken: {left:?}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A second device sees every change, each once.
    let b = client(&format!("{name}-b"), &server.url(), "16.1", "");
    assert!(sync_cmd(&b, &[]).output().unwrap().status.success());
    check(&b.db, &want);
    check_adds(&b.db);
    // And the first mirror agrees with the server after one more sync.
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    check(&c.db, &want);
    check_adds(&c.db);
    assert_mirrors(&c.db, &server.sim);
    (killed, completed, midway)
}

#[test]
fn killed_while_sending_1000_changes_each_reaches_the_server_exactly_once() {
    let kills = env_u64("EASYNC_TWOWAY_KILLS", 20);
    let seed = env_u64(
        "EASYNC_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    ) | 1;
    let full = probe();
    eprintln!(
        "seed {seed}: rounds of 1000 changes until {kills} kills; sending them takes {full:?}"
    );
    let mut x = seed;
    let (mut killed, mut completed, mut rounds, mut midway) = (0, 0, 0, 0);
    while killed < kills {
        let (k, c, m) = round(
            &format!("twoway-crash-{rounds}"),
            full,
            &mut x,
            kills - killed,
        );
        killed += k;
        completed += c;
        midway += m;
        rounds += 1;
    }
    eprintln!(
        "seed {seed}: {rounds} rounds, {} changes, {killed} kills ({midway} with the changes part \
         sent), {completed} runs completed before their kill",
        rounds * (1000 + ADDS)
    );
    assert!(
        midway > 0 || kills < 10,
        "no kill landed while changes were being sent"
    );
}

/// The figure for the notes (not a check): changes sent per second through the binary, against
/// a sync with nothing to send on the same mailbox. `cargo test --release --test twoway_crash
/// -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark: prints figures"]
fn figures_sending_changes() {
    let server = start(config());
    let c = client("twoway-figures", &server.url(), "16.1", "");
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    let idle = Instant::now();
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    let idle = idle.elapsed();
    record(&c);
    let busy = Instant::now();
    assert!(sync_cmd(&c, &[]).output().unwrap().status.success());
    let busy = busy.elapsed();
    let n = 1000 + ADDS;
    let extra = busy.saturating_sub(idle).as_secs_f64().max(1e-6);
    eprintln!(
        "{n} changes: sync {busy:?} against {idle:?} with none ({:.2}x); {:.0} changes/s beyond the idle sync",
        busy.as_secs_f64() / idle.as_secs_f64(),
        n as f64 / extra
    );
}

//! Running `easync` against the simulator (`easync::sim`) and checking that the store mirrors
//! the simulated mailbox exactly: every live item once, soft-deleted and deleted ones gone,
//! fields equal to what the simulator generates (a mail's subject and its state: read flag,
//! follow-up flag, categories — as generated or set with `Sim::set_mail_flags`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use easync::sim::mail::BodyWanted;
use easync::sim::{self, Kind, Running, Sim, SimConfig, State};

/// The environment variable the client configurations read the password from.
pub const PASSWORD_ENV: &str = "EASYNC_SIM_TEST_PW";

/// A simulator on a free loopback port with responses verified.
pub fn start(config: SimConfig) -> Running {
    let config = SimConfig {
        verify_responses: true,
        ..config
    };
    sim::spawn_thread(Sim::new(config), None).expect("the simulator starts")
}

/// A small mailbox.
pub fn small() -> SimConfig {
    SimConfig {
        emails: 120,
        contacts: 20,
        events: 30,
        tasks: 10,
        ..SimConfig::default()
    }
}

pub struct Client {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub db: PathBuf,
}

/// A configuration for account `a` on `url` speaking `version`, plus `extra` lines of the
/// account table, in a fresh directory named after `test`.
pub fn client(test: &str, url: &str, version: &str, extra: &str) -> Client {
    let dir = std::env::temp_dir().join(format!("easync-sim-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("a.sqlite");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.a]\nemail = \"demo@easync.test\"\nurl = \"{url}\"\npassword_env = \"{PASSWORD_ENV}\"\n\
             protocol_version = \"{version}\"\ndatabase = \"{}\"\n{extra}\n",
            db.display()
        ),
    )
    .unwrap();
    Client { dir, config, db }
}

/// `easync -c CONFIG sync --json ARGS…`, ready to run.
pub fn sync_cmd(c: &Client, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_easync"));
    cmd.arg("-c")
        .arg(&c.config)
        .args(["sync", "--json"])
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub fn sync(c: &Client, args: &[&str]) -> Output {
    sync_cmd(c, args).output().unwrap()
}

/// Runs a sync that must succeed.
pub fn sync_ok(c: &Client) {
    let out = sync(c, &[]);
    assert!(
        out.status.success(),
        "easync sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn q<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// (folder server id, item server id) → a text of its checked fields, from the store.
fn stored(db: &Path) -> BTreeMap<(String, String), String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let sql = "SELECT f.server_id, i.server_id, \
         coalesce(e.subject || '|' || e.read || '|' || coalesce(e.flag_status, 0) || '|' || \
         coalesce(e.categories, '[]'), c.file_as, v.subject, t.subject || '|' || t.complete, '') \
         FROM items i JOIN folders f ON f.id = i.folder_id \
         LEFT JOIN emails e ON e.item_id = i.id LEFT JOIN contacts c ON c.item_id = i.id \
         LEFT JOIN events v ON v.item_id = i.id LEFT JOIN tasks t ON t.item_id = i.id \
         WHERE i.soft_deleted = 0";
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The checked fields of an item a client wrote (its ApplicationData as sent).
fn custom_text(kind: Kind, data: &easync::proto::classes::ApplicationData) -> Option<String> {
    let easync::proto::classes::ApplicationData::Other(el) = data else {
        return None;
    };
    let field = |page, name| el.child(page, name).map(|e| e.text()).unwrap_or_default();
    Some(match kind {
        Kind::Contacts => field(1, "FileAs"),
        Kind::Calendar => field(4, "Subject"),
        Kind::Tasks => format!("{}|{}", field(9, "Subject"), field(9, "Complete")),
        Kind::Mail | Kind::Notes => return None,
    })
}

/// The same from the simulator's mailbox.
fn expected(sim: &Sim) -> BTreeMap<(String, String), String> {
    let mb = sim.snapshot();
    let seed = mb.seed;
    let mut out = BTreeMap::new();
    for f in mb.folders.iter().filter(|f| !f.deleted) {
        for (i, item) in f.items.iter().enumerate() {
            if item.state != State::Live {
                continue;
            }
            let idx = i as u32 + 1;
            if let Some(custom) = &item.custom {
                // An item a client wrote: what it sent.
                if let Some(text) = custom_text(f.kind, custom) {
                    out.insert((f.id.clone(), f.server_id(idx)), text);
                }
                continue;
            }
            // Content is drawn from the folder's first id (it survives a re-creation), or for
            // an item moved here, from where it came from.
            let source = f.source_of(idx);
            let (id, v) = (f.content_id.as_str(), item.version);
            let text = match f.kind {
                Kind::Mail => {
                    let subject = sim::mail::message(seed, &source.stream, source.idx).subject;
                    let state = sim::mail::flags(source.idx, v, item.flags.as_deref());
                    let categories = serde_json::to_string(&state.categories).unwrap();
                    format!(
                        "{subject}|{}|{}|{categories}",
                        state.read as u8, state.flag_status
                    )
                }
                Kind::Contacts => sim::pim::contact(seed, id, idx, v).file_as.unwrap(),
                Kind::Calendar => {
                    let (e, _) =
                        sim::events::event(seed, id, idx, v, false, &BodyWanted::default());
                    e.subject.unwrap()
                }
                Kind::Tasks => {
                    let t = sim::pim::task(seed, id, idx, v);
                    format!("{}|{}", t.subject.unwrap(), t.complete.unwrap() as u8)
                }
                Kind::Notes => String::new(),
            };
            out.insert((f.id.clone(), f.server_id(idx)), text);
        }
    }
    out
}

/// The store is sound and holds exactly the simulator's live items, each once, with their
/// current fields.
pub fn assert_mirrors(db: &Path, sim: &Sim) {
    assert_eq!(q::<String>(db, "PRAGMA integrity_check"), "ok");
    let rows: i64 = q(db, "SELECT count(*) FROM items WHERE soft_deleted = 0");
    let (have, want) = (stored(db), expected(sim));
    assert_eq!(rows as usize, have.len(), "an item is stored twice");
    let missing: Vec<_> = want
        .keys()
        .filter(|k| !have.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<_> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    let differ: Vec<_> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "fields differ from the server's: {differ:?}"
    );
}

/// `easync -c CONFIG export WHAT ARGS…`, which must succeed; its stdout.
pub fn export(config: &Path, what: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .args(["export", what])
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether a consumer program runs (`probe` must succeed); with EASYNC_REQUIRE_CONSUMERS set
/// (CI), its absence fails the test instead of skipping its checks.
pub fn have(program: &str, probe: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok || std::env::var_os("EASYNC_REQUIRE_CONSUMERS").is_none(),
        "{program} is required here"
    );
    if !ok {
        eprintln!("{program} not installed: its checks are skipped");
    }
    ok
}

/// Runs a python3-vobject `script` over `files` (Debian's Python); its stdout, trimmed.
pub fn vobject(script: &str, files: &[std::path::PathBuf]) -> String {
    let out = Command::new(crate::common::python())
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vobject: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `easync -c CONFIG ARGS…` for client `c`, with its password.
pub fn easync(c: &Client, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .args(args)
        .env(PASSWORD_ENV, "demo")
        .output()
        .unwrap()
}

/// What a run printed, stdout then stderr.
pub fn printed(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// [`easync`], which must succeed; what it printed.
pub fn easync_ok(c: &Client, args: &[&str]) -> String {
    let out = easync(c, args);
    let text = printed(&out);
    assert!(out.status.success(), "easync {args:?}: {text}");
    text
}

/// A number from the environment (the crash tests' knobs), else `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64: reproducible from a printed seed.
pub fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

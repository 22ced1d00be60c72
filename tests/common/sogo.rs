//! Running easync against SOGo (tests/interop/sogo.sh up): configuration, server-side
//! changes through tests/interop/seed.py, syncing until the mirror shows something.
#![allow(dead_code)]

pub fn url() -> String {
    std::env::var("EASYNC_SOGO_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync".into())
}

/// A configuration for bob on the SOGo server, in a fresh directory; `extra` is appended.
pub fn sogo_config(name: &str, extra: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("easync-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (config, db) = (dir.join("config.toml"), dir.join("sogo.sqlite"));
    write_sogo_config(&config, &db, extra);
    (config, db)
}

pub fn write_sogo_config(config: &std::path::Path, db: &std::path::Path, extra: &str) {
    std::fs::write(
        config,
        format!(
            "[account.sogo]\nemail = \"bob@example.test\"\nuser = \"bob\"\nurl = \"{}\"\n\
             password_cmd = [\"echo\", \"bob-pass\"]\ndatabase = \"{}\"\n{extra}",
            url(),
            db.display()
        ),
    )
    .unwrap();
}

/// Runs `tests/interop/seed.py ARGS` (a server-side change through IMAP or CardDAV).
pub fn seed(args: &[&str]) {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/seed.py"
        ))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "seed.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the easync binary with this configuration.
pub fn easync(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

/// Syncs until `sql` (a count) gives `want`: SOGo may answer the Sync after a change with a
/// new key and no commands first (NOTES.md quirk 2), and checks the DAV stores on its own tick.
pub fn sync_until(config: &std::path::Path, db: &std::path::Path, sql: &str, want: i64) {
    for _ in 0..8 {
        let out = easync(config, &["sync"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let conn = rusqlite::Connection::open(db).unwrap();
        let got: i64 = conn.query_row(sql, [], |r| r.get(0)).unwrap();
        if got == want {
            return;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    panic!("after 8 syncs, {sql} still is not {want}");
}

/// What IMAP says of the mails of `folder`: (subject, flags).
pub fn imap_state(folder: &str) -> Vec<(String, String)> {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/seed.py"
        ))
        .args(["imap-state", folder])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(s, f)| (s.to_string(), f.to_string()))
        .collect()
}

/// The IMAP flags of the mail with `subject` in `folder`; `None` when there is none (or it is
/// marked \Deleted: SOGo deletes for good as IMAP does, by the flag, and expunges later).
pub fn flags_of(folder: &str, subject: &str) -> Option<String> {
    imap_state(folder)
        .into_iter()
        .find(|(s, f)| s == subject && !f.contains("\\Deleted"))
        .map(|(_, f)| f)
}

/// The messages SOGo handed to the SMTP sink whose text holds `token`: (the message as the sink
/// got it, its envelope recipients).
pub fn sunk(token: &str) -> Vec<(Vec<u8>, Vec<String>)> {
    let dir = std::path::PathBuf::from(
        std::env::var("EASYNC_SOGO_DIR").unwrap_or_else(|_| "/tmp/easync-sogo".into()),
    )
    .join("smtp-sink");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "eml"));
    names.sort();
    names
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read(&p).ok()?;
            let found = text.windows(token.len()).any(|w| w == token.as_bytes());
            found.then(|| {
                let rcpt = std::fs::read_to_string(p.with_extension("rcpt")).unwrap_or_default();
                (text, rcpt.lines().map(String::from).collect())
            })
        })
        .collect()
}

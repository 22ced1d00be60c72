//! Sync benchmark: `easync sync` (the binary given as the first argument) mirrors mailboxes of
//! growing size from a key-driven ActiveSync server on 127.0.0.1 (tests/common/mailbox.rs) into
//! a fresh database, and reports wall time, items/s, client CPU per 1,000 items and peak RSS,
//! with the RSS of each run as a ratio of the smallest run's (responses are applied window by
//! window, so RSS should not grow with the mailbox).
//!
//! Run with `scripts/bench-sync.sh` (release build); arguments:
//! `bench_sync EASYNC_BIN [--sizes 1000,10000,50000] [--body-bytes 2000] [--sogo URL]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

#[path = "../tests/common/mailbox.rs"]
mod mailbox;
#[path = "common/measure.rs"]
mod measure;

use measure::{Run, items, sync};

fn config(dir: &Path, url: &str, user: &str, password: &str) -> (PathBuf, PathBuf) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let db = dir.join("bench.sqlite");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.bench]\nemail = \"{user}@example.test\"\nuser = \"{user}\"\nurl = \"{url}\"\n\
             password_cmd = [\"echo\", \"{password}\"]\ndatabase = \"{}\"\n",
            db.display()
        ),
    )
    .unwrap();
    (config, db)
}

fn report(label: &str, n: i64, run: &Run, smallest_rss: i64) {
    let secs = run.wall.as_secs_f64();
    let cpu_ms = run.cpu.as_secs_f64() * 1000.0;
    let (rate, per_1000) = if n > 0 {
        (
            format!("{:.0}", n as f64 / secs),
            format!("{:.1}", cpu_ms / (n as f64 / 1000.0)),
        )
    } else {
        ("-".into(), "-".into())
    };
    println!(
        "{label:<22} {n:>8} {secs:>8.2} {rate:>10} {cpu_ms:>8.0} {per_1000:>12} {:>8.1} {:>8.2}×",
        run.max_rss_kib as f64 / 1024.0,
        run.max_rss_kib as f64 / smallest_rss as f64,
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bin = PathBuf::from(args.next().expect("usage: bench_sync EASYNC_BIN [options]"));
    let (mut sizes, mut body_bytes, mut sogo) = (vec![1_000, 10_000, 50_000], 2_000, None);
    while let Some(a) = args.next() {
        let v = args.next().expect("every option takes a value");
        match a.as_str() {
            "--sizes" => sizes = v.split(',').map(|s| s.parse().expect("sizes")).collect(),
            "--body-bytes" => body_bytes = v.parse().expect("body bytes"),
            "--sogo" => sogo = Some(v),
            _ => panic!("unknown option {a}"),
        }
    }
    let tmp = std::env::temp_dir().join(format!("easync-bench-sync-{}", std::process::id()));
    println!(
        "{:<22} {:>8} {:>8} {:>10} {:>8} {:>12} {:>8} {:>9}",
        "run", "items", "wall s", "items/s", "CPU ms", "CPU ms/1000", "RSS MiB", "RSS ratio"
    );
    let mut smallest_rss = None;
    for &n in &sizes {
        let mb = Arc::new(mailbox::Mailbox::new(n, 512, body_bytes));
        let url = mailbox::serve(mb);
        let (config, db) = config(&tmp.join(n.to_string()), &url, "bench", "bench");
        let run = sync(&bin, &config);
        assert_eq!(items(&db), n as i64, "every mail mirrored");
        let base = *smallest_rss.get_or_insert(run.max_rss_kib);
        report(
            &format!("loopback {body_bytes} B/mail"),
            n as i64,
            &run,
            base,
        );
        let again = sync(&bin, &config);
        report("  second sync (no-op)", 0, &again, base);
    }
    if let Some(url) = sogo {
        let (config, db) = config(&tmp.join("sogo"), &url, "bob", "bob-pass");
        let run = sync(&bin, &config);
        report(
            "SOGo (seeded account)",
            items(&db),
            &run,
            smallest_rss.unwrap_or(run.max_rss_kib),
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

//! Simulator benchmark (issue 5): the release `easync sync` (a child process, measured with
//! wait4) mirrors simulated mailboxes of N emails (2–4 KB bodies) plus N/20 contacts and N/20
//! events, served by `easync::sim` on 127.0.0.1 from a thread of this process. Prints wall time,
//! items/s, the client's CPU per 1,000 items, the simulator's CPU per 1,000 items, the client's
//! peak RSS (and its ratio to the smallest run's), then an idle re-sync of every folder (50
//! extra ones included): its Sync request count and time.
//!
//! `scripts/bench-sim.sh [--sizes 10000,100000] [--version 16.1] [--body text|headers|preview|mime]
//! [--profile exchange|simple]`.

use std::path::{Path, PathBuf};

#[path = "common/measure.rs"]
mod measure;

use easync::sim::{self, Sim, SimConfig};
use measure::{items, own_cpu, sync};

fn config(dir: &Path, url: &str, version: &str, body: &str) -> (PathBuf, PathBuf) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let db = dir.join("bench.sqlite");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.bench]\nemail = \"demo@easync.test\"\nurl = \"{url}\"\n\
             password_cmd = [\"echo\", \"demo\"]\nprotocol_version = \"{version}\"\ndatabase = \"{}\"\n\
             [account.bench.sync]\nbody = \"{body}\"\n",
            db.display()
        ),
    )
    .unwrap();
    (config, db)
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = PathBuf::from(args.get(1).expect("bench_sim EASYNC_BIN [options]"));
    let sizes: Vec<u32> = arg(&args, "--sizes", "10000,100000")
        .split(',')
        .map(|s| s.parse().expect("--sizes 10000,100000"))
        .collect();
    let version = arg(&args, "--version", "16.1");
    let body = arg(&args, "--body", "text");
    // The server's profile: `exchange` (the simulator's default) or `simple` (to compare with
    // builds from before the profile existed).
    let profile: sim::Profile = arg(&args, "--profile", "exchange")
        .parse()
        .expect("--profile exchange|simple");
    println!(
        "{:>8} {:>8} {:>8} {:>10} {:>14} {:>14} {:>14}",
        "emails", "items", "wall s", "items/s", "client ms/1k", "sim ms/1k", "peak RSS MiB"
    );
    let mut smallest = None;
    for n in sizes {
        let server = sim::spawn_thread(
            Sim::new(SimConfig {
                emails: n,
                contacts: n / 20,
                events: n / 20,
                tasks: 0,
                extra_folders: 50,
                profile,
                ..SimConfig::default()
            }),
            None,
        )
        .expect("the simulator starts");
        let dir = std::env::temp_dir().join(format!("easync-bench-sim-{n}"));
        let (cfg, db) = config(&dir, &server.url(), &version, &body);
        let sim_before = own_cpu();
        let run = sync(&bin, &cfg);
        let sim_cpu = own_cpu() - sim_before;
        let got = items(&db);
        let k = got as f64 / 1000.0;
        let rss = run.max_rss_kib as f64 / 1024.0;
        let base = *smallest.get_or_insert(rss);
        println!(
            "{n:>8} {got:>8} {:>8.2} {:>10.0} {:>14.1} {:>14.1} {:>8.1} ({:.2}×)",
            run.wall.as_secs_f64(),
            got as f64 / run.wall.as_secs_f64(),
            run.cpu.as_secs_f64() * 1000.0 / k,
            sim_cpu.as_secs_f64() * 1000.0 / k,
            rss,
            rss / base
        );
        let syncs = server.sim.stats.command_count("Sync");
        let idle = sync(&bin, &cfg);
        let folders = server.sim.snapshot().folders.len();
        println!(
            "         idle re-sync of {folders} folders: {} Sync request(s), {:.0} ms wall, {:.0} ms client CPU",
            server.sim.stats.command_count("Sync") - syncs,
            idle.wall.as_secs_f64() * 1000.0,
            idle.cpu.as_secs_f64() * 1000.0
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

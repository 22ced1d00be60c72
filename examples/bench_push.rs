//! Push benchmark (issue 7): `easync watch` (the release binary, a child process) against the
//! simulator on 127.0.0.1 in this process.
//!
//! 1. Latency: 200 new mails, one at a time; for each, the time from the simulator committing
//!    it to easync printing its `new` event (printed right after the store commit) and to the
//!    `on_new_mail` hook starting (the hook's first action writes the clock). The simulator
//!    answers the pending Ping at once, so its own notification delay is ~0 here.
//! 2. Soak: Ping cycles against a simulator whose heartbeat lasts milliseconds, with random
//!    dropped connections (single drops, retried by the session, and double drops that fail a
//!    Ping and make easync back off); easync's RSS after the first 1,000 cycles and at the end.
//!
//! `scripts/bench-push.sh [--changes 200] [--cycles 10000]`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use easync::sim::{self, Fault, Scope, Sim, SimConfig};

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn start_watch(
    bin: &Path,
    dir: &Path,
    url: &str,
    heartbeat: u32,
) -> (Child, Receiver<serde_json::Value>) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let hook_log = dir.join("hook.log");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[account.b]\nemail = \"demo@easync.test\"\nurl = \"{url}\"\npassword_cmd = [\"echo\", \"demo\"]\n\
             protocol_version = \"16.1\"\ndatabase = \"{}\"\n[account.b.watch]\nheartbeat = {heartbeat}\ndebounce = 0\n\
             [[account.b.watch.hook]]\nfolder = \"Inbox\"\non_new_mail = [\"sh\", \"-c\", \"date +%s%N >> {}\"]\n",
            dir.join("b.sqlite").display(),
            hook_log.display()
        ),
    )
    .unwrap();
    #[allow(clippy::zombie_processes)] // the callers kill and wait for it
    let mut child = Command::new(bin)
        .arg("-c")
        .arg(&config)
        .args(["watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("watch.log")).unwrap())
        .args(["-v"])
        .spawn()
        .expect("easync watch starts");
    let (tx, rx) = channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    loop {
        let v: serde_json::Value = rx.recv_timeout(Duration::from_secs(60)).expect("catch-up");
        if v["type"] == "sync" {
            return (child, rx);
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn latency(bin: &Path, changes: u64) {
    let server = sim::spawn_thread(
        Sim::new(SimConfig {
            emails: 100,
            contacts: 10,
            events: 10,
            tasks: 5,
            ..SimConfig::default()
        }),
        None,
    )
    .unwrap();
    let dir = std::env::temp_dir().join("easync-bench-push");
    let (mut child, rx) = start_watch(bin, &dir, &server.url(), 480);
    let (mut store, mut commits) = (Vec::new(), Vec::new());
    for _ in 0..changes {
        std::thread::sleep(Duration::from_millis(100)); // the previous Ping is back in place
        let t0 = now_ns();
        commits.push(t0);
        let id = server.sim.add_items("Inbox", 1).unwrap().remove(0);
        loop {
            let v = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the new-mail event");
            if v["type"] == "new" && v["id"] == id.as_str() {
                store.push((now_ns() - t0) as f64 / 1e6);
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let hooks: Vec<u128> = std::fs::read_to_string(dir.join("hook.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let mut hook: Vec<f64> = hooks
        .iter()
        .zip(&commits)
        .map(|(h, c)| (*h as f64 - *c as f64) / 1e6)
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    store.sort_by(f64::total_cmp);
    hook.sort_by(f64::total_cmp);
    println!("push latency over {changes} new mails (simulator commit → …), ms:");
    println!(
        "  store commit + event   median {:6.1}  p99 {:6.1}  max {:6.1}",
        percentile(&store, 0.5),
        percentile(&store, 0.99),
        store[store.len() - 1]
    );
    if hook.len() == store.len() {
        println!(
            "  hook start             median {:6.1}  p99 {:6.1}  max {:6.1}",
            percentile(&hook, 0.5),
            percentile(&hook, 0.99),
            hook[hook.len() - 1]
        );
    } else {
        println!(
            "  hook start: {} hook calls for {} mails (merged), not comparable",
            hook.len(),
            store.len()
        );
    }
}

fn soak(bin: &Path, cycles: u64) {
    // 60 s heartbeats lasting 10 ms; the server caps the heartbeat at 60 (Status 5 otherwise).
    let config = SimConfig {
        emails: 50,
        contacts: 5,
        events: 5,
        tasks: 5,
        time_divisor: 6000,
        heartbeat_bounds: (60, 60),
        ..SimConfig::default()
    };
    let server = sim::spawn_thread(Sim::new(config), None).unwrap();
    let dir = std::env::temp_dir().join("easync-bench-soak");
    let (mut child, _rx) = start_watch(bin, &dir, &server.url(), 60);
    let pings = || server.sim.stats.command_count("Ping");
    let started = Instant::now();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let (mut singles, mut doubles) = (0, 0);
    let mut warm = None;
    let mut next_drop = 100;
    while pings() < cycles {
        std::thread::sleep(Duration::from_millis(20));
        if pings() < next_drop {
            continue;
        }
        // A dropped connection every 50–150 cycles; one in ten of them twice in a row, which
        // fails the Ping (the session retries a dropped idempotent request once).
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        next_drop = pings() + 50 + x % 100;
        let times = if x.is_multiple_of(10) { 2 } else { 1 };
        let scope = Scope {
            command: Some("Ping".into()),
            after: 0,
            times: Some(times),
        };
        server.sim.faults.arm(Fault::DropAfter(0), scope);
        if times == 2 {
            doubles += 1;
        } else {
            singles += 1;
        }
        if warm.is_none() && pings() >= 1000 {
            warm = Some(rss_kib(child.id()));
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("easync watch exited: {status}");
        }
    }
    let end = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let warm = warm.unwrap_or(end);
    println!(
        "soak: {} Ping cycles in {:.0} s with {singles} single and {doubles} double dropped connections;\n  \
         RSS after 1,000 cycles {warm} KiB, at the end {end} KiB: growth {} KiB",
        pings(),
        started.elapsed().as_secs_f64(),
        end as i64 - warm as i64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = std::path::PathBuf::from(args.get(1).expect("bench_push EASYNC_BIN [options]"));
    latency(&bin, arg(&args, "--changes", 200));
    soak(&bin, arg(&args, "--cycles", 10_000));
}

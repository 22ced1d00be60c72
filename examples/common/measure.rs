//! Measuring a child process with wait4(2): its wall time, its own CPU time and peak RSS.
#![allow(dead_code)]

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Run {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kib: i64,
    pub status: ExitStatus,
}

/// Runs `cmd` and measures it with wait4(2): its own CPU time and peak RSS, not ours.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which std's Child cannot do
pub fn measure(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("easync starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, fully written by wait4 on success.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our unwaited child; the pointers are valid for the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Run {
        wall: start.elapsed(),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
        status: ExitStatus::from_raw(status),
    }
}

/// CPU time (user + system) this process has used so far.
pub fn own_cpu() -> Duration {
    // SAFETY: rusage is plain data, fully written by getrusage on success.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is valid for the call.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// `BIN -c CONFIG sync`, measured; it must succeed.
pub fn sync(bin: &Path, config: &Path) -> Run {
    let run = measure(Command::new(bin).arg("-c").arg(config).arg("sync"));
    assert!(run.status.success(), "easync sync failed: {:?}", run.status);
    run
}

/// The items a database holds.
pub fn items(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap()
}

//! `easync export calendar` checked by real consumers: khal (Debian) lists the seeded events on
//! the right days and times — a recurring series with its moved occurrence and without its
//! cancelled one, from 14.1 embedded exceptions and from 16.1 per-instance changes and 16.1
//! exceptions embedded by InstanceId alike — and
//! python3-vobject parses every exported file. Skipped without them unless
//! EASYNC_REQUIRE_CONSUMERS=1 (CI sets it).

use std::process::{Command, Stdio};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::mail::BodyWanted;
use simc::{client, have, small, start, sync_ok};

/// `20261011T023000Z` → `2026-10-11 02:30` (khal's format below, in UTC).
fn khal_time(t: &str) -> String {
    format!(
        "{}-{}-{} {}:{}",
        &t[0..4],
        &t[4..6],
        &t[6..8],
        &t[9..11],
        &t[11..13]
    )
}

/// What the server holds of a series: occurrence 0, the moved one (2, and where it was) and the
/// cancelled one (3), as khal lists them.
struct Occurrences {
    idx: u32,
    subject: String,
    first: String,
    moved_from: String,
    moved: String,
    cancelled: String,
}

fn occurrences(idx: u32) -> Occurrences {
    let (ev, _) = easync::sim::events::event(1, "calendar", idx, 0, false, &BodyWanted::default());
    let ex = ev.exceptions.unwrap().items;
    Occurrences {
        idx,
        subject: ev.subject.unwrap(),
        first: khal_time(ev.start_time.as_deref().unwrap()),
        moved_from: khal_time(ex[0].exception_start_time.as_deref().unwrap()),
        moved: khal_time(ex[0].start_time.as_deref().unwrap()),
        cancelled: khal_time(ex[1].exception_start_time.as_deref().unwrap()),
    }
}

/// `khal list` over the exported vdir, in UTC.
fn khal_list(dir: &std::path::Path, vdir: &std::path::Path) -> String {
    let conf = dir.join("khal.conf");
    std::fs::write(
        &conf,
        format!(
            "[calendars]\n[[cal]]\npath = {}/Calendar\n[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n\
             longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n\
             local_timezone = UTC\ndefault_timezone = UTC\n",
            vdir.display()
        ),
    )
    .unwrap();
    // khal's own data (its cache) beside the test's files: two tests do not race to create it.
    let out = Command::new("khal")
        .env("XDG_DATA_HOME", dir)
        .arg("-c")
        .arg(&conf)
        .args([
            "list",
            "2026-09-01",
            "2028-01-01",
            "--format",
            "{start} {title}",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "khal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check(version: &str) {
    let server = start(small());
    let c = client(&format!("export-cal-{version}"), &server.url(), version, "");
    sync_ok(&c);
    let vdir = c.dir.join("cal");
    let report = simc::export(&c.config, "calendar", &["--vdir", vdir.to_str().unwrap()]);
    assert!(
        report.contains("Calendar: 27 events (27 written"),
        "{report}"
    );
    // calendar:10 and calendar:20 recur; on 16.1 the first sends its exceptions per instance,
    // the second embeds them named by InstanceId (easync::sim::events::embeds_exceptions).
    let series: Vec<Occurrences> = [10, 20].into_iter().map(occurrences).collect();
    for s in &series {
        let file = vdir.join(format!("Calendar/sim-1-calendar-{}@easync.test.ics", s.idx));
        let text = std::fs::read_to_string(file).unwrap();
        assert_eq!(
            text.matches("BEGIN:VEVENT").count(),
            2,
            "{version} calendar:{}: the series and its moved occurrence in one file",
            s.idx
        );
    }

    if have("khal", &["--version"]) {
        let listed = khal_list(&c.dir, &vdir);
        for s in &series {
            let (idx, subject) = (s.idx, &s.subject);
            assert!(
                listed.contains(&format!("{} {subject}\n", s.first)),
                "{version} calendar:{idx}: first occurrence {}:\n{listed}",
                s.first
            );
            assert!(
                listed.contains(&format!("{} {subject} (moved)", s.moved)),
                "{version} calendar:{idx}: moved to {}:\n{listed}",
                s.moved
            );
            assert!(
                !listed.contains(&format!("{} {subject}", s.moved_from)),
                "{version} calendar:{idx}: {} moved away:\n{listed}",
                s.moved_from
            );
            assert!(
                !listed.contains(&format!("{} {subject}", s.cancelled)),
                "{version} calendar:{idx}: {} was cancelled:\n{listed}",
                s.cancelled
            );
        }
        // A single event and an all-day one on their day.
        let (single, _) =
            easync::sim::events::event(1, "calendar", 4, 0, false, &BodyWanted::default());
        let single_at = khal_time(single.start_time.as_deref().unwrap());
        assert!(
            listed.contains(&format!("{single_at} {}", single.subject.unwrap())),
            "{listed}"
        );
        assert!(
            listed.contains("1:1 with Zoë #3"),
            "the all-day event: {listed}"
        );
    }

    if have(common::python(), &["-c", "import vobject"]) {
        let files: Vec<_> = std::fs::read_dir(vdir.join("Calendar"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ics"))
            .collect();
        let script = "import sys, vobject\nn = 0\nfor p in sys.argv[1:]:\n    cal = vobject.readOne(open(p, encoding='utf-8').read())\n    for ev in cal.vevent_list:\n        assert ev.uid.value and ev.dtstart.value, p\n    n += 1\nprint(n)\n";
        assert_eq!(simc::vobject(script, &files), files.len().to_string());
    }

    // One calendar on stdout: 27 items of Calendar and 3 of Team calendar, plus the moved
    // occurrences of the two series (calendar:10 and calendar:20).
    let all = simc::export(&c.config, "calendar", &["--out", "-"]);
    assert_eq!(all.matches("BEGIN:VCALENDAR").count(), 1);
    assert_eq!(all.matches("RECURRENCE-ID").count(), 2, "{version}");
    assert_eq!(all.matches("BEGIN:VEVENT").count(), 32, "{version}");

    // A re-export touches nothing.
    let again = simc::export(&c.config, "calendar", &["--vdir", vdir.to_str().unwrap()]);
    assert!(
        again.contains("Calendar: 27 events (0 written, 27 unchanged, 0 removed)"),
        "{again}"
    );
}

#[test]
fn khal_shows_the_series_with_its_moved_and_cancelled_occurrences_on_14_1() {
    check("14.1");
}

#[test]
fn khal_shows_the_series_with_its_moved_and_cancelled_occurrences_on_16_1() {
    check("16.1");
}

#[test]
fn todoman_reads_the_exported_tasks() {
    let server = start(small());
    let c = client("export-tasks", &server.url(), "16.1", "");
    sync_ok(&c);
    let vdir = c.dir.join("tasks");
    let report = simc::export(&c.config, "tasks", &["--vdir", vdir.to_str().unwrap()]);
    assert!(report.contains("Tasks: 10 tasks (10 written"), "{report}");
    let file = c.dir.join("tasks.ics");
    let report = simc::export(&c.config, "tasks", &["--out", file.to_str().unwrap()]);
    assert!(report.starts_with("10 tasks written"), "{report}");
    assert_eq!(
        std::fs::read_to_string(&file)
            .unwrap()
            .matches("BEGIN:VTODO")
            .count(),
        10
    );
    if !have("todoman", &["--version"]) {
        return;
    }
    let conf = c.dir.join("todoman.py");
    std::fs::write(&conf, format!("path = \"{}/*\"\ndate_format = \"%Y-%m-%d\"\ntime_format = \"%H:%M\"\ndefault_list = \"Tasks\"\n", vdir.display())).unwrap();
    let out = Command::new("todoman")
        .arg("--config")
        .arg(&conf)
        .args(["--porcelain", "list", "--status", "ANY"])
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "todoman: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 10);
    for t in listed {
        let summary = t["summary"].as_str().unwrap();
        let idx: u32 = summary.rsplit('#').next().unwrap().parse().unwrap();
        let want = easync::sim::pim::task(1, "tasks", idx, 0);
        assert_eq!(summary, want.subject.as_deref().unwrap());
        assert_eq!(t["completed"].as_bool(), want.complete, "{summary}");
        let due = easync::export::ical::parse_time(want.due_date.as_deref().unwrap()).unwrap();
        assert_eq!(t["due"].as_i64(), Some(due.timestamp()), "{summary}");
    }
}

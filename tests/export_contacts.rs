//! `easync export contacts` checked by real consumers: khard reads the vdir (every contact, the
//! fields it shows), python3-vobject parses every vCard 3.0 file, calcard parses 4.0; a re-export
//! touches nothing, a deleted contact's file goes, a foreign file stays. khard and vobject are
//! Debian packages (`apt-get install khard python3-vobject`); without them those checks are
//! skipped, unless EASYNC_REQUIRE_CONSUMERS=1 (CI sets it).

use std::path::Path;
use std::process::{Command, Stdio};

mod common;
#[path = "common/sim.rs"]
mod simc;

use easync::sim::State;
use simc::{PASSWORD_ENV, client, have, small, start, sync_ok};

fn khard(conf: &Path, args: &[&str]) -> String {
    let out = Command::new("khard")
        .arg("-c")
        .arg(conf)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "khard {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn vcf_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
    {
        out.extend(
            std::fs::read_dir(sub)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "vcf")),
        );
    }
    out.sort();
    out
}

#[test]
fn khard_and_vobject_read_the_export_and_reexports_are_incremental() {
    let server = start(small());
    let c = client("export-contacts", &server.url(), "16.1", "");
    sync_ok(&c);
    let vdir = c.dir.join("contacts");
    let report = simc::export(&c.config, "contacts", &["--vdir", vdir.to_str().unwrap()]);
    assert!(
        report.contains("Contacts: 18 contacts (18 written")
            && report.contains("Lieferanten: 2 contacts"),
        "{report}"
    );
    let files = vcf_files(&vdir);
    assert_eq!(files.len(), 20);
    assert_eq!(
        std::fs::read_to_string(vdir.join("Lieferanten/displayname")).unwrap(),
        "Lieferanten"
    );

    if have("khard", &["--version"]) {
        let conf = c.dir.join("khard.conf");
        std::fs::write(
            &conf,
            format!(
                "[addressbooks]\n[[contacts]]\npath = {0}/Contacts\n[[suppliers]]\npath = {0}/Lieferanten\n\
                 [general]\ndefault_action = list\n[vcard]\nskip_unparsable = no\n",
                vdir.display()
            ),
        )
        .unwrap();
        let list = khard(&conf, &["list", "--parsable"]);
        assert_eq!(list.lines().count(), 20, "{list}");
        let want = easync::sim::pim::contact(1, "contacts", 10, 0);
        let shown = khard(
            &conf,
            &[
                "show",
                "--format",
                "yaml",
                "--uid",
                "easync-contacts-contacts-10",
            ],
        );
        for field in [
            format!("First name: {}", want.first_name.unwrap()),
            format!("Last name: {}", want.last_name.unwrap()),
            "Birthday: '1970-11-11'".to_string(),
            "Anniversary: '2010-06-12'".to_string(),
            "CELL, VOICE: +1 212 555 0010".to_string(),
            "INTERNET, pref: c10@example.test".to_string(),
            "Leopoldstraße 11".to_string(),
            "Street: Rue de Rivoli 1; Bât. B".to_string(),
            "Webpage: https://example.test/~c10".to_string(),
            "prefers mail.\\nLine 2; 10".to_string(),
        ] {
            assert!(shown.contains(&field), "khard shows no {field:?}:\n{shown}");
        }
    }

    if have(common::python(), &["-c", "import vobject"]) {
        let script = "import sys, vobject\nfor p in sys.argv[1:]:\n    c = vobject.readOne(open(p, encoding='utf-8').read())\n    assert c.fn.value and c.uid.value, p\nprint(len(sys.argv) - 1)\n";
        assert_eq!(simc::vobject(script, &files), "20");
    }

    // vCard 4.0 into one file: calcard (an independent parser path) reads every card back.
    let v4 = simc::export(&c.config, "contacts", &["--vcard", "4", "--out", "-"]);
    let mut parser = calcard::Parser::new(&v4);
    let mut cards = 0;
    loop {
        match parser.entry() {
            calcard::Entry::VCard(card) => {
                assert!(
                    card.entries
                        .iter()
                        .any(|e| e.name == calcard::vcard::VCardProperty::Fn)
                );
                cards += 1;
            }
            calcard::Entry::Eof => break,
            other => panic!("not a vCard: {other:?}"),
        }
    }
    assert_eq!(cards, 20);

    // Incremental: nothing changed, nothing touched; a deleted contact's file goes; a foreign
    // file stays.
    let foreign = vdir.join("Contacts/mine.vcf");
    std::fs::write(
        &foreign,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mine\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let report = simc::export(&c.config, "contacts", &["--vdir", vdir.to_str().unwrap()]);
    assert!(
        report.contains("(0 written, 18 unchanged, 0 removed)"),
        "{report}"
    );
    server.sim.set_item("contacts:3", State::Deleted).unwrap();
    sync_ok(&c);
    let report = simc::export(&c.config, "contacts", &["--vdir", vdir.to_str().unwrap()]);
    assert!(
        report.contains("Contacts: 17 contacts (0 written, 17 unchanged, 1 removed)"),
        "{report}"
    );
    assert!(
        !vdir
            .join("Contacts/easync-contacts-contacts-3.vcf")
            .exists()
    );
    assert!(foreign.exists());
    // Issue "the mirror loses nothing", A9: a contact that left the sync window (SoftDelete)
    // keeps its file; only a server Delete removes one.
    server
        .sim
        .set_item("contacts:4", State::SoftDeleted)
        .unwrap();
    sync_ok(&c);
    let report = simc::export(&c.config, "contacts", &["--vdir", vdir.to_str().unwrap()]);
    assert!(report.contains("0 removed"), "{report}");
    assert_eq!(vcf_files(&vdir).len(), 20, "{report}");
}

#[test]
fn configured_exports_run_after_sync_and_after_each_pushed_change() {
    let server = start(easync::sim::SimConfig {
        time_divisor: 60,
        ..small()
    });
    let probe = client("export-configured", &server.url(), "16.1", "");
    let vdir = probe.dir.join("vdir");
    let file = probe.dir.join("all.vcf");
    let extra = format!(
        "[account.a.watch]\nheartbeat = 60\ndebounce = 0\n\
         [[account.a.export]]\nwhat = \"contacts\"\nvdir = \"{}\"\n\
         [[account.a.export]]\nwhat = \"contacts\"\nout = \"{}\"\nvcard = 4\nfolders = [\"Lieferanten\"]\n",
        vdir.display(),
        file.display()
    );
    let c = client("export-configured", &server.url(), "16.1", &extra);
    let out = simc::sync(&c, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"type\":\"export\""), "{stdout}");
    assert_eq!(vcf_files(&vdir).len(), 20);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        (
            text.matches("BEGIN:VCARD").count(),
            text.contains("VERSION:4.0")
        ),
        (2, true)
    );

    // Under easync watch, a contact added on the server reaches the vdir.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(&c.config)
        .args(["watch"])
        .env(PASSWORD_ENV, "demo")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let id = server.sim.add_items("Contacts", 1).unwrap().remove(0);
    let want = vdir.join(format!(
        "Contacts/easync-contacts-{}.vcf",
        id.replace(':', "-")
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !want.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(want.exists(), "{} did not appear", want.display());
}

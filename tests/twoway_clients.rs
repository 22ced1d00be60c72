//! Two-way with the real clients easync's users run (Debian packages), against the
//! simulator: notmuch tags a message (its `synchronize_flags` renames the Maildir file), khal
//! creates an event, khard creates a contact, todoman a task — and after `easync sync` a
//! second, fresh easync database sees each of them on the server. Skipped where a program is
//! missing, unless EASYNC_REQUIRE_CONSUMERS is set (CI).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;
#[path = "common/sim.rs"]
mod simc;

use simc::{assert_mirrors, client, have, q, small, start, sync_cmd, sync_ok};

fn run(cmd: &mut Command, stdin: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// notmuch marks an unread Inbox message read and flagged; returns its server id.
fn notmuch_flags(dir: &Path, maildir: &Path) -> String {
    let conf = dir.join("notmuch-config");
    std::fs::write(
        &conf,
        format!(
            "[database]\npath={}\n[new]\ntags=unread;inbox;\n[maildir]\nsynchronize_flags=true\n",
            maildir.display()
        ),
    )
    .unwrap();
    let notmuch = || {
        let mut c = Command::new("notmuch");
        c.env("NOTMUCH_CONFIG", &conf);
        c
    };
    run(notmuch().arg("new"), "");
    let file = run(
        notmuch().args([
            "search",
            "--output=files",
            "--limit=1",
            "tag:unread",
            "and",
            "folder:Inbox",
        ]),
        "",
    );
    let file = file.trim().to_string();
    let stem = Path::new(&file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split(":2,")
        .next()
        .unwrap()
        .to_string();
    run(
        notmuch().args([
            "tag",
            "+flagged",
            "-unread",
            "--",
            "path:Inbox/**",
            "and",
            &format!("id:{}", message_id(&file)),
        ]),
        "",
    );
    // synchronize_flags renamed the file: F and S now.
    let renamed = std::fs::read_dir(maildir.join("Inbox/cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&stem))
        .unwrap();
    assert!(renamed.ends_with(":2,FS"), "{renamed}");
    let state = std::fs::read_to_string(maildir.join("Inbox/.easync-items")).unwrap();
    state
        .lines()
        .find(|l| l.starts_with(&format!("{stem}\t")))
        .and_then(|l| l.split('\t').nth(1))
        .unwrap()
        .to_string()
}

fn message_id(file: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap()
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

#[test]
fn notmuch_khal_khard_and_todoman_changes_reach_the_server() {
    let tools = [
        have("notmuch", &["--version"]),
        have("khal", &["--version"]),
        have("khard", &["--version"]),
        have("todoman", &["--version"]),
    ];
    if tools.contains(&false) {
        return;
    }
    let server = start(small());
    let root = std::env::temp_dir().join(format!("easync-clients-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let extra = format!(
        "[[account.a.export]]\nwhat = \"mail\"\nmaildir = \"{0}/mail\"\nfolders = [\"Inbox\"]\n\
         [[account.a.export]]\nwhat = \"calendar\"\nvdir = \"{0}/calendars\"\nfolders = [\"Calendar\"]\n\
         [[account.a.export]]\nwhat = \"contacts\"\nvdir = \"{0}/contacts\"\nfolders = [\"Contacts\"]\n\
         [[account.a.export]]\nwhat = \"tasks\"\nvdir = \"{0}/tasks\"\nfolders = [\"Tasks\"]\n",
        root.display()
    );
    let a = client("clients-a", &server.url(), "16.1", &extra);
    sync_ok(&a);

    let flagged = notmuch_flags(&root, &root.join("mail"));
    // khal: a new event in the exported calendar.
    let khal_conf = root.join("khal.conf");
    std::fs::write(
        &khal_conf,
        format!(
            "[calendars]\n[[cal]]\npath = {}/calendars/Calendar\n[locale]\ntimeformat = %H:%M\n\
             dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n\
             longdatetimeformat = %Y-%m-%d %H:%M\nlocal_timezone = Europe/Berlin\n\
             default_timezone = Europe/Berlin\n",
            root.display()
        ),
    )
    .unwrap();
    run(
        Command::new("khal")
            .env("XDG_DATA_HOME", &root)
            .arg("-c")
            .arg(&khal_conf)
            .args([
                "new",
                "-a",
                "cal",
                "2027-02-03",
                "10:00",
                "11:00",
                "Planning with khal",
            ]),
        "",
    );
    // khard: a new contact from its template on stdin.
    let khard_conf = root.join("khard.conf");
    std::fs::write(
        &khard_conf,
        format!(
            "[addressbooks]\n[[work]]\npath = {}/contacts/Contacts\n[general]\neditor = true\nmerge_editor = true\n",
            root.display()
        ),
    )
    .unwrap();
    run(
        Command::new("khard")
            .arg("-c")
            .arg(&khard_conf)
            .args(["new", "-a", "work"]),
        "First name : Ada\nLast name : Lovelace\nEmail :\n    work : ada@engines.example\n",
    );
    // todoman: a new task.
    let todo_conf = root.join("todoman.py");
    std::fs::write(
        &todo_conf,
        format!(
            "path = \"{}/tasks/*\"\ndate_format = \"%Y-%m-%d\"\ntime_format = \"%H:%M\"\ndefault_list = \"Tasks\"\n",
            root.display()
        ),
    )
    .unwrap();
    run(
        Command::new("todoman")
            .env("XDG_CACHE_HOME", &root)
            .arg("--config")
            .arg(&todo_conf)
            .args(["new", "--list", "Tasks", "Water the plants"]),
        "",
    );

    let out = sync_cmd(&a, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        q::<i64>(&a.db, "SELECT count(*) FROM changes"),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mail = server.sim.item(&flagged).unwrap().mail.unwrap();
    assert!(mail.read && mail.flag_status == 2, "{mail:?}");
    let b = client("clients-b", &server.url(), "16.1", "");
    sync_ok(&b);
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM events WHERE subject = 'Planning with khal'"
        ),
        1
    );
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM contacts WHERE first_name = 'Ada' AND last_name = 'Lovelace' AND emails LIKE '%ada@engines.example%'"
        ),
        1
    );
    assert_eq!(
        q::<i64>(
            &b.db,
            "SELECT count(*) FROM tasks WHERE subject = 'Water the plants'"
        ),
        1
    );
    let start: String = q(
        &b.db,
        "SELECT start_time FROM events WHERE subject = 'Planning with khal'",
    );
    assert_eq!(start, "20270203T090000Z", "10:00 in Berlin");
    assert_mirrors(&a.db, &server.sim);
}

//! `easync account add` as a user runs it: the section is written after a probe of the server
//! (the loopback mailbox of tests/common/mailbox.rs), works for a sync at once, and nothing is
//! written when the probe fails or the account exists. The secret never shows.

use std::process::{Command, Output};
use std::sync::Arc;

#[path = "common/mailbox.rs"]
mod mailbox;

use mailbox::{Mailbox, serve};

const SECRET: &str = "s3cret-value-never-shown";

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("easync-account-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn easync(home: &std::path::Path, config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_easync"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("EASYNC_ACCOUNT_PW", SECRET)
        .output()
        .unwrap()
}

fn all(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn add_probes_writes_a_private_section_and_sync_uses_it() {
    use std::os::unix::fs::PermissionsExt;
    let url = serve(Arc::new(Mailbox::new(5, 512, 10)));
    let home = dir("add");
    let config = home.join("config/easync/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "# my accounts\n").unwrap();
    let add = [
        "account",
        "add",
        "work",
        "--email",
        "bob@example.test",
        "--url",
        &url,
        "--password-env",
        "EASYNC_ACCOUNT_PW",
    ];
    let out = easync(&home, &config, &add);
    assert!(out.status.success(), "{}", all(&out));
    assert!(
        all(&out).contains("EAS 14.1 at http://127.0.0.1"),
        "{}",
        all(&out)
    );
    assert!(!all(&out).contains(SECRET));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# my accounts\n"),
        "the rest is kept: {text}"
    );
    assert!(
        text.contains("[account.work]") && text.contains("password_env = \"EASYNC_ACCOUNT_PW\""),
        "{text}"
    );
    assert!(!text.contains(SECRET));
    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let sync = easync(&home, &config, &["sync", "work"]);
    assert!(sync.status.success(), "{}", all(&sync));
    assert!(all(&sync).contains("synced: 5 added"), "{}", all(&sync));
    assert!(
        home.join("state/easync/work.sqlite").exists(),
        "the default database place"
    );

    let again = easync(&home, &config, &add);
    assert_eq!(again.status.code(), Some(78), "{}", all(&again));
    assert!(all(&again).contains("exists already"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text, "unchanged");
}

#[test]
fn a_failed_probe_writes_nothing() {
    let home = dir("probe");
    let config = home.join("config.toml");
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/Microsoft-Server-ActiveSync",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let out = easync(
        &home,
        &config,
        &[
            "account",
            "add",
            "x",
            "--email",
            "x@example.test",
            "--url",
            &url,
            "--password-cmd",
            "echo not-used",
        ],
    );
    assert_eq!(out.status.code(), Some(75), "{}", all(&out));
    assert!(all(&out).contains("probing the server"), "{}", all(&out));
    assert!(!config.exists(), "nothing written");

    let no_secret = easync(
        &home,
        &config,
        &["account", "add", "x", "--email", "x@example.test"],
    );
    assert_eq!(
        no_secret.status.code(),
        Some(2),
        "a secret source is required"
    );

    let offline = easync(
        &home,
        &config,
        &[
            "account",
            "add",
            "x",
            "--email",
            "x@example.test",
            "--url",
            &url,
            "--password-cmd",
            "pass show x",
            "--no-probe",
        ],
    );
    assert!(offline.status.success(), "{}", all(&offline));
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("password_cmd = [\"pass\", \"show\", \"x\"]")
    );
}

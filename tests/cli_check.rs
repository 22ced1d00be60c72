//! `easync check` and the exit codes of configuration errors.

use std::process::Command;

fn easync(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_easync"));
    c.args(args).env_remove("EASYNC_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn write(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("easync-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_valid_configuration_and_its_secret() {
    let path = write(
        "ok.toml",
        "[account.work]\nemail = \"bob@example.com\"\npassword_cmd = [\"echo\", \"hunter2\"]\n",
    );
    let out = easync(&["-c", &path, "check", "--secrets"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("work: bob@example.com") && stdout.contains("secret: fetched"),
        "{stdout}"
    );
    assert!(!stdout.contains("hunter2"), "the secret is never printed");
}

#[test]
fn configuration_errors_exit_78() {
    let bad = write(
        "bad.toml",
        "[account.work]\nemail = \"bob@example.com\"\npasword_cmd = [\"x\"]\n",
    );
    let out = easync(&["-c", &bad, "check"], &[]);
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pasword_cmd"));
    let out = easync(&["check"], &[("EASYNC_CONFIG", "/nonexistent/config.toml")]);
    assert_eq!(out.status.code(), Some(78));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no configuration file at /nonexistent/config.toml")
    );
    let failing = write(
        "fail.toml",
        "[account.work]\nemail = \"bob@example.com\"\npassword_cmd = [\"false\"]\n",
    );
    let out = easync(&["-c", &failing, "check", "--secrets"], &[]);
    assert_eq!(
        out.status.code(),
        Some(78),
        "a password command that fails is a configuration problem"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("account work"));
}

#[test]
fn check_secrets_runs_token_cmd() {
    // `easync check --secrets` said "secret: fetched" for a token_cmd without running it.
    let dir = std::env::temp_dir().join(format!("easync-check-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ran = dir.join("ran");
    let _ = std::fs::remove_file(&ran);
    let path = write(
        "token.toml",
        &format!(
            "[account.m365]\nemail = \"bob@example.com\"\ntoken_cmd = [\"sh\", \"-c\", \"touch {}; echo tok-secret\"]\n",
            ran.display()
        ),
    );
    let out = easync(&["-c", &path, "check", "--secrets"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ran.exists(), "token_cmd ran");
    assert!(
        stdout.contains("secret: fetched") && !stdout.contains("tok-secret"),
        "{stdout}"
    );
    let broken = write(
        "token-broken.toml",
        "[account.m365]\nemail = \"bob@example.com\"\ntoken_cmd = [\"sh\", \"-c\", \"echo expired >&2; exit 2\"]\n",
    );
    let out = easync(&["-c", &broken, "check", "--secrets"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired"));
    std::fs::remove_dir_all(&dir).ok();
}

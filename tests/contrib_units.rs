//! The systemd units in contrib/systemd pass `systemd-analyze verify` (with the test binary in
//! place of `~/.cargo/bin/easync`). Skipped when systemd-analyze is missing, unless
//! EASYNC_REQUIRE_SYSTEMD=1 (CI sets it).

use std::process::Command;

#[test]
fn the_units_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("EASYNC_REQUIRE_SYSTEMD").is_none(),
            "systemd-analyze is required (apt-get install systemd)"
        );
        eprintln!("systemd-analyze not installed: skipped");
        return;
    }
    let src = format!("{}/contrib/systemd", env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("easync-units-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut units = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace("@.", "@work.");
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("%h/.cargo/bin/easync", env!("CARGO_BIN_EXE_easync"));
        assert!(text.contains("[Unit]"), "{name}");
        std::fs::write(dir.join(&name), text).unwrap();
        units.push(dir.join(name));
    }
    assert_eq!(
        units.len(),
        4,
        "watch and serve services, sync service and timer"
    );
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{stderr}");
}

/// `easync watch` exits 77 when a person must act (a sign-in expired or revoked: "run
/// `easync login NAME`", tests/oauth_errors.rs; a device to approve) and 78 on a bad
/// configuration: systemd must not restart it every 30 s into the same refusal, which for a
/// sign-in would also hammer the identity platform.
#[test]
fn the_watch_unit_is_not_restarted_when_a_person_must_act() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/systemd/easync-watch@.service"
    ))
    .unwrap();
    let value = |key: &str| -> Vec<String> {
        unit.lines()
            .filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
            .flat_map(|v| v.split_whitespace().map(String::from).collect::<Vec<_>>())
            .collect()
    };
    assert_eq!(value("Restart"), ["on-failure"], "{unit}");
    let prevented = value("RestartPreventExitStatus");
    for code in ["77", "78"] {
        assert!(prevented.iter().any(|c| c == code), "{code}: {prevented:?}");
    }
}

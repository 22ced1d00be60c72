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

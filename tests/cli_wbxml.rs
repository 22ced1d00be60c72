//! `easync wbxml decode|encode` as a user runs it: the binary, its stdout, stderr and exit code.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn easync(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the easync binary runs");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().unwrap();
    std::thread::spawn(move || pipe.write_all(&input));
    child.wait_with_output().unwrap()
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wbxml")
}

#[test]
fn decode_prints_the_xml_beside_every_vector() {
    let mut n = 0;
    for entry in fs::read_dir(vectors()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wbxml") {
            continue;
        }
        let out = easync(&["wbxml", "decode", path.to_str().unwrap()], None);
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8(out.stdout).unwrap();
        let beside = fs::read_to_string(path.with_extension("xml")).unwrap();
        // Namespace-aware: both parse to the same element tree.
        assert_eq!(
            wbxml::xml::from_xml(&printed).unwrap(),
            wbxml::xml::from_xml(&beside).unwrap(),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert_eq!(n, 61);
}

#[test]
fn encode_reads_stdin_and_writes_the_original_bytes() {
    let xml = fs::read(vectors().join("horde-recurrence.xml")).unwrap();
    let dir = std::env::temp_dir().join(format!("easync-cli-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("out.wbxml");
    let out = easync(
        &["wbxml", "encode", "-", "-o", out_path.to_str().unwrap()],
        Some(&xml),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = fs::read(vectors().join("horde-recurrence.wbxml")).unwrap();
    assert_eq!(fs::read(&out_path).unwrap(), want);
    fs::remove_dir_all(&dir).ok();

    let piped = easync(&["wbxml", "encode", "-"], Some(&xml));
    assert_eq!(
        piped.stdout, want,
        "stdout that is not a terminal gets the bytes"
    );
}

#[test]
fn malformed_input_fails_with_the_offset_and_exit_code_1() {
    let path = vectors().join("negative/goas-child-element-unclosed.wbxml");
    let out = easync(&["wbxml", "decode", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing END for <AirSync:ClientId> opened at byte 5"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no partial XML on failure");
}

#[test]
fn html_error_page_is_named_as_such() {
    let out = easync(
        &["wbxml", "decode", "-"],
        Some(b"<html><body>Login</body></html>"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not WBXML"), "{err}");
}

#[test]
fn unknown_element_in_xml_is_reported() {
    let out = easync(
        &["wbxml", "encode", "-"],
        Some(b"<Sync xmlns=\"AirSync:\"><Bogus/></Sync>"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("<Bogus> at byte 23 is not a tag of code page 0"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = easync(&["wbxml", "frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    let missing = easync(&["wbxml", "decode", "/nonexistent/x.wbxml"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("reading /nonexistent/x.wbxml"));
}

#[test]
fn regression_broken_pipe_is_not_a_panic() {
    // `easync wbxml decode big.wbxml | head -1` once panicked with "failed printing to stdout".
    let path = vectors().join("opush-contact_sync_wm61.wbxml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_easync"))
        .args(["wbxml", "decode", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is read
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

//! The line format of the state files easync keeps beside its exports (`.easync-items` in each
//! maildir and vdir collection; the fields are documented in `docs/exports.md`): a header line
//! `# easync <kind> state <version>`, then one record a line, its fields separated by a tab and
//! percent-escaped (`%`, tab, CR and LF), so any server id or Message-ID fits on its line. A line
//! without a tab is the manifest easync wrote before these state files (one file name a line)
//! and is read as a record of one field. Like mbsync's `.mbsyncstate`, the file is rewritten
//! whole: a temporary file beside it, synced, then renamed over it.

use std::io::{self, Write as _};
use std::path::Path;

/// The one name of the state files (readers of maildirs and vdirs skip dotfiles).
pub(crate) const FILE: &str = ".easync-items";

/// The version of the format this code writes and the newest it reads.
const VERSION: u32 = 1;

/// The records of the state file at `path` (none when it does not exist). A newer version or
/// another kind of state is an error (never misread); a record that does not unescape is
/// skipped with a warning.
pub(crate) fn read(path: &Path, kind: &str) -> io::Result<Vec<Vec<String>>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            check_header(path, comment, kind)?;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match line.split('\t').map(unescape).collect::<Option<Vec<_>>>() {
            Some(fields) => out.push(fields),
            None => tracing::warn!("{}: skipping a damaged line: {line:?}", path.display()),
        }
    }
    Ok(out)
}

/// A header of another kind or a newer version is an error; any other comment is ignored.
fn check_header(path: &Path, comment: &str, kind: &str) -> io::Result<()> {
    let words: Vec<&str> = comment.split_whitespace().collect();
    let ["easync", k, "state", v] = words.as_slice() else {
        return Ok(());
    };
    let newer = v.parse::<u32>().map_or(true, |v| v > VERSION);
    if *k != kind || newer {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: a {k} state of version {v}, not a {kind} state easync can read",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// The text of a state file of `kind` holding `records`.
pub(crate) fn render<'a>(kind: &str, records: impl IntoIterator<Item = Vec<&'a str>>) -> String {
    let mut text = format!("# easync {kind} state {VERSION}\n");
    for fields in records {
        let line: Vec<String> = fields.into_iter().map(escape).collect();
        text.push_str(&line.join("\t"));
        text.push('\n');
    }
    text
}

/// Replaces `path` with `text` atomically (temporary file, fsync, rename), unless it already
/// holds exactly that.
pub(crate) fn write(path: &Path, text: &str) -> io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    let tmp = path.with_file_name(format!("{FILE}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Percent-escapes the bytes that would break a record: `%`, tab, CR, LF.
fn escape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    for c in field.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\t' => out.push_str("%09"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            c => out.push(c),
        }
    }
    out
}

/// The inverse of [`escape`]; `None` for an escape it never writes.
fn unescape(field: &str) -> Option<String> {
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3)?;
        out.push(match code.to_ascii_uppercase().as_str() {
            "25" => '%',
            "09" => '\t',
            "0A" => '\n',
            "0D" => '\r',
            _ => return None,
        });
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Some(out)
}

/// FNV-1a, 64 bits: the content hash of the vdir state (stable across runs and machines).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("easync-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(FILE)
    }

    #[test]
    fn fields_with_tabs_newlines_and_percents_round_trip() {
        let path = temp("round-trip");
        let odd = "a\tb\r\nc%09d";
        write(&path, &render("vdir", [vec!["x.vcf", odd, ""]])).unwrap();
        assert_eq!(read(&path, "vdir").unwrap(), [vec!["x.vcf", odd, ""]]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "one record, one line: {text:?}");
    }

    #[test]
    fn the_old_manifest_reads_as_one_field_records() {
        let path = temp("manifest");
        std::fs::write(&path, "easync-a\n\neasync-b\n").unwrap();
        assert_eq!(
            read(&path, "maildir").unwrap(),
            [vec!["easync-a"], vec!["easync-b"]]
        );
    }

    #[test]
    fn a_newer_or_foreign_state_is_refused_and_a_damaged_line_skipped() {
        let path = temp("versions");
        std::fs::write(&path, "# easync maildir state 2\na\tb\n").unwrap();
        assert!(read(&path, "maildir").is_err());
        std::fs::write(&path, "# easync vdir state 1\na\tb\n").unwrap();
        assert!(read(&path, "maildir").is_err());
        std::fs::write(&path, "# easync maildir state 1\na\t%zz\nc\td\n").unwrap();
        assert_eq!(read(&path, "maildir").unwrap(), [vec!["c", "d"]]);
        assert!(
            read(&path.with_file_name("absent"), "maildir")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}

//! What is on disk in a maildir: the messages of `cur/` and `new/` (the Maildir spec's two
//! directories of delivered mail; names starting with `.` are not messages), each split into
//! its stem and the flags after `:2,`, and the Message-ID of a message (RFC 5322 3.6.4).

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// The two directories of delivered mail, in the order they are searched.
pub(crate) const SUBDIRS: [&str; 2] = ["cur", "new"];

/// How much of a message is read for its Message-ID: headers beyond this are not looked at.
const HEAD_LIMIT: u64 = 64 * 1024;

/// One message file of a maildir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OnDisk {
    /// `cur` or `new`.
    pub sub: &'static str,
    /// The file name.
    pub name: String,
    pub path: PathBuf,
}

impl OnDisk {
    /// The name without its Maildir info (`:2,…`).
    pub fn stem(&self) -> &str {
        self.name.split_once(":2,").map_or(&self.name, |(s, _)| s)
    }

    /// The flags of its info (none for a name without one, as in `new/`).
    pub fn flags(&self) -> &str {
        self.name.split_once(":2,").map_or("", |(_, f)| f)
    }

    /// Whether `letter` is among its flags.
    pub fn has(&self, letter: char) -> bool {
        self.flags().contains(letter)
    }
}

/// The messages of the maildir at `dir`: `cur/` first, then `new/`, each sorted by name. A
/// missing directory holds none; one that cannot be read is an error (its messages would
/// otherwise look deleted); an entry that cannot be read is skipped with a warning.
pub(crate) fn files(dir: &Path) -> io::Result<Vec<OnDisk>> {
    let mut out = Vec::new();
    for sub in SUBDIRS {
        let path = dir.join(sub);
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        };
        let mut here = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => here.extend(message(sub, &entry)),
                Err(e) => tracing::warn!("{}: skipping an entry: {e}", path.display()),
            }
        }
        here.sort_by(|a: &OnDisk, b| a.name.cmp(&b.name));
        out.extend(here);
    }
    Ok(out)
}

/// A directory entry as a message: not a dotfile, not a directory, a UTF-8 name.
fn message(sub: &'static str, entry: &std::fs::DirEntry) -> Option<OnDisk> {
    let name = entry.file_name().into_string().ok()?;
    if name.starts_with('.') || entry.file_type().is_ok_and(|t| t.is_dir()) {
        return None;
    }
    Some(OnDisk {
        sub,
        name,
        path: entry.path(),
    })
}

/// The Message-ID of the message at `path`, read from its header.
pub(crate) fn read_message_id(path: &Path) -> io::Result<Option<String>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(HEAD_LIMIT)
        .read_to_end(&mut head)?;
    Ok(message_id(&head))
}

/// The Message-ID of a message's header (unfolded, without its angle brackets), if any.
pub(crate) fn message_id(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let mut field: Option<String> = None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some(f) = field.as_mut() {
                f.push_str(line);
            }
            continue;
        }
        if let Some(id) = field.take().and_then(|f| id_of(&f)) {
            return Some(id);
        }
        if line.is_empty() {
            return None; // the end of the header
        }
        field = Some(line.to_string());
    }
    field.and_then(|f| id_of(&f))
}

/// The id of a `Message-ID:` field (`None` for any other field or an empty one).
fn id_of(field: &str) -> Option<String> {
    let (name, value) = field.split_once(':')?;
    if !name.trim().eq_ignore_ascii_case("message-id") {
        return None;
    }
    let value = value.trim();
    let id = match (value.find('<'), value.find('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_found_folded_in_any_case_and_only_in_the_header() {
        let m = b"From: a@b\r\nmessage-id:\r\n <x.1@host>\r\nSubject: s\r\n\r\nbody";
        assert_eq!(message_id(m).as_deref(), Some("x.1@host"));
        assert_eq!(
            message_id(b"Message-ID: <y@h>\n\nb").as_deref(),
            Some("y@h")
        );
        assert_eq!(message_id(b"Subject: s\r\n\r\nMessage-ID: <z@h>\r\n"), None);
        assert_eq!(message_id(b"Message-Id:   \r\n\r\n"), None);
        assert_eq!(message_id(b"X-Message-ID: <no@h>\r\n\r\n"), None);
        assert_eq!(message_id(b"Message-ID: bare@h").as_deref(), Some("bare@h"));
    }

    #[test]
    fn names_split_into_stem_and_flags() {
        let f = OnDisk {
            sub: "cur",
            name: "easync-a:2,FS".into(),
            path: PathBuf::from("cur/easync-a:2,FS"),
        };
        assert_eq!((f.stem(), f.flags()), ("easync-a", "FS"));
        assert!(f.has('S') && !f.has('T'));
        let n = OnDisk {
            name: "1700.M1P2.host".into(),
            ..f
        };
        assert_eq!((n.stem(), n.flags()), ("1700.M1P2.host", ""));
    }
}

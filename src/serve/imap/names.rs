//! The mail folders of the mirror as IMAP mailboxes: names by path with `/` between levels,
//! the Inbox as `INBOX` (RFC 3501 5.1), special-use attributes from the EAS folder types
//! (RFC 6154; MS-ASCMD 2.2.3.186.3 Type), LIST patterns with `*` and `%` (RFC 3501 6.3.8).

use crate::store::StoredFolder;

/// One mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The name clients use (UTF-8; shown in modified UTF-7 on the wire).
    pub name: String,
    /// The folder's server id.
    pub folder: String,
    pub folder_type: u8,
    pub has_children: bool,
}

impl Mailbox {
    /// RFC 6154 attribute of the folder, if it has a use.
    pub fn special_use(&self) -> Option<&'static str> {
        match self.folder_type {
            3 => Some("\\Drafts"),
            4 => Some("\\Trash"),
            5 => Some("\\Sent"),
            _ => {
                let leaf = self.name.rsplit('/').next().unwrap_or("");
                let l = leaf.to_ascii_lowercase();
                if l.starts_with("junk") || l == "spam" {
                    Some("\\Junk")
                } else if l == "archive" || l == "archives" {
                    Some("\\Archive")
                } else {
                    None
                }
            }
        }
    }

    /// Messages expunged here are deleted for good (not moved to Deleted Items).
    pub fn is_trash(&self) -> bool {
        self.folder_type == 4
    }
}

/// The mail folders as mailboxes, INBOX first.
pub fn mailboxes(folders: &[StoredFolder]) -> Vec<Mailbox> {
    let by_id = |id: &str| folders.iter().find(|f| f.server_id == id);
    let path = |f: &StoredFolder| {
        let mut names = vec![leaf(f)];
        let mut parent = f.parent_id.as_deref();
        let mut hops = 0;
        while let Some(p) = parent.and_then(by_id) {
            names.push(leaf(p));
            parent = p.parent_id.as_deref();
            hops += 1;
            if hops > 64 {
                break; // a loop in what the server sent: stop
            }
        }
        names.reverse();
        names.join("/")
    };
    let mail: Vec<&StoredFolder> = folders
        .iter()
        .filter(|f| f.class.as_deref() == Some("Email") && !f.orphaned && f.folder_type != 6)
        .collect();
    let mut out: Vec<Mailbox> = mail
        .iter()
        .map(|f| Mailbox {
            name: path(f),
            folder: f.server_id.clone(),
            folder_type: f.folder_type,
            has_children: mail
                .iter()
                .any(|c| c.parent_id.as_deref() == Some(&f.server_id)),
        })
        .collect();
    out.sort_by(|a, b| {
        (a.folder_type != 2, a.name.to_lowercase())
            .cmp(&(b.folder_type != 2, b.name.to_lowercase()))
    });
    dedupe(&mut out);
    out
}

/// A folder's own name: `INBOX` for the Inbox, `/` inside a name made `_` (it is the delimiter).
fn leaf(f: &StoredFolder) -> String {
    if f.folder_type == 2 {
        "INBOX".into()
    } else {
        f.name.replace('/', "_")
    }
}

/// Two folders with the same path (the server allows it, IMAP does not): the later ones get
/// their server id appended.
fn dedupe(boxes: &mut [Mailbox]) {
    let mut seen = std::collections::HashSet::new();
    for b in boxes.iter_mut() {
        if !seen.insert(b.name.to_lowercase()) {
            b.name = format!("{} ({})", b.name, b.folder);
        }
    }
}

/// The mailbox a client named (INBOX case-insensitively, RFC 3501 5.1).
pub fn find<'a>(boxes: &'a [Mailbox], name: &str) -> Option<&'a Mailbox> {
    let name = norm(name.trim_end_matches('/'));
    boxes.iter().find(|b| norm(&b.name) == name)
}

/// `INBOX` as the first level of a name, in capitals (the one case-insensitive name).
fn norm(name: &str) -> String {
    let head = name.split('/').next().unwrap_or("");
    if head.eq_ignore_ascii_case("INBOX") {
        format!("INBOX{}", &name[head.len()..])
    } else {
        name.to_string()
    }
}

/// Whether `name` matches a LIST pattern: `*` anything, `%` anything but the delimiter.
/// Dynamic programming over (pattern, name) positions: no pattern backtracks exponentially.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = norm(pattern).chars().collect();
    let n: Vec<char> = norm(name).chars().collect();
    // ok[j]: the pattern so far matches n[..j].
    let mut ok = vec![false; n.len() + 1];
    ok[0] = true;
    for &c in &p {
        let mut next = vec![false; n.len() + 1];
        match c {
            '*' | '%' => {
                for j in 0..=n.len() {
                    next[j] = ok[j] || (j > 0 && next[j - 1] && (c == '*' || n[j - 1] != '/'));
                }
            }
            _ => {
                for j in 1..=n.len() {
                    next[j] = ok[j - 1] && n[j - 1] == c;
                }
            }
        }
        ok = next;
    }
    ok[n.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(id: &str, parent: Option<&str>, name: &str, t: u8) -> StoredFolder {
        StoredFolder {
            server_id: id.into(),
            parent_id: parent.map(str::to_string),
            name: name.into(),
            folder_type: t,
            class: Some(if t == 8 { "Calendar" } else { "Email" }.into()),
            sync_key: "0".into(),
            filter_type: None,
            last_sync: None,
            resync: false,
            orphaned: false,
        }
    }

    #[test]
    fn folders_become_paths_with_inbox_first_and_special_uses() {
        let boxes = mailboxes(&[
            folder("5", None, "Sent Items", 5),
            folder("2", None, "Inbox", 2),
            folder("7", Some("2"), "Lists/Rust", 12),
            folder("8", None, "Calendar", 8),
            folder("4", None, "Deleted Items", 4),
            folder("9", None, "Junk Email", 12),
        ]);
        let names: Vec<&str> = boxes.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "INBOX",
                "Deleted Items",
                "INBOX/Lists_Rust",
                "Junk Email",
                "Sent Items"
            ]
        );
        assert!(boxes[0].has_children);
        assert_eq!(boxes[1].special_use(), Some("\\Trash"));
        assert_eq!(boxes[3].special_use(), Some("\\Junk"));
        assert_eq!(find(&boxes, "inbox").map(|b| b.folder.as_str()), Some("2"));
        assert_eq!(
            find(&boxes, "Inbox/Lists_Rust").map(|b| b.folder.as_str()),
            Some("7")
        );
        assert_eq!(
            find(&boxes, "Sent Items").map(|b| b.folder.as_str()),
            Some("5")
        );
        assert!(find(&boxes, "Calendar").is_none());
    }

    #[test]
    fn list_patterns_star_crosses_levels_percent_does_not() {
        assert!(matches("*", "INBOX/Lists"));
        assert!(matches("%", "INBOX"));
        assert!(!matches("%", "INBOX/Lists"));
        assert!(matches("INBOX/%", "INBOX/Lists"));
        assert!(matches("inbox", "INBOX"));
        assert!(matches("S*", "Sent Items"));
        assert!(!matches("S%x", "Sent Items"));
        assert!(matches("*/Rust", "INBOX/Lists/Rust"));
        assert!(!matches("%/Rust", "INBOX/Lists/Rust"));
        let long = "a".repeat(60);
        assert!(
            !matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", &long),
            "no exponential backtracking"
        );
    }
}

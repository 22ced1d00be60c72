//! `[[account.NAME.export]]`: exports run after every sync (`easync sync`, and `easync watch`
//! after each change), checked when the file is read.
//!
//! ```toml
//! [[account.work.export]]
//! what = "contacts"                        # or "calendar", "tasks", "mail"
//! vdir = "~/.local/share/contacts/work"    # or: out = "~/work.vcf"
//! vcard = 3                                # contacts: 3 (default) or 4
//! folders = ["Contacts"]                   # default: every folder of that class
//!
//! [[account.work.export]]
//! what = "mail"
//! maildir = "~/Mail/work"                  # one maildir per mail folder; changes made in
//!                                          # them (flags, moves, deletes) go back to the server
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use crate::export::calendar::CalendarExport;
use crate::export::contacts::ContactsExport;
use crate::export::{Export, Target};

/// One `[[account.NAME.export]]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExport {
    pub what: String,
    pub vdir: Option<String>,
    pub out: Option<String>,
    pub vcard: Option<u8>,
    pub maildir: Option<String>,
    #[serde(default)]
    pub folders: Vec<String>,
}

/// `~/x` → `$HOME/x`.
fn expand(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn mail(raw: &RawExport) -> Result<Export, String> {
    if raw.vdir.is_some() || raw.out.is_some() || raw.vcard.is_some() {
        return Err("a mail export takes maildir = \"DIR\" (not vdir, out or vcard)".into());
    }
    let Some(root) = &raw.maildir else {
        return Err("a mail export needs maildir = \"DIR\"".into());
    };
    Ok(Export::Mail(crate::export::MailExport {
        root: expand(root),
        folders: raw.folders.clone(),
    }))
}

/// Checks one export.
pub fn resolve(raw: &RawExport) -> Result<Export, String> {
    match raw.what.as_str() {
        "contacts" | "calendar" | "tasks" if raw.maildir.is_some() => {
            return Err(
                "export.maildir is for what = \"mail\"; contacts and calendars take vdir or out"
                    .into(),
            );
        }
        "contacts" | "calendar" | "tasks" => {}
        "mail" => return mail(raw),
        other => {
            return Err(format!(
                "export.what = {other:?}: use \"contacts\", \"calendar\", \"tasks\" or \"mail\""
            ));
        }
    }
    let target = match (&raw.vdir, &raw.out) {
        (Some(d), None) => Target::Vdir(expand(d)),
        (None, Some(f)) => Target::File(expand(f)),
        _ => return Err("an export needs exactly one of vdir = \"DIR\" and out = \"FILE\"".into()),
    };
    let folders = raw.folders.clone();
    if raw.what != "contacts" {
        if raw.vcard.is_some() {
            return Err("export.vcard applies to contacts only".into());
        }
        let tasks = raw.what == "tasks";
        return Ok(Export::Calendar(CalendarExport {
            target,
            folders,
            tasks,
        }));
    }
    let v4 = match raw.vcard.unwrap_or(3) {
        3 => false,
        4 => true,
        n => return Err(format!("export.vcard = {n}: use 3 or 4")),
    };
    Ok(Export::Contacts(ContactsExport {
        target,
        folders,
        v4,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_checked() {
        let ok = RawExport {
            what: "contacts".into(),
            vdir: Some("/tmp/x".into()),
            ..RawExport::default()
        };
        let Export::Contacts(c) = resolve(&ok).unwrap() else {
            panic!("contacts")
        };
        assert_eq!(c.target, Target::Vdir("/tmp/x".into()));
        let both = RawExport {
            out: Some("a.vcf".into()),
            ..ok.clone()
        };
        assert!(resolve(&both).unwrap_err().contains("exactly one"));
        let cal = RawExport {
            what: "calendar".into(),
            ..ok.clone()
        };
        assert!(matches!(resolve(&cal), Ok(Export::Calendar(_))));
        let mail = RawExport {
            what: "mail".into(),
            ..ok.clone()
        };
        assert!(resolve(&mail).unwrap_err().contains("maildir = \"DIR\""));
        let maildir = RawExport {
            what: "mail".into(),
            maildir: Some("/m".into()),
            ..RawExport::default()
        };
        let Ok(Export::Mail(m)) = resolve(&maildir) else {
            panic!("{:?}", resolve(&maildir));
        };
        assert_eq!(m.root, std::path::Path::new("/m"));
        let contacts_maildir = RawExport {
            maildir: Some("/m".into()),
            ..ok.clone()
        };
        assert!(
            resolve(&contacts_maildir)
                .unwrap_err()
                .contains("what = \"mail\"")
        );
        let v5 = RawExport {
            vcard: Some(5),
            ..ok
        };
        assert!(resolve(&v5).unwrap_err().contains("use 3 or 4"));
    }
}

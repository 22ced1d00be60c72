//! What `easync contacts query` prints: one address a line, in the form the caller reads.
//!
//! - mutt's `query_command` (mutt `query.c`): a first line of free text (shown as a message,
//!   or as the error when the command fails), then `address<TAB>name<TAB>other` lines;
//! - aerc's `address-book-cmd` (aerc-config(5), `completer.go`): `address<TAB>name` lines, no
//!   header (a line that is no address is skipped with a warning), at most 100 read;
//! - plain: `Name <address>` and where it came from, for people;
//! - JSON lines for scripts.
//!
//! Every string may come from the server: control characters are removed and tabs become
//! spaces ([`crate::text::one_line`]), so a name cannot break the columns or the terminal.

use std::fmt::Write as _;

use clap::ValueEnum;
use serde::Serialize;

use crate::text::one_line;

/// The output form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// mutt/neomutt `query_command`: a first line, then address TAB name TAB other.
    Mutt,
    /// aerc `address-book-cmd`: address TAB name.
    Aerc,
    /// `Name <address>` with its source, for reading.
    Plain,
}

/// Where an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A mirrored contact.
    Contact,
    /// The server's Global Address List.
    Directory,
}

/// One address found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub address: String,
    pub name: Option<String>,
    pub source: Source,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    /// The contact's item id in the mirror.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<i64>,
}

/// The most lines aerc reads.
const AERC_LINES: usize = 100;

fn clean(s: &str) -> String {
    one_line(s).trim().to_string()
}

impl Entry {
    /// mutt's third column: the source, then title and company.
    fn other(&self) -> String {
        let source = match self.source {
            Source::Contact => "contact",
            Source::Directory => "directory",
        };
        let mut parts = vec![source.to_string()];
        parts.extend(
            [&self.title, &self.company]
                .into_iter()
                .flatten()
                .map(|s| clean(s)),
        );
        parts.retain(|p| !p.is_empty());
        parts.join(", ")
    }

    fn name_or_empty(&self) -> String {
        self.name.as_deref().map(clean).unwrap_or_default()
    }
}

/// The text to print for `entries` found for `query`.
pub fn render(format: Format, json: bool, query: &str, entries: &[Entry]) -> String {
    let mut out = String::new();
    if json {
        for e in entries {
            let _ = writeln!(out, "{}", serde_json::to_string(e).unwrap_or_default());
        }
        return out;
    }
    match format {
        Format::Mutt => {
            let _ = writeln!(out, "{}", first_line(query, entries));
            for e in entries {
                let address = clean(&e.address);
                let _ = writeln!(out, "{address}\t{}\t{}", e.name_or_empty(), e.other());
            }
        }
        Format::Aerc => {
            for e in entries.iter().take(AERC_LINES) {
                let _ = writeln!(out, "{}\t{}", clean(&e.address), e.name_or_empty());
            }
        }
        Format::Plain => {
            for e in entries {
                let who = match e.name_or_empty() {
                    n if n.is_empty() => clean(&e.address),
                    n => format!("{n} <{}>", clean(&e.address)),
                };
                let _ = writeln!(out, "{who}  ({})", e.other());
            }
        }
    }
    out
}

/// mutt's first line: how many were found.
fn first_line(query: &str, entries: &[Entry]) -> String {
    let q = clean(query);
    let local = entries
        .iter()
        .filter(|e| e.source == Source::Contact)
        .count();
    let dir = entries.len() - local;
    match entries.len() {
        0 => format!("easync: no address matches '{q}'"),
        n => format!("easync: {n} for '{q}' ({local} from contacts, {dir} from the directory)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(address: &str, name: Option<&str>, source: Source) -> Entry {
        Entry {
            address: address.into(),
            name: name.map(String::from),
            source,
            company: Some("Example\tAG".into()),
            title: None,
            phone: None,
            item_id: None,
        }
    }

    #[test]
    fn mutt_aerc_and_plain_lines() {
        let found = [
            entry(
                "bob@example.test",
                Some("Bob \u{1b}[2JExample"),
                Source::Contact,
            ),
            entry("ana@example.test", None, Source::Directory),
        ];
        let mutt = render(Format::Mutt, false, "b", &found);
        let lines: Vec<&str> = mutt.lines().collect();
        assert_eq!(
            lines[0],
            "easync: 2 for 'b' (1 from contacts, 1 from the directory)"
        );
        assert_eq!(
            lines[1],
            "bob@example.test\tBob [2JExample\tcontact, Example AG"
        );
        assert_eq!(lines[2], "ana@example.test\t\tdirectory, Example AG");
        let aerc = render(Format::Aerc, false, "b", &found);
        assert_eq!(
            aerc,
            "bob@example.test\tBob [2JExample\nana@example.test\t\n"
        );
        let plain = render(Format::Plain, false, "b", &found);
        assert!(plain.starts_with("Bob [2JExample <bob@example.test>  (contact, Example AG)\n"));
        let json = render(Format::Mutt, true, "b", &found[..1]);
        assert!(json.contains("\"source\":\"contact\"") && json.ends_with("}\n"));
        let none = render(Format::Mutt, false, "zz", &[]);
        assert_eq!(none, "easync: no address matches 'zz'\n");
    }
}

//! `easync contacts query TEXT`: addresses for a mail client's completion — the mirrored
//! contacts, then the server's Global Address List (Search GAL, [`gal`]), one address a line in
//! mutt's, aerc's or a plain form ([`format`]).

mod format;
mod gal;

use std::collections::HashSet;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};

use self::format::{Entry, Format, Source};
use self::gal::{GalCache, GalHit, MIN_QUERY_CHARS};
use crate::store::{ContactCard, Store};

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Look addresses up for a mail client: the mirrored contacts, then the Global Address
    /// List (`easync contacts query --help`).
    Query(QueryArgs),
}

const QUERY_HELP: &str = "\
Prints the addresses whose contact (name, FileAs, nickname, company or address) contains TEXT,
case-insensitively: first the mirrored contacts (a contact with several addresses gives several
lines), then the matches of the server's Global Address List (Search GAL, the first 50), each
address once. The directory's answer is kept 10 minutes ($XDG_CACHE_HOME/easync/gal-ACCOUNT.json)
so a mail client asking on every key does not ask the server each time; servers do not answer
queries under 3 characters, so those are looked up locally only. When the server cannot be
reached the contacts are printed alone and a note goes to standard error.

Exit status: 0 when something matched, 1 when nothing did (mutt expects that), 78 for a
configuration error.

mutt / neomutt (~/.muttrc; mutt quotes %s itself, the extra quotes are harmless and the words
of a split query are joined again):
    set query_command = \"easync contacts query -a work '%s'\"
aerc (aerc.conf [compose], or per account in accounts.conf):
    address-book-cmd = easync contacts query -a work --format aerc %s";

#[derive(Debug, Args)]
#[command(after_long_help = QUERY_HELP)]
pub struct QueryArgs {
    /// The account (default: the only one).
    #[arg(short, long)]
    account: Option<String>,
    /// What to look for (several words are one text, as a mail client may split it).
    #[arg(required = true, value_name = "TEXT")]
    text: Vec<String>,
    /// The output: mutt (query_command: a first line, then address TAB name TAB other), aerc
    /// (address-book-cmd: address TAB name) or plain.
    #[arg(long, value_enum, default_value = "mutt")]
    format: Format,
    /// JSON lines (address, name, source, company, title, phone, item_id) instead.
    #[arg(long)]
    json: bool,
    /// The mirrored contacts only; the server is not asked.
    #[arg(long)]
    local: bool,
    /// Ask the server even when a recent answer is cached.
    #[arg(long)]
    fresh: bool,
}

impl ContactsCommand {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        match self {
            Self::Query(args) => args.execute(config_file),
        }
    }
}

/// `"Name" <addr>` or `addr` as (name, address); `None` when there is no address in it.
fn split_address(s: &str) -> Option<(Option<String>, String)> {
    let s = s.trim();
    let inner = s.rfind('<').zip(s.rfind('>')).filter(|(l, r)| l < r);
    let (name, address) = match inner {
        Some((l, r)) => (s[..l].trim().trim_matches('"').trim(), s[l + 1..r].trim()),
        None => ("", s),
    };
    let name = (!name.is_empty()).then(|| name.to_string());
    address.contains('@').then(|| (name, address.to_string()))
}

/// The addresses of the matching contacts, one entry per address.
fn local_entries(cards: &[ContactCard]) -> Vec<Entry> {
    let mut out = Vec::new();
    for card in cards {
        for raw in &card.emails {
            let Some((embedded, address)) = split_address(raw) else {
                continue;
            };
            out.push(Entry {
                address,
                name: card.name().or(embedded),
                source: Source::Contact,
                company: card.company.clone(),
                title: card.job_title.clone(),
                phone: None,
                item_id: Some(card.item_id),
            });
        }
    }
    out
}

fn directory_entry(h: GalHit) -> Entry {
    Entry {
        address: h.address,
        name: h.name,
        source: Source::Directory,
        company: h.company,
        title: h.title,
        phone: h.phone,
        item_id: None,
    }
}

/// Local first, each address once (case-insensitively).
fn merge(local: Vec<Entry>, directory: Vec<Entry>) -> Vec<Entry> {
    let mut seen = HashSet::new();
    local
        .into_iter()
        .chain(directory)
        .filter(|e| seen.insert(e.address.to_lowercase()))
        .collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl QueryArgs {
    fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let text = self.text.join(" ").trim().to_string();
        if text.is_empty() {
            anyhow::bail!("nothing to look for: give a part of a name or an address");
        }
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let mut db = Store::open(&acct.database)?;
        let local = local_entries(&db.contacts_matching(&text)?);
        let ask = !self.local && text.chars().count() >= MIN_QUERY_CHARS;
        let hits = match ask {
            true => super::runtime()?.block_on(directory(&acct, &mut db, &text, self.fresh)),
            false => Vec::new(),
        };
        let entries = merge(local, hits.into_iter().map(directory_entry).collect());
        super::write_stdout(format::render(self.format, self.json, &text, &entries).as_bytes())?;
        if entries.is_empty() {
            return Err(super::QuietExit(1).into());
        }
        Ok(())
    }
}

/// The directory's matches: cached, or asked now (and cached); none, with a note on stderr,
/// when the server cannot answer.
async fn directory(
    acct: &crate::config::Account,
    db: &mut Store,
    text: &str,
    fresh: bool,
) -> Vec<GalHit> {
    let cache = GalCache::for_account(&acct.name);
    if !fresh && let Some(hits) = cache.as_ref().and_then(|c| c.get(text, now())) {
        return hits;
    }
    match gal::search(acct, db, text).await {
        Ok(hits) => {
            if let Some(c) = &cache {
                c.put(text, &hits, now());
            }
            hits
        }
        Err(e) => {
            eprintln!("easync: the directory was not asked ({e:#}); contacts only");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_and_merge_local_first() {
        assert_eq!(
            split_address("\"Bob E.\" <bob@example.test>"),
            Some((Some("Bob E.".into()), "bob@example.test".into()))
        );
        assert_eq!(
            split_address(" ana@x.test "),
            Some((None, "ana@x.test".into()))
        );
        assert_eq!(split_address("no address"), None);
        let e = |a: &str, s| Entry {
            address: a.into(),
            name: None,
            source: s,
            company: None,
            title: None,
            phone: None,
            item_id: None,
        };
        let merged = merge(
            vec![e("Bob@x.test", Source::Contact)],
            vec![
                e("bob@x.test", Source::Directory),
                e("ana@x.test", Source::Directory),
            ],
        );
        let got: Vec<_> = merged
            .iter()
            .map(|m| (m.address.as_str(), m.source))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Bob@x.test", Source::Contact),
                ("ana@x.test", Source::Directory)
            ]
        );
    }
}

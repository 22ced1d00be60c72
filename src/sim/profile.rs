//! Server profiles: named switches that make the simulator behave like a real server instead
//! of sending what is convenient. Each switch models one behaviour a real server (Exchange, or
//! the open-source server captured in the shared EAS notes, `server-behaviour/`) shows and the specification allows; a
//! client must survive every one of them. [`Profile::simple`] (all off, `Profile::default()`)
//! is the simulator as it always was; [`Profile::exchange`] turns on everything Exchange does
//! (all but [`NOT_IN_EXCHANGE`]) and is what `SimConfig::default()`, `easync sim serve`,
//! `easync demo` and the tests use.
//!
//! [`Profile::exchange_2013`] is Exchange before 2016 (EAS 14.x): everything Exchange does but
//! `mailbox-search-110` and `find-total-zero`, so Search of the Mailbox answers (Find did not
//! exist yet); serve it with `--versions 12.1,14.0,14.1`.
//!
//! Chosen with `easync sim serve --profile exchange|exchange-2013|simple` and `--quirk NAME` (repeatable,
//! `--quirk no-NAME` turns one off), or `SimConfig { profile, .. }` in a test.
//!
//! | name | what the client gets | models |
//! |---|---|---|
//! | `partial-email-changes` | a `Change` of a mail it has seen carries only `Email:Read`, `Email:Flag` (an empty `<Flag/>` when cleared), `Email:Categories` (an empty `<Categories/>` when none) and, on 14.0+ with a flag set, `Email2:LastVerbExecuted`: no subject, sender, body or attachments | MS-ASCMD 2.2.3.24 `Change`, MS-ASEMAIL 2.2.2; captured in `shared/eas/server-behaviour/sync-email-partial-change` |
//! | `fresh-sync-keys` | every Sync response gives each collection a SyncKey never sent before (`gen:modseq:idx#n`); any key of the folder's current generation is still accepted | Exchange issues a new key on every response (MS-ASCMD 2.2.3.177.3) |
//! | `spread-deletions` | at most [`SPREAD_DELETES`] `Delete`/`SoftDelete` per collection per response; the rest follow with `MoreAvailable` | servers page deletions like any change (MS-ASCMD 2.2.3.106) |
//! | `late-nested-folders` | FolderSync holds back a folder whose parent is itself new in this round; the round is Status 1 with a new key, the next round brings the child as `Add` | PITFALLS 30: nested folders a round late |
//! | `odd-items` | a few mails ([`super::mail::oddity`]) have a windows-1252 body `Data` sent as OPAQUE, or empty numeric elements (`<email:Importance/>`, `<airsyncbase:EstimatedDataSize/>`) | servers pass through what the store holds (MS-ASWBXML 2.1.2.1 OPAQUE) |
//! | `delete-then-add` | a changed item it has seen comes (1 in 5, [`delete_then_add`]) as `Delete x` then `Add x` (same ServerId, whole item) in one response | servers that replace an item instead of changing it; the commands' order matters (MS-ASCMD 2.2.3.32) |
//! | `change-before-add` | a new mail (1 in 20, [`change_before_add`]) is announced by a `Change x` carrying only `<email:Read>`, then its `Add x` in the same response | a read flag set while the server was still delivering the mail: a Change for a ServerId the client does not know yet |
//! | `server-wins-conflicts` | its `Change` or `Delete` of an item the server changed after the SyncKey it sent is answered Status 7 and not applied, and the server's version comes in the same response, unless the collection's `Options/Conflict` is 0 (then the client's change is applied); off, the client always wins | MS-ASCMD 2.2.3.34 `Conflict` (absent: the server wins) |
//! | `echo-moves` | after its own MoveItems, its next Syncs bring the `Delete` in the source folder and the `Add` in the destination (off: only other devices get them) | servers that do not tell the moving device apart (not Exchange: [`NOT_IN_EXCHANGE`]) |
//! | `mailbox-search-110` | Search of the `Mailbox` store answers Store Status 110 and finds nothing (off: it searches, `search_mailbox`) | Exchange 2016 and later, Exchange Online: free-text mailbox Search fails with 110, Find (16.1) is the search that works (pyactivesync README, PITFALLS 18) |
//! | `search-one-collection` | Search of the Mailbox looks only in the last `CollectionId` of the request (off: in each) | SOGo, which reads one `CollectionId` (`lastObject`) in Search as in Sync and GetItemEstimate (`SOGoActiveSyncDispatcher.m`; measured: nine CollectionIds, Total 0) — not Exchange ([`NOT_IN_EXCHANGE`]) |
//! | `find-total-zero` | Find's `Total` is 0 even when `Result`s are sent | "real Exchange servers can even send Total=0 with a non-empty page" (pyactivesync `client.py`): a client counts the `Result`s |
//!
//! Behaviours that are operations rather than switches live on [`super::Sim`]:
//! `set_collection_status`, `recreate_folder`, `forget_device`, `set_mail_flags`, `delete_items`.

use std::str::FromStr;

/// The most `Delete`/`SoftDelete` commands per collection per response with `spread_deletions`.
pub const SPREAD_DELETES: usize = 5;

/// Which real-server behaviours the simulator shows; one switch per behaviour (see the module
/// documentation for what each one sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Profile {
    /// An Email `Change` carries only the changed state (Read, Flag, Categories), never the
    /// whole item (MS-ASCMD 2.2.3.24; MS-ASEMAIL 2.2.2; the captured partial Change).
    pub partial_email_changes: bool,
    /// Every Sync response carries a SyncKey never sent before, as Exchange does
    /// (MS-ASCMD 2.2.3.177.3); the suffix is ignored when a key comes back.
    pub fresh_sync_keys: bool,
    /// At most [`SPREAD_DELETES`] deletions per collection per response, the rest with
    /// `MoreAvailable` (MS-ASCMD 2.2.3.106).
    pub spread_deletions: bool,
    /// FolderSync sends a folder whose parent is new in the same round one round later
    /// (PITFALLS 30).
    pub late_nested_folders: bool,
    /// A few mails have non-UTF-8 OPAQUE body data or empty numeric elements
    /// ([`super::mail::oddity`]).
    pub odd_items: bool,
    /// 1 in 5 changes of a seen item are sent as `Delete` + `Add` of the same ServerId
    /// ([`delete_then_add`]).
    pub delete_then_add: bool,
    /// 1 in 20 new mails are preceded by a `Change` with only `<email:Read>`
    /// ([`change_before_add`]).
    pub change_before_add: bool,
    /// A client's Change or Delete of an item changed on the server after its SyncKey answers
    /// Status 7 unless `Options/Conflict` is 0 (MS-ASCMD 2.2.3.34); off, the client wins.
    pub server_wins_conflicts: bool,
    /// The moving device is sent its own moves back (Delete in the source, Add in the
    /// destination); not Exchange.
    pub echo_moves: bool,
    /// Search of the Mailbox answers Store Status 110, as Exchange 2016+ and Exchange Online
    /// do (pyactivesync; PITFALLS 18); off, it searches (`search_mailbox`).
    pub mailbox_search_110: bool,
    /// Find's `Total` is 0 whatever it sends (pyactivesync `client.py`: Exchange does this).
    pub find_total_zero: bool,
    /// Search of the Mailbox looks only in the request's last CollectionId, as SOGo does;
    /// not Exchange.
    pub search_one_collection: bool,
}

/// The kebab-case names of the switches, with one line each (for `--help` and errors).
pub const QUIRKS: [(&str, &str); 12] = [
    (
        "partial-email-changes",
        "an Email Change carries only Read, Flag, Categories",
    ),
    (
        "fresh-sync-keys",
        "every Sync response gives each collection a new SyncKey",
    ),
    (
        "spread-deletions",
        "at most 5 deletions per collection per response",
    ),
    (
        "late-nested-folders",
        "FolderSync sends a folder whose parent is new one round late",
    ),
    (
        "odd-items",
        "a few mails with windows-1252 OPAQUE bodies or empty numeric elements",
    ),
    (
        "delete-then-add",
        "1 in 5 changes come as Delete + Add of the same ServerId",
    ),
    (
        "change-before-add",
        "1 in 20 new mails are announced by a Change before their Add",
    ),
    (
        "server-wins-conflicts",
        "a client Change/Delete of an item changed since its key answers Status 7",
    ),
    (
        "echo-moves",
        "the moving device is sent its own moves back (not Exchange)",
    ),
    (
        "mailbox-search-110",
        "Search of the Mailbox answers Store Status 110 (Exchange 2016+; use Find)",
    ),
    (
        "find-total-zero",
        "Find's Total is 0 even when it sends results (Exchange)",
    ),
    (
        "search-one-collection",
        "Search of the Mailbox looks only in the last CollectionId (SOGo, not Exchange)",
    ),
];

/// The switches Exchange before 2016 ([`Profile::exchange_2013`]) did not show.
pub const NOT_IN_EXCHANGE_2013: [&str; 2] = ["mailbox-search-110", "find-total-zero"];

/// The switches [`Profile::exchange`] leaves off: behaviours of other servers.
pub const NOT_IN_EXCHANGE: [&str; 2] = ["echo-moves", "search-one-collection"];

impl Profile {
    /// Today's simulator: every switch off (the default).
    pub fn simple() -> Self {
        Self::default()
    }

    /// Every behaviour Exchange shows on (all but [`NOT_IN_EXCHANGE`]).
    pub fn exchange() -> Self {
        let mut p = Self::default();
        for (name, _) in QUIRKS {
            if !NOT_IN_EXCHANGE.contains(&name) {
                *p.switch(name).expect("a name of QUIRKS") = true;
            }
        }
        p
    }

    /// Exchange 2010/2013 (EAS 14.x): as [`Profile::exchange`], but Search of the Mailbox
    /// answers with what it finds (MS-ASCMD 2.2.1.16) and Find's Total counts.
    pub fn exchange_2013() -> Self {
        let mut p = Self::exchange();
        for name in NOT_IN_EXCHANGE_2013 {
            *p.switch(name).expect("a name of QUIRKS") = false;
        }
        p
    }

    fn switch(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "partial-email-changes" => &mut self.partial_email_changes,
            "fresh-sync-keys" => &mut self.fresh_sync_keys,
            "spread-deletions" => &mut self.spread_deletions,
            "late-nested-folders" => &mut self.late_nested_folders,
            "odd-items" => &mut self.odd_items,
            "delete-then-add" => &mut self.delete_then_add,
            "change-before-add" => &mut self.change_before_add,
            "server-wins-conflicts" => &mut self.server_wins_conflicts,
            "echo-moves" => &mut self.echo_moves,
            "mailbox-search-110" => &mut self.mailbox_search_110,
            "find-total-zero" => &mut self.find_total_zero,
            "search-one-collection" => &mut self.search_one_collection,
            _ => return None,
        })
    }

    /// Turns one switch on by its kebab-case name, or off as `no-NAME`.
    pub fn set_quirk(&mut self, name: &str) -> Result<(), String> {
        let (name, on) = match name.strip_prefix("no-") {
            Some(rest) => (rest, false),
            None => (name, true),
        };
        let names: Vec<&str> = QUIRKS.iter().map(|(n, _)| *n).collect();
        let slot = self
            .switch(name)
            .ok_or_else(|| format!("unknown quirk {name:?} (one of {})", names.join(", ")))?;
        *slot = on;
        Ok(())
    }

    /// The names of the switches that are on.
    pub fn quirks(&self) -> Vec<&'static str> {
        let mut copy = *self;
        QUIRKS
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| copy.switch(n).is_some_and(|on| *on))
            .collect()
    }
}

impl FromStr for Profile {
    type Err = String;

    /// `simple`, `exchange` or `exchange-2013`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "simple" => Ok(Self::simple()),
            "exchange" => Ok(Self::exchange()),
            "exchange-2013" => Ok(Self::exchange_2013()),
            _ => Err(format!(
                "unknown profile {s:?} (simple, exchange or exchange-2013; single switches \
                 with --quirk)"
            )),
        }
    }
}

/// Whether the change of item `idx` at `version` is sent as `Delete` + `Add` with
/// `delete_then_add`: 1 in 5, by index and version.
pub fn delete_then_add(idx: u32, version: u32) -> bool {
    (idx + version).is_multiple_of(5)
}

/// Whether new mail `idx` is announced by a `Change` before its `Add` with
/// `change_before_add`: 1 in 20 (indices 10, 30, 50…).
pub fn change_before_add(idx: u32) -> bool {
    idx % 20 == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_and_quirks_parse_by_name() {
        assert_eq!("simple".parse(), Ok(Profile::default()));
        let all: Profile = "exchange".parse().unwrap();
        assert_eq!(all.quirks().len(), QUIRKS.len() - NOT_IN_EXCHANGE.len());
        assert!(all.partial_email_changes && all.change_before_add && all.odd_items);
        assert!(all.server_wins_conflicts && !all.echo_moves);
        let mut other = Profile::exchange();
        for q in NOT_IN_EXCHANGE {
            other.set_quirk(q).unwrap();
        }
        assert_eq!(other.quirks().len(), QUIRKS.len());
        assert!(!all.search_one_collection, "SOGo's, not Exchange's");
        let mut p = Profile::simple();
        p.set_quirk("spread-deletions").unwrap();
        assert_eq!(p.quirks(), vec!["spread-deletions"]);
        let mut q = Profile::exchange();
        q.set_quirk("no-odd-items").unwrap();
        assert!(!q.odd_items && q.fresh_sync_keys);
        assert!(p.set_quirk("nope").unwrap_err().contains("unknown quirk"));
        assert!("outlook".parse::<Profile>().is_err());
        let old: Profile = "exchange-2013".parse().unwrap();
        assert!(!old.mailbox_search_110 && !old.find_total_zero && old.partial_email_changes);
        assert!(all.mailbox_search_110 && all.find_total_zero);
    }

    #[test]
    fn the_deterministic_rules_hit_their_share() {
        let n = (1..=100).filter(|&i| delete_then_add(i, 1)).count();
        assert_eq!(n, 20);
        assert_eq!((1..=100).filter(|&i| change_before_add(i)).count(), 5);
    }
}

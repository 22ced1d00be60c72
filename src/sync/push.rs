//! Push (MS-ASCMD 2.2.1.13 Ping) decisions, free of I/O so they can be tested alone: which
//! folders to watch, what each Ping status asks for, and the adaptive heartbeat.
//!
//! The heartbeat follows the pattern that held up in the field (AOSP's Exchange client, see
//! ../shared/eas/PITFALLS.md "Ping rules"): start from the configured value, adopt the server's
//! bound on Status 5, rise by a step after each clean expiry, drop below the point where the
//! connection died when a NAT or proxy cut it early, and after repeated failures fall back to
//! periodic syncs until a Ping works again.

use std::time::Duration;

use crate::proto::ping::{PingResponse, PingStatus};
use crate::store::StoredFolder;

/// The range every server accepts (MS-ASCMD 2.2.3.88.2).
pub const MIN_HEARTBEAT: u32 = 60;
pub const MAX_HEARTBEAT: u32 = 3540;
/// How much a clean expiry raises the heartbeat.
pub const STEP: u32 = 60;
/// Consecutive failed Pings before falling back to periodic syncs.
pub const FALLBACK_AFTER: u32 = 3;

/// The heartbeat in seconds and what has been learned about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    current: u32,
    min: u32,
    max: u32,
    /// Below the point where a connection was cut: not exceeded again.
    ceiling: Option<u32>,
    failures: u32,
}

impl Heartbeat {
    pub fn new(start: u32) -> Self {
        Self {
            current: start.clamp(MIN_HEARTBEAT, MAX_HEARTBEAT),
            min: MIN_HEARTBEAT,
            max: MAX_HEARTBEAT,
            ceiling: None,
            failures: 0,
        }
    }

    pub fn seconds(&self) -> u32 {
        self.current
    }

    /// Consecutive failed Pings.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether Pings failed so often that periodic syncs should take over for a while.
    pub fn fall_back(&self) -> bool {
        self.failures >= FALLBACK_AFTER
    }

    /// Status 1: the heartbeat ran out cleanly, so the path holds this long; try a longer one.
    pub fn expired_cleanly(&mut self) {
        self.failures = 0;
        let top = self.ceiling.unwrap_or(self.max).min(self.max);
        self.current = (self.current + STEP).min(top).max(self.min);
    }

    /// Status 2: the Ping worked.
    pub fn answered(&mut self) {
        self.failures = 0;
    }

    /// The connection died `after` the Ping was sent, before the server answered: something on
    /// the path cuts idle connections around then. Stay below it.
    pub fn died(&mut self, after: Duration) {
        self.failures += 1;
        let cut = u32::try_from(after.as_secs()).unwrap_or(u32::MAX);
        if cut + 5 < self.current {
            // Cut early: a quarter below the point it died at, never above one step lower.
            let lowered = (cut * 3 / 4).min(self.current.saturating_sub(STEP));
            self.current = lowered.max(self.min);
            self.ceiling = Some(self.current);
        }
    }

    /// A failure unrelated to idle time (an HTTP error, a refused connection).
    pub fn failed(&mut self) {
        self.failures += 1;
    }

    /// Status 5: the server's bound (its minimum when ours was too short, else its maximum).
    pub fn server_bound(&mut self, limit: u32) {
        if limit > self.current {
            self.min = limit;
        } else {
            self.max = limit;
        }
        self.current = limit;
        self.ceiling = self.ceiling.map(|c| c.max(self.min).min(self.max));
    }
}

/// The folders to watch: the configured names in their order, else the Inbox and the
/// default calendar, contacts and tasks folders (types 2, 8, 9, 7).
pub fn watched(folders: &[StoredFolder], names: &[String]) -> Vec<StoredFolder> {
    let syncable = |f: &&StoredFolder| f.class.is_some();
    if names.is_empty() {
        return [2u8, 8, 9, 7]
            .iter()
            .filter_map(|t| {
                folders
                    .iter()
                    .filter(syncable)
                    .find(|f| f.folder_type == *t)
            })
            .cloned()
            .collect();
    }
    names
        .iter()
        .filter_map(|n| {
            folders
                .iter()
                .filter(syncable)
                .find(|f| f.name.eq_ignore_ascii_case(n) || f.server_id == *n)
        })
        .cloned()
        .collect()
}

/// What a Ping answer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingAction {
    /// Status 1: nothing changed; Ping again.
    Again,
    /// Status 2: sync these folders (server ids).
    Sync(Vec<String>),
    /// Status 5: the heartbeat must be this.
    Heartbeat(u32),
    /// Status 6: watch at most this many folders.
    Shrink(usize),
    /// Status 7: the hierarchy changed: FolderSync, then derive the watched set again.
    FolderSync,
    /// Status 3/4: the request was incomplete or malformed (a bug, or a server that lost its
    /// cache): send it in full again after a pause.
    Resend,
    /// Status 8 or anything else: back off.
    BackOff,
}

/// The action for a Ping response.
pub fn action(resp: &PingResponse) -> PingAction {
    match resp.status {
        PingStatus::NoChanges => PingAction::Again,
        PingStatus::Changes => {
            PingAction::Sync(resp.changed.iter().map(|c| c.to_string()).collect())
        }
        PingStatus::InvalidHeartbeat => match resp.heartbeat_interval {
            Some(limit) => PingAction::Heartbeat(limit),
            None => PingAction::BackOff,
        },
        PingStatus::TooManyFolders => {
            PingAction::Shrink(resp.max_folders.unwrap_or(1).max(1) as usize)
        }
        PingStatus::FolderSyncRequired => PingAction::FolderSync,
        PingStatus::MissingParameters | PingStatus::SyntaxError => PingAction::Resend,
        _ => PingAction::BackOff,
    }
}

/// Jittered exponential backoff after `failures` consecutive failures: 2 s, 4 s, 8 s … up to
/// 5 minutes, ± 25 %.
pub fn backoff(failures: u32) -> Duration {
    super::retry::exponential(
        Duration::from_secs(2),
        failures.saturating_sub(1),
        Duration::from_secs(300),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_expiries_raise_it_up_to_the_bound() {
        let mut h = Heartbeat::new(480);
        h.expired_cleanly();
        assert_eq!(h.seconds(), 540);
        for _ in 0..100 {
            h.expired_cleanly();
        }
        assert_eq!(h.seconds(), MAX_HEARTBEAT);
    }

    #[test]
    fn an_early_cut_lowers_it_and_caps_later_rises() {
        let mut h = Heartbeat::new(900);
        h.died(Duration::from_secs(300)); // a NAT dropping idle connections after 5 minutes
        assert_eq!(h.seconds(), 225);
        for _ in 0..10 {
            h.expired_cleanly();
        }
        assert_eq!(h.seconds(), 225, "never above the point that failed");
        assert_eq!(h.failures(), 0);
        let mut dead = Heartbeat::new(480);
        for _ in 0..FALLBACK_AFTER {
            dead.failed();
        }
        assert!(dead.fall_back());
        // Dying at the heartbeat itself (the server never answered) is not an early cut.
        let mut late = Heartbeat::new(480);
        late.died(Duration::from_secs(510));
        assert_eq!(late.seconds(), 480);
    }

    #[test]
    fn the_servers_bounds_are_adopted() {
        let mut h = Heartbeat::new(60);
        h.server_bound(120);
        assert_eq!(h.seconds(), 120);
        h.died(Duration::from_secs(10));
        assert_eq!(h.seconds(), 120, "not below the server's minimum");
        let mut h = Heartbeat::new(3000);
        h.server_bound(1200);
        h.expired_cleanly();
        assert_eq!(h.seconds(), 1200);
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) <= Duration::from_millis(2500));
        assert!(backoff(20) <= Duration::from_secs(375));
        assert!(backoff(3) >= Duration::from_secs(6));
    }

    fn folder(id: &str, name: &str, t: u8, class: Option<&str>) -> StoredFolder {
        StoredFolder {
            server_id: id.into(),
            parent_id: None,
            name: name.into(),
            folder_type: t,
            class: class.map(String::from),
            sync_key: "0".into(),
            filter_type: None,
            last_sync: None,
            resync: false,
            orphaned: false,
        }
    }

    #[test]
    fn the_default_watch_set_is_inbox_calendar_contacts_tasks() {
        let all = vec![
            folder("t", "Tasks", 7, Some("Tasks")),
            folder("c", "Contacts", 9, Some("Contacts")),
            folder("i", "Inbox", 2, Some("Email")),
            folder("k", "Calendar", 8, Some("Calendar")),
            folder("s", "Sent", 5, Some("Email")),
        ];
        let ids = |v: Vec<StoredFolder>| v.into_iter().map(|f| f.server_id).collect::<Vec<_>>();
        assert_eq!(ids(watched(&all, &[])), ["i", "k", "c", "t"]);
        assert_eq!(
            ids(watched(&all, &["sent".into(), "nope".into(), "i".into()])),
            ["s", "i"]
        );
    }
}

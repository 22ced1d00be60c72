//! `[account.NAME.watch]`: what `easync watch` listens to and what it runs — checked when the
//! file is read.
//!
//! ```toml
//! [account.work.watch]
//! folders = ["Inbox", "Calendar"]  # default: Inbox and the default calendar, contacts, tasks
//! heartbeat = 480                  # seconds a Ping waits at first (60–3540); then learned
//! debounce = 1                     # seconds to gather changes before hooks run
//! hook_timeout = 60                # a hook still running after this is killed
//! details = false                  # subjects and senders in events and hook input (privacy)
//! post_sync = ["notmuch", "new"]   # after every sync that changed something
//!
//! [[account.work.watch.hook]]
//! folder = "Inbox"
//! on_new_mail = ["notify-send", "New mail"]   # argv, no shell
//! on_change = ["…"]
//! on_delete = ["…"]
//! ```

use std::time::Duration;

use serde::Deserialize;

/// `[account.NAME.watch]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatch {
    pub folders: Option<Vec<String>>,
    pub heartbeat: Option<u32>,
    pub debounce: Option<f64>,
    pub hook_timeout: Option<u64>,
    #[serde(default)]
    pub details: bool,
    pub post_sync: Option<Vec<String>>,
    #[serde(default)]
    pub hook: Vec<RawHook>,
}

/// `[[account.NAME.watch.hook]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawHook {
    pub folder: String,
    pub on_new_mail: Option<Vec<String>>,
    pub on_change: Option<Vec<String>>,
    pub on_delete: Option<Vec<String>>,
}

/// The checked preferences.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchPrefs {
    /// Folder names; empty: the defaults (Inbox, default calendar, contacts and tasks).
    pub folders: Vec<String>,
    pub heartbeat: u32,
    pub debounce: Duration,
    pub hook_timeout: Duration,
    pub details: bool,
    pub post_sync: Option<Vec<String>>,
    pub hooks: Vec<RawHook>,
}

/// The starting heartbeat: 8 minutes, inside every server's bounds and under most NAT timeouts.
pub const DEFAULT_HEARTBEAT: u32 = 480;

impl Default for WatchPrefs {
    fn default() -> Self {
        Self {
            folders: Vec::new(),
            heartbeat: DEFAULT_HEARTBEAT,
            debounce: Duration::from_secs(1),
            hook_timeout: Duration::from_secs(60),
            details: false,
            post_sync: None,
            hooks: Vec::new(),
        }
    }
}

fn argv(key: &str, v: &Option<Vec<String>>) -> Result<(), String> {
    match v {
        Some(a) if a.is_empty() || a[0].trim().is_empty() => Err(format!(
            "{key} must name a program: [\"program\", \"arg\", …]"
        )),
        _ => Ok(()),
    }
}

/// Checks `[watch]`.
pub fn resolve(raw: &RawWatch) -> Result<WatchPrefs, String> {
    let heartbeat = raw.heartbeat.unwrap_or(DEFAULT_HEARTBEAT);
    if !(60..=3540).contains(&heartbeat) {
        return Err(format!(
            "watch.heartbeat {heartbeat} must be between 60 and 3540 seconds"
        ));
    }
    let debounce = raw.debounce.unwrap_or(1.0);
    if !(0.0..=3600.0).contains(&debounce) {
        return Err(format!(
            "watch.debounce {debounce} must be between 0 and 3600 seconds"
        ));
    }
    let hook_timeout = raw.hook_timeout.unwrap_or(60);
    if !(1..=86_400).contains(&hook_timeout) {
        return Err("watch.hook_timeout must be between 1 and 86400 seconds".into());
    }
    argv("watch.post_sync", &raw.post_sync)?;
    for h in &raw.hook {
        argv("watch.hook.on_new_mail", &h.on_new_mail)?;
        argv("watch.hook.on_change", &h.on_change)?;
        argv("watch.hook.on_delete", &h.on_delete)?;
    }
    Ok(WatchPrefs {
        folders: raw.folders.clone().unwrap_or_default(),
        heartbeat,
        debounce: Duration::from_secs_f64(debounce),
        hook_timeout: Duration::from_secs(hook_timeout),
        details: raw.details,
        post_sync: raw.post_sync.clone(),
        hooks: raw.hook.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let p = resolve(&RawWatch::default()).unwrap();
        assert_eq!(p.heartbeat, 480);
        let bad = RawWatch {
            heartbeat: Some(30),
            ..RawWatch::default()
        };
        assert!(resolve(&bad).unwrap_err().contains("between 60 and 3540"));
        let empty = RawWatch {
            post_sync: Some(vec![]),
            ..RawWatch::default()
        };
        assert!(resolve(&empty).unwrap_err().contains("must name a program"));
    }
}

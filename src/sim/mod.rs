//! `easync-sim`: a simulated Exchange ActiveSync server over real HTTP on loopback, built on
//! the project's own `proto` and `wbxml` layers. It speaks EAS 12.1 to 16.1 — OPTIONS,
//! two-phase Provision, FolderSync, Sync (several collections, windows, client changes applied
//! as Exchange applies them: merged Email Changes, conflicts, DeletesAsMoves, ClientIds kept
//! for resends, one occurrence of a 16.x series changed or cancelled, [`occurrences`]),
//! GetItemEstimate, Ping, ItemOperations Fetch, MoveItems, Settings — over a mailbox generated
//! from a seed (see [`mail`], [`events`], [`pim`]), which can change while it runs ([`Sim::add_items`] and
//! friends, or the admin endpoint `POST /sim/admin`), with named faults ([`faults`]) and a
//! server profile ([`profile`]): switches for the behaviours of real servers (partial Email
//! Changes, fresh SyncKeys, spread deletions, late nested folders, odd items, Delete + Add,
//! Change before Add). Operations model what happens to a real mailbox ([`ops`]): items change,
//! folders are re-created under new ids, the server forgets a device, a collection fails.
//! What the server holds after a client's changes can be read item by item ([`ItemView`]).
//!
//! A small directory answers Search `GAL` (`cmd_search`); the whole mailbox is searched by
//! Find on 16.1 (`cmd_find`) and, on servers before Exchange 2016 (the `exchange-2013`
//! profile), by Search of the `Mailbox` (`search_mailbox`, [`mail_search`]). Clients send through it too: SendMail, SmartReply, SmartForward (`cmd_compose`, what went
//! out in the [`outbox`]) and MeetingResponse to the invitations it delivers ([`meetings`]).
//!
//! Used by `easync sim serve`, `easync demo`, the reliability tests and the benchmarks.

pub mod admin;
mod client_changes;
mod cmd_compose;
mod cmd_fetch;
mod cmd_find;
mod cmd_folders;
mod cmd_meeting;
mod cmd_move;
mod cmd_ping;
mod cmd_provision;
mod cmd_search;
mod cmd_sync;
#[cfg(test)]
mod compose_tests;
mod content;
pub mod dates;
mod discovery;
pub mod events;
mod fault_effects;
pub mod faults;
pub mod idp;
mod inspect;
mod layout;
pub mod mail;
pub mod mail_search;
mod mail_state;
pub mod mailbox;
#[cfg(test)]
mod meeting_tests;
pub mod meetings;
pub mod mime;
#[cfg(test)]
mod move_tests;
#[cfg(test)]
mod occurrence_tests;
pub mod occurrences;
pub mod ops;
#[cfg(test)]
mod ops_tests;
pub mod outbox;
pub mod pim;
mod plan;
pub mod profile;
#[cfg(test)]
mod profile_tests;
mod request;
#[cfg(test)]
mod resend_tests;
pub mod rng;
mod search_mailbox;
#[cfg(test)]
mod search_tests;
mod server;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod twoway_tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub use faults::{ClientOp, Fault, Scope};
pub use inspect::ItemView;
pub use mailbox::{Kind, Mailbox, State};
pub use meetings::Invite;
pub use occurrences::InstanceView;
pub use outbox::OutboxMessage;
pub use profile::{Profile, SPREAD_DELETES};
pub use server::{Running, serve, spawn_thread};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub emails: u32,
    pub contacts: u32,
    pub events: u32,
    pub tasks: u32,
    /// Empty mail folders under "Archive" (to measure many-folder syncs).
    pub extra_folders: u32,
    /// The versions OPTIONS advertises (`MS-ASProtocolVersions`).
    pub versions: Vec<String>,
    pub user: String,
    pub password: String,
    /// Whether commands need a policy key (MS-ASPROV).
    pub require_provisioning: bool,
    /// Ping's allowed heartbeat, in seconds (Status 5 outside).
    pub heartbeat_bounds: (u32, u32),
    /// Ping's folder limit (Status 6 above).
    pub max_ping_folders: usize,
    /// A Ping heartbeat of H seconds waits H / `time_divisor` seconds: tests run a 60 s
    /// heartbeat in a second. 1 is real time.
    pub time_divisor: u32,
    /// Decode and re-encode every WBXML response before sending it; a response that does not
    /// round-trip becomes an HTTP 500 and is counted in [`Stats::verify_failures`].
    pub verify_responses: bool,
    /// Which real-server behaviours to show ([`profile`]): [`Profile::exchange`] by default, as
    /// real servers behave; [`Profile::simple`] is the convenient model of old.
    pub profile: Profile,
    /// The largest request body accepted; a larger one is answered HTTP 413 unread. Exchange's
    /// default for ActiveSync is `maxRequestLength="10240"` KB (the Sync web.config of the
    /// Client Access services): a 10 MB message is accepted, a 10 MiB one with its WBXML is not.
    pub max_request_bytes: usize,
    /// The global address list Search `GAL` looks in (`cmd_search`).
    pub gal: Vec<crate::proto::search::GalEntry>,
    /// Seconds the server's clock is ahead (negative: behind) of this machine's: every
    /// response's `Date` header says so (a server whose time is wrong, for `easync doctor`).
    pub clock_offset: i64,
    /// Require bearer tokens of this loopback identity provider instead of the password
    /// (Microsoft 365: basic authentication is off); HTTP 401 for an expired one.
    pub oauth: Option<Arc<idp::Idp>>,
    /// Refuse (HTTP 400) requests that do not name the user as their anchor mailbox
    /// (`Cookie: DefaultAnchorMailbox=…` or `X-AnchorMailbox`), as Outlook.com's servers need
    /// (PITFALLS 17).
    pub require_anchor_mailbox: bool,
    /// Autodiscover v2 answers HTTP 400 `InvalidProtocol` for ActiveSync (and names the POX
    /// endpoint for `AutodiscoverV1`), as Exchange Online does for a mailbox it serves no
    /// ActiveSync URL for (`discovery`).
    pub v2_invalid_protocol: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            emails: 200,
            contacts: 50,
            events: 50,
            tasks: 20,
            extra_folders: 0,
            versions: ["12.1", "14.0", "14.1", "16.0", "16.1"]
                .map(String::from)
                .to_vec(),
            user: "demo@easync.test".into(),
            password: "demo".into(),
            require_provisioning: true,
            heartbeat_bounds: (60, 3540),
            max_ping_folders: 300,
            time_divisor: 1,
            verify_responses: false,
            profile: Profile::exchange(),
            max_request_bytes: 10240 * 1024,
            gal: cmd_search::default_gal(),
            clock_offset: 0,
            oauth: None,
            require_anchor_mailbox: false,
            v2_invalid_protocol: false,
        }
    }
}

/// Counters, for tests and the benchmark.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub items_served: AtomicU64,
    pub verified: AtomicU64,
    pub verify_failures: AtomicU64,
    /// Requests answered HTTP 401.
    pub unauthorized: AtomicU64,
    /// Requests per command name.
    commands: Mutex<HashMap<String, u64>>,
    /// Every `DeviceInformation` received, in order.
    described: Mutex<Vec<Described>>,
}

/// A device's description as the server received it (MS-ASCMD 2.2.3.45).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// `Provision` or `Settings`.
    pub command: String,
    pub device_id: String,
    pub model: String,
    pub os: String,
    pub user_agent: String,
    /// The request's `User-Agent` header, to compare with.
    pub http_user_agent: String,
}

impl Stats {
    /// How many requests of `command` arrived (faulted ones included).
    pub fn command_count(&self, command: &str) -> u64 {
        lock(&self.commands).get(command).copied().unwrap_or(0)
    }

    /// The device descriptions received (Provision and Settings), in order.
    pub fn described(&self) -> Vec<Described> {
        lock(&self.described).clone()
    }

    /// Records the `DeviceInformation` element of a request, if it has one.
    pub(crate) fn describe(&self, req: &request::Request, tree: &wbxml::Element<'_>) {
        let Some(set) = tree
            .child(18, "DeviceInformation")
            .and_then(|d| d.child(18, "Set"))
        else {
            return;
        };
        let field = |name| set.child(18, name).map(|e| e.text()).unwrap_or_default();
        lock(&self.described).push(Described {
            command: req.command.clone(),
            device_id: req.device_id.clone(),
            model: field("Model"),
            os: field("OS"),
            user_agent: field("UserAgent"),
            http_user_agent: req.user_agent.clone(),
        });
    }

    fn count(&self, command: &str) {
        *lock(&self.commands).entry(command.to_string()).or_default() += 1;
    }
}

/// What the server remembers per device.
#[derive(Debug, Default)]
struct Device {
    policy_key: Option<u32>,
    pending_key: Option<u32>,
    /// The last key position answered per collection (for Ping).
    positions: HashMap<String, mailbox::Position>,
    /// The last Sync and Ping requests (an empty request repeats them).
    last_sync: Option<Vec<u8>>,
    last_ping: Option<Vec<u8>>,
}

/// A mutation the server refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SimError {
    #[error("no folder {0:?}")]
    NoFolder(String),
    #[error("no live item {0:?}")]
    NoItem(String),
    #[error("{0:?} is not a mail")]
    NotMail(String),
}

/// The simulator's shared state.
pub struct Sim {
    pub config: SimConfig,
    mailbox: Mutex<Mailbox>,
    devices: Mutex<HashMap<String, Device>>,
    pub faults: faults::Faults,
    changed: tokio::sync::watch::Sender<u64>,
    pub stats: Stats,
    next_key: AtomicU64,
    /// Numbers fresh SyncKeys ([`Profile::fresh_sync_keys`]).
    key_counter: AtomicU64,
    /// Collections answering a status of their own ([`Sim::set_collection_status`]).
    statuses: Mutex<HashMap<String, u16>>,
    /// What was sent on clients' behalf ([`outbox`]).
    outbox: Mutex<outbox::Outbox>,
    /// The meeting invitations delivered ([`meetings`]).
    meetings: Mutex<Vec<meetings::Meeting>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sim {
    pub fn new(config: SimConfig) -> Arc<Self> {
        let mailbox = layout::populate(&config);
        Arc::new(Self {
            next_key: AtomicU64::new(config.seed.wrapping_mul(7919) % 1_000_000 + 1),
            config,
            mailbox: Mutex::new(mailbox),
            devices: Mutex::new(HashMap::new()),
            faults: faults::Faults::default(),
            changed: tokio::sync::watch::channel(0).0,
            stats: Stats::default(),
            key_counter: AtomicU64::new(1),
            statuses: Mutex::new(HashMap::new()),
            outbox: Mutex::new(outbox::Outbox::default()),
            meetings: Mutex::new(Vec::new()),
        })
    }

    /// A copy of the mailbox as it is now.
    pub fn snapshot(&self) -> Mailbox {
        lock(&self.mailbox).clone()
    }

    fn mailbox(&self) -> MutexGuard<'_, Mailbox> {
        lock(&self.mailbox)
    }

    fn device<T>(&self, id: &str, f: impl FnOnce(&mut Device) -> T) -> T {
        f(lock(&self.devices).entry(id.to_string()).or_default())
    }

    fn collection_statuses(&self) -> HashMap<String, u16> {
        lock(&self.statuses).clone()
    }

    fn notify(&self, modseq: u64) {
        self.changed.send_replace(modseq);
    }

    fn fresh_policy_key(&self) -> u32 {
        let n = self.next_key.fetch_add(1, Ordering::Relaxed);
        (n.wrapping_mul(2_654_435_761) % 4_000_000_000 + 1) as u32
    }
}

//! `easync sim serve`: the simulated Exchange server on loopback, for trying easync, scripting
//! tests against it and benchmarking without a real server.

use std::net::SocketAddr;

use clap::{Args, Subcommand};

use crate::sim::{self, Fault, Profile, Scope, Sim, SimConfig};

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve a generated mailbox over EAS on loopback until interrupted.
    Serve(ServeArgs),
}

/// The mailbox and server to simulate (shared by `easync sim serve` and `easync demo`).
#[derive(Debug, Args, Clone)]
pub struct MailboxArgs {
    /// The seed of the generated content: the same seed gives the same mailbox.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 300)]
    pub emails: u32,
    #[arg(long, default_value_t = 60)]
    pub contacts: u32,
    #[arg(long, default_value_t = 60)]
    pub events: u32,
    #[arg(long, default_value_t = 20)]
    pub tasks: u32,
    /// Extra empty mail folders (under "Archive").
    #[arg(long, default_value_t = 0)]
    pub extra_folders: u32,
    /// The protocol versions to offer, comma-separated (e.g. "14.1" to act like SOGo).
    #[arg(
        long,
        default_value = "12.1,14.0,14.1,16.0,16.1",
        value_delimiter = ','
    )]
    pub versions: Vec<String>,
}

impl MailboxArgs {
    pub fn config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            emails: self.emails,
            contacts: self.contacts,
            events: self.events,
            tasks: self.tasks,
            extra_folders: self.extra_folders,
            versions: self.versions.clone(),
            ..SimConfig::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    mailbox: MailboxArgs,
    /// The address to listen on (loopback; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// The user name clients log in with.
    #[arg(long, default_value = "demo@easync.test")]
    user: String,
    /// The password (also accepted as a bearer token). A test fixture, not a secret.
    #[arg(long, default_value = "demo")]
    password: String,
    /// Serve without provisioning (no policy keys needed).
    #[arg(long)]
    no_provisioning: bool,
    /// Run the server's clock this many seconds ahead (negative: behind): every response's
    /// Date header says so.
    #[arg(
        long,
        default_value_t = 0,
        allow_negative_numbers = true,
        value_name = "SECONDS"
    )]
    clock_offset: i64,
    /// Misbehave on every request: NAME[=VALUE][@COMMAND], e.g. `http-503=5@Sync`,
    /// `drop-after=2000@Sync`, `quarantine`. Names: drop-after, truncate, corrupt, http-500,
    /// http-403, http-456, http-457,
    /// http-503, throttle, status-110, status-111, http-449, status-142, status-144, redirect,
    /// redirect-loop, expire-auth, sync-status-3, foldersync-9, sync-status-12, endless-more,
    /// quarantine-items, device-blocked, user-disabled, access-denied, account-disabled, max-devices,
    /// slow, cut, status. For a client's changes: add-status=N, change-status=N,
    /// delete-status=N (every Sync Add / Change / Delete of a request answers Status N and is
    /// not applied, e.g. 6 conversion, 7 conflict with the server's version sent, 8 not found)
    /// and move-status=N (every MoveItems Move); they count only requests that carry such a
    /// command. For sending: send-status=N (SendMail, SmartReply, SmartForward answer Status N,
    /// e.g. 111, 115, 116, 120), meeting-status=N (every MeetingResponse Request), and
    /// commit-then-drop (carried out, then the connection closes unanswered). One-off faults:
    /// POST {"op":"fault",…,"times":1} to /sim/admin.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    /// Behave like a kind of server: `exchange` (every switch of --quirk on but echo-moves, as
    /// Exchange behaves; the default), `exchange-2013` (the same but mailbox-search-110 and
    /// find-total-zero: Search of the Mailbox answers, as before Exchange 2016; serve it with
    /// --versions 12.1,14.0,14.1) or `simple` (whole items on every Change, keys that
    /// repeat, everything in one window, the client wins every conflict: convenient, not real).
    /// Either way a client's Email Change merges Read, Flag and Categories into the mail, a
    /// mail Delete moves it to Deleted Items unless DeletesAsMoves is 0, a resent Add (same
    /// ClientId, same SyncKey) adds nothing, and MoveItems gives the item a new id.
    #[arg(long, default_value = "exchange", value_name = "NAME")]
    profile: String,
    /// Turn one real-server behaviour on (repeatable; `no-NAME` turns it off):
    /// partial-email-changes (an Email Change carries only Read, Flag, Categories, MS-ASCMD
    /// 2.2.3.24), fresh-sync-keys (every Sync response a new SyncKey per collection),
    /// spread-deletions (at most 5 Delete/SoftDelete per collection per response, the rest with
    /// MoreAvailable), late-nested-folders (FolderSync sends a folder whose parent is new one
    /// round later), odd-items (1 in 50 mails with a windows-1252 OPAQUE body, 1 in 50 with
    /// empty Importance and EstimatedDataSize), delete-then-add (1 in 5 changes sent as a Delete
    /// and an Add of the same ServerId), change-before-add (1 in 20 new mails announced by a
    /// Change with only Read before their Add), server-wins-conflicts (a client's Change or
    /// Delete of an item changed on the server since its SyncKey answers Status 7 and the
    /// server's version is sent, unless Options/Conflict is 0, MS-ASCMD 2.2.3.34), echo-moves
    /// (not Exchange: the moving device is sent its own MoveItems back as a Delete and an Add),
    /// mailbox-search-110 (Search of the Mailbox answers Store Status 110, as Exchange 2016 and
    /// later do; Find is the search on 16.1), find-total-zero (Find's Total is 0 even when it
    /// sends results, as Exchange does), search-one-collection (not Exchange: Search of the
    /// Mailbox looks only in the request's last CollectionId, as SOGo does).
    /// Mailbox operations, POSTed to /sim/admin: add, change, delete, soft-delete, set-flags,
    /// delete-items, add-folder, delete-folder, recreate-folder, forget-device,
    /// collection-status, invalidate-keys, invalidate-hierarchy, revoke-policies, fault,
    /// clear-faults, items (what the server holds in a folder).
    #[arg(long = "quirk", value_name = "NAME")]
    quirks: Vec<String>,
}

impl ServeArgs {
    /// The profile, then each --quirk on top of it.
    fn profile(&self) -> Result<Profile, String> {
        let mut p: Profile = self.profile.parse()?;
        for q in &self.quirks {
            p.set_quirk(q)?;
        }
        Ok(p)
    }
}

/// `NAME[=VALUE][@COMMAND]`.
fn parse_fault(spec: &str) -> Result<(Fault, Scope), String> {
    let (fault, command) = match spec.rsplit_once('@') {
        Some((f, c)) if !c.contains('/') => (f, Some(c.to_string())),
        _ => (spec, None),
    };
    let scope = Scope {
        command,
        ..Scope::default()
    };
    Ok((fault.parse()?, scope))
}

impl ServeArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let mut config = self.mailbox.config();
        config.user = self.user.clone();
        config.password = self.password.clone();
        config.require_provisioning = !self.no_provisioning;
        config.clock_offset = self.clock_offset;
        config.profile = self.profile().map_err(anyhow::Error::msg)?;
        let sim = Sim::new(config);
        for spec in &self.faults {
            let (fault, scope) = parse_fault(spec).map_err(anyhow::Error::msg)?;
            sim.faults.arm(fault, scope);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(self.listen)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", self.listen))?;
            let addr = listener.local_addr()?;
            let m = &self.mailbox;
            let quirks = sim.config.profile.quirks();
            let quirks = if quirks.is_empty() {
                "none (simple)".to_string()
            } else {
                quirks.join(", ")
            };
            eprintln!(
                "easync-sim: EAS {} on http://{addr}/Microsoft-Server-ActiveSync\n  user {} password {}\n  \
                 {} emails, {} contacts, {} events, {} tasks (seed {})\n  quirks: {quirks}\n  \
                 admin: GET http://{addr}/sim/status, POST http://{addr}/sim/admin\n  Ctrl-C stops it.",
                m.versions.join("/"),
                self.user,
                self.password,
                m.emails,
                m.contacts,
                m.events,
                m.tasks,
                m.seed
            );
            tokio::select! {
                r = sim::serve(sim, listener) => r.map_err(anyhow::Error::from),
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_specs_name_a_command_optionally() {
        let (f, s) = parse_fault("http-503=5@Sync").unwrap();
        assert_eq!(f, Fault::Http503 { retry_after: 5 });
        assert_eq!(s.command.as_deref(), Some("Sync"));
        let (f, s) = parse_fault("redirect=http://u@127.0.0.1:1/x").unwrap();
        assert_eq!(f, Fault::Redirect("http://u@127.0.0.1:1/x".into()));
        assert_eq!(s.command, None);
        assert!(parse_fault("bogus").is_err());
    }

    #[test]
    fn profile_and_quirks_combine() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let args = |a: &[&str]| Cli::try_parse_from([&["x"], a].concat()).unwrap().serve;
        assert_eq!(args(&[]).profile(), Ok(Profile::exchange()));
        let p = args(&[
            "--profile",
            "simple",
            "--quirk",
            "odd-items",
            "--quirk",
            "fresh-sync-keys",
        ])
        .profile()
        .unwrap();
        assert_eq!(p.quirks(), vec!["fresh-sync-keys", "odd-items"]);
        let p = args(&["--profile", "exchange", "--quirk", "no-odd-items"])
            .profile()
            .unwrap();
        assert!(!p.odd_items && p.partial_email_changes);
        assert!(args(&["--quirk", "bogus"]).profile().is_err());
        assert!(args(&["--profile", "bogus"]).profile().is_err());
    }
}

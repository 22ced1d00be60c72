//! The command-line interface: one clap struct per subcommand, each with `execute()`.
//! Data goes to stdout, diagnostics to stderr.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (clap), 75 temporary (retry later), 77
//! credentials or device approval needed, 78 configuration error — so a systemd unit can set
//! `RestartPreventExitStatus=77 78`.

mod account;
mod calendar;
mod changes;
mod check;
mod completions;
mod contacts;
mod demo;
mod doctor;
pub mod exit_codes;
mod export;
mod folders;
mod login;
mod mail;
mod mail_change;
mod mail_server;
mod maildir;
mod man;
mod progress;
mod send;
mod send_args;
mod serve;
mod sim;
mod status;
mod sync;
mod vdir;
mod watch;
mod wbxml;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `easync --version`: the version, the commit it was built from (build.rs) and the EAS
/// versions it speaks, e.g. `0.1.0 (commit 2f18ea7dd64d; EAS 12.1, 14.0, 14.1, 16.0, 16.1)`.
pub fn version_text() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let versions: Vec<&str> = crate::proto::ProtocolVersion::ALL
            .iter()
            .map(|v| v.as_str())
            .collect();
        format!(
            "{} (commit {}; EAS {})",
            env!("CARGO_PKG_VERSION"),
            env!("EASYNC_COMMIT"),
            versions.join(", ")
        )
    });
    TEXT.as_str()
}

/// easync: mirror an Exchange mailbox (mail, contacts, calendars, tasks) over ActiveSync.
#[derive(Debug, Parser)]
#[command(name = "easync", version = version_text(), about, long_about = None)]
pub struct Cli {
    /// More log output on stderr: -v info, -vv debug, -vvv trace with every request and
    /// response as XML (passwords redacted; message content is shown).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// The configuration file (default: $EASYNC_CONFIG, else $XDG_CONFIG_HOME/easync/config.toml).
    #[arg(short, long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add an account to the configuration (finds and probes the server first).
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Check the configuration file (and with --secrets, that passwords can be fetched).
    Check(check::CheckArgs),
    /// Check an account from the configuration to the server (DNS, TLS, version,
    /// provisioning, quarantine, database, lock, clock) and say what to fix.
    Doctor(doctor::DoctorArgs),
    /// Write mirrored data for other programs: contacts, calendars, tasks (vCard, iCalendar,
    /// vdirs) and mail (Maildir).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Sign in to Microsoft 365 or Outlook.com (OAuth2) and keep the tokens, for an account
    /// with an [oauth] table: by browser, or with --device by a code entered on any device.
    Login(login::LoginArgs),
    /// Update the folder list from the server and show it.
    Folders(folders::FoldersArgs),
    /// Mirror the account's folders and items into the local database.
    Sync(sync::SyncArgs),
    /// Mirrored mail: list, search (full text), show; mark read, flag, move, delete.
    Mail(mail::MailArgs),
    /// Local changes not on the server yet: pending, failed, conflicts; retry or drop them.
    Changes(changes::ChangesArgs),
    /// Contacts: addresses for mutt's query_command and aerc's address-book-cmd, from the
    /// mirror and the Global Address List.
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Calendar: answer meeting invitations.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Send a message from standard input, as sendmail does (`easync send --help`); queued
    /// when the server cannot be reached.
    #[command(disable_help_flag = true)]
    Send(send::SendArgs),
    /// Serve the mirror to any mail, calendar and contacts program: local IMAP, SMTP
    /// submission, CalDAV and CardDAV on loopback, with `watch` running for push; clients sign
    /// in with a local password.
    Serve(serve::ServeArgs),
    /// What the database holds, per folder.
    Status(status::StatusArgs),
    /// Stay connected: sync on every change the server pushes (Ping), run hooks, print events.
    Watch(watch::WatchArgs),
    /// Try easync without Exchange: sync a simulated mailbox into a temporary database.
    Demo(demo::DemoArgs),
    /// The simulated Exchange ActiveSync server (for trying, testing and benchmarking).
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Decode and encode WBXML, the binary XML that ActiveSync speaks.
    #[command(subcommand)]
    Wbxml(wbxml::WbxmlCommand),
    /// Print the shell completion script for bash, zsh or fish.
    Completions(completions::CompletionsArgs),
    /// Write the manual pages (easync.1 on stdout, or every page into a directory).
    Man(man::ManArgs),
}

/// Exit code for a failure that is not a usage error.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code when the server is unreachable or asks to retry later (EX_TEMPFAIL).
pub const EXIT_TEMPORARY: u8 = 75;
/// Exit code when credentials or the device need a person (EX_NOPERM).
pub const EXIT_AUTH: u8 = 77;
/// Exit code for a configuration error (EX_CONFIG).
pub const EXIT_CONFIG: u8 = 78;

/// An exit status whose reason the output already gave: nothing more is printed
/// (`easync contacts query` exits 1 when nothing matches, as mutt's query_command expects).
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct QuietExit(pub u8);

/// The exit code for an error, by its kind.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(QuietExit(code)) = cause.downcast_ref::<QuietExit>() {
            return *code;
        }
        if let Some(e) = cause.downcast_ref::<send::SendExit>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<doctor::Problems>() {
            return e.code;
        }
        let oauth = cause
            .downcast_ref::<crate::oauth::OAuthError>()
            .or_else(|| match cause.downcast_ref() {
                Some(crate::config::ConfigError::SignIn(e)) => Some(e),
                _ => None,
            });
        if let Some(e) = oauth {
            return match e {
                _ if e.needs_attention() => EXIT_AUTH,
                _ if e.is_temporary() => EXIT_TEMPORARY,
                crate::oauth::OAuthError::Config { .. } => EXIT_CONFIG,
                _ => EXIT_FAILURE,
            };
        }
        if cause.downcast_ref::<crate::config::ConfigError>().is_some() {
            return EXIT_CONFIG;
        }
        if let Some(crate::store::StoreError::Locked { .. }) = cause.downcast_ref() {
            return EXIT_TEMPORARY;
        }
        if let Some(e @ (crate::sync::SyncError::Temporary(_) | crate::sync::SyncError::Folders(_))) =
            cause.downcast_ref()
            && e.is_temporary()
        {
            return EXIT_TEMPORARY;
        }
        let http =
            cause
                .downcast_ref::<crate::http::HttpError>()
                .or_else(|| match cause.downcast_ref::<crate::sync::SyncError>() {
                    Some(crate::sync::SyncError::Http(e)) => Some(e),
                    _ => None,
                });
        if let Some(e) = http {
            if e.needs_attention() {
                return EXIT_AUTH;
            }
            if e.is_temporary() {
                return EXIT_TEMPORARY;
            }
            if matches!(
                e,
                crate::http::HttpError::Config(_) | crate::http::HttpError::InsecureUrl { .. }
            ) {
                return EXIT_CONFIG;
            }
        }
    }
    EXIT_FAILURE
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match cli.execute() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.downcast_ref::<QuietExit>().is_none() {
                eprintln!("easync: {err:#}");
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

/// Writes command output to stdout. A closed pipe (`easync … | head`) is not an error.
pub(crate) fn write_stdout(data: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(data).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.map_err(|e| anyhow::anyhow!("writing to standard output: {e}"))?),
    }
}

/// The async runtime for commands that talk to a server.
/// The account named on the command line (or the only one) from the configuration file.
fn load_account(
    config_file: Option<&std::path::Path>,
    name: Option<&str>,
) -> anyhow::Result<crate::config::Account> {
    let dirs = crate::config::Dirs::xdg()?;
    let path = crate::config::config_path(config_file, &dirs);
    let accounts = crate::config::load(&path, &dirs)?;
    Ok(crate::config::pick(&accounts, name, &path)?.clone())
}

/// An account's database for the read-only commands; a hint when it was never synced.
fn open_synced(acct: &crate::config::Account) -> anyhow::Result<crate::store::Store> {
    if !acct.database.exists() {
        anyhow::bail!(
            "account {} has not synced yet: run `easync sync {}` first",
            acct.name,
            acct.name
        );
    }
    Ok(crate::store::Store::open(&acct.database)?)
}

/// What the sync engine needs to connect, from a configured account.
fn connect_options(acct: &crate::config::Account) -> crate::sync::account::ConnectOptions {
    crate::sync::account::ConnectOptions {
        email: acct.email.clone(),
        user: acct.user.clone(),
        url: acct.url.clone(),
        device_id: acct.device_id.clone(),
        version: acct.protocol_version,
        anchor_mailbox: acct.anchor_mailbox.clone(),
        timeout: acct.timeout,
        tls: acct.tls.clone(),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Logs to stderr; warnings by default, more with each `-v`.
fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let level = match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    // The wire log (target easync::wire) only at -vvv.
    let wire = if verbose >= 3 {
        LevelFilter::TRACE
    } else {
        LevelFilter::OFF
    };
    let filter = Targets::new()
        .with_default(level)
        .with_target("easync::wire", wire);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

impl Cli {
    /// Runs the parsed command.
    pub fn execute(self) -> anyhow::Result<()> {
        match self.command {
            Command::Account(cmd) => runtime()?.block_on(cmd.execute(self.config.as_deref())),
            Command::Check(args) => args.execute(self.config.as_deref()),
            Command::Doctor(args) => runtime()?.block_on(args.execute(self.config.as_deref())),
            Command::Export(cmd) => cmd.execute(self.config.as_deref()),
            Command::Login(args) => args.execute(self.config.as_deref()),
            Command::Folders(args) => runtime()?.block_on(args.execute(self.config.as_deref())),
            Command::Sync(args) => runtime()?.block_on(args.execute(self.config.as_deref())),
            Command::Mail(args) => args.execute(self.config.as_deref()),
            Command::Changes(args) => args.execute(self.config.as_deref()),
            Command::Send(args) => args.execute(self.config.as_deref()),
            Command::Calendar(cmd) => cmd.execute(self.config.as_deref()),
            Command::Contacts(cmd) => cmd.execute(self.config.as_deref()),
            Command::Serve(args) => args.execute(self.config.as_deref()),
            Command::Status(args) => args.execute(self.config.as_deref()),
            Command::Watch(args) => args.execute(self.config.as_deref()),
            Command::Demo(args) => args.execute(),
            Command::Sim(sim::SimCommand::Serve(args)) => args.execute(),
            Command::Wbxml(cmd) => cmd.execute(),
            Command::Completions(args) => args.execute(),
            Command::Man(args) => args.execute(),
        }
    }
}

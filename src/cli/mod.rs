//! The command-line interface: one clap struct per subcommand, each with `execute()`.
//! Data goes to stdout, diagnostics to stderr.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (clap). Later issues add distinct codes for
//! "authentication needed", "configuration error" and "temporary, retry later".

mod wbxml;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// easync: mirror an Exchange mailbox (mail, contacts, calendars, tasks) over ActiveSync.
#[derive(Debug, Parser)]
#[command(name = "easync", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode and encode WBXML, the binary XML that ActiveSync speaks.
    #[command(subcommand)]
    Wbxml(wbxml::WbxmlCommand),
}

/// Exit code for a failure that is not a usage error.
pub const EXIT_FAILURE: u8 = 1;

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.execute() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("easync: {err:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

impl Cli {
    /// Runs the parsed command.
    pub fn execute(self) -> anyhow::Result<()> {
        match self.command {
            Command::Wbxml(cmd) => cmd.execute(),
        }
    }
}

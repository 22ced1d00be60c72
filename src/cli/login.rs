//! `easync login [ACCOUNT] [--device] [--no-browser] [--forget]`: signs an account with an
//! `[account.NAME.oauth]` table in to Microsoft (OAuth2, [`crate::oauth`]) and keeps its tokens
//! in `$XDG_STATE_HOME/easync/NAME.oauth.json` (0600). Later commands refresh them on their own;
//! run it again when they say so (exit code 77).

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use crate::config::{ConfigError, SecretSource};
use crate::oauth::{self, Endpoint, OAuthSettings};

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The account (needed when the configuration has several).
    account: Option<String>,
    /// Sign in by device code: easync prints a code and where to enter it, on any device (for
    /// SSH sessions and machines without a browser).
    #[arg(long)]
    device: bool,
    /// Print the sign-in address only; do not start a browser ($BROWSER or xdg-open).
    #[arg(long, conflicts_with = "device")]
    no_browser: bool,
    /// Seconds to wait for the browser to come back.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout: u64,
    /// Forget the account's tokens instead (sign out on this machine).
    #[arg(long, conflicts_with_all = ["device", "no_browser"])]
    forget: bool,
}

impl LoginArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let SecretSource::OAuth(settings) = &acct.secret else {
            return Err(ConfigError::Invalid {
                path: crate::config::config_path(config_file, &crate::config::Dirs::xdg()?),
                account: acct.name.clone(),
                message: "has no [oauth] table: add one with client_id (see the README, \
                          \"Microsoft 365\")"
                    .into(),
            }
            .into());
        };
        if self.forget {
            let had = oauth::store::remove_for(settings)
                .map_err(|m| anyhow::anyhow!("{}: {m}", settings.token_file.display()))?;
            let what = if had { "forgotten" } else { "none were kept" };
            return super::write_stdout(
                format!("account {}: tokens {what}\n", acct.name).as_bytes(),
            );
        }
        let timeout = Duration::from_secs(self.timeout.clamp(10, 3600));
        super::runtime()?
            .block_on(sign_in(settings, self.device, !self.no_browser, timeout))
            .with_context(|| format!("account {}", acct.name))?;
        super::write_stdout(
            format!(
                "signed in: account {}; tokens kept in {}\n",
                acct.name,
                settings.kept_in()
            )
            .as_bytes(),
        )
    }
}

/// Shows a line of the sign-in on stdout at once (a script or a person reads it).
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Signs in (by browser, or by device code) and saves the tokens.
pub(super) async fn sign_in(
    settings: &OAuthSettings,
    device: bool,
    open: bool,
    timeout: Duration,
) -> anyhow::Result<()> {
    let endpoint = Endpoint::new(settings)?;
    let granted = if device {
        oauth::device::sign_in(&endpoint, &say).await?
    } else {
        oauth::browser::sign_in(&endpoint, open, timeout, &say).await?
    };
    oauth::keep_sign_in(settings, &granted).await?;
    Ok(())
}

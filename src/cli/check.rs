//! `easync check`: validate the configuration (and, on request, that the secrets can be
//! fetched) without talking to any server.

use std::path::Path;

use anyhow::Context;
use clap::Args;

use crate::config::{self, Dirs, SecretSource};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this account.
    account: Option<String>,
    /// Also fetch each account's password or token (runs password_cmd or token_cmd); nothing of
    /// it is shown.
    #[arg(long)]
    secrets: bool,
}

impl CheckArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let dirs = Dirs::xdg()?;
        let path = config::config_path(config_file, &dirs);
        let accounts = config::load(&path, &dirs)?;
        let selected: Vec<&config::Account> = match &self.account {
            Some(name) => vec![config::pick(&accounts, Some(name), &path)?],
            None => accounts.iter().collect(),
        };
        use std::fmt::Write as _;
        let mut out = format!("{}: {} account(s)\n", path.display(), accounts.len());
        for a in selected {
            let server = a.url.as_deref().unwrap_or("(Autodiscover)");
            let secret = match &a.secret {
                SecretSource::Command(argv) => format!("password from `{}`", argv[0]),
                SecretSource::Env(var) => format!("password from ${var}"),
                SecretSource::Literal(_) => "password in the file (prefer password_cmd)".into(),
                SecretSource::TokenCommand(argv) => format!("OAuth2 token from `{}`", argv[0]),
                SecretSource::OAuth(o) => format!(
                    "OAuth2 sign-in (tenant {}, tokens in {}; `easync login {}`)",
                    o.tenant.as_str(),
                    o.kept_in(),
                    a.name
                ),
            };
            let _ = writeln!(
                out,
                "  {}: {} as {} at {server}; {secret}; database {}",
                a.name,
                a.email,
                a.user,
                a.database.display()
            );
            if self.secrets {
                // password_cmd and token_cmd really run (under secret_timeout).
                super::runtime()?
                    .block_on(a.auth())
                    .with_context(|| format!("account {}", a.name))?;
                out.push_str("    secret: fetched\n");
            }
        }
        super::write_stdout(out.as_bytes())
    }
}

//! `easync account add NAME`: writes an `[account.NAME]` section into the configuration, after
//! finding the server (Autodiscover when no URL is given) and probing it (OPTIONS with the
//! credentials), so that a mistake shows now and not at the first sync. The secret is never
//! printed nor written: only where it comes from (a command or an environment variable). With
//! `--oauth` the account signs in first (`easync login`), and the probe uses its token.

use std::path::Path;

use anyhow::Context;
use clap::{ArgGroup, Args, Subcommand};

use crate::config::{self, ConfigError, Dirs};
use crate::http::{Session, SessionConfig, autodiscover};
use crate::proto::DeviceId;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account to the configuration (finds and probes the server first).
    Add(AddArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("secret").required(true)))]
pub struct AddArgs {
    /// The account's name in the configuration (letters, digits, '-', '_', '.').
    name: String,
    /// The mailbox's e-mail address (what Autodiscover looks up).
    #[arg(long)]
    email: String,
    /// The login, when it is not the e-mail address (e.g. DOMAIN\user).
    #[arg(long)]
    user: Option<String>,
    /// The EAS URL; found by Autodiscover when absent.
    #[arg(long)]
    url: Option<String>,
    /// A command printing the password, as words split on spaces (no shell): "pass show work".
    #[arg(long, value_name = "COMMAND", group = "secret")]
    password_cmd: Option<String>,
    /// An environment variable holding the password.
    #[arg(long, value_name = "VAR", group = "secret")]
    password_env: Option<String>,
    /// A command printing an OAuth2 access token (Microsoft 365), split on spaces.
    #[arg(long, value_name = "COMMAND", group = "secret")]
    token_cmd: Option<String>,
    /// Sign in with OAuth2 (Microsoft 365, Outlook.com): writes an [oauth] table and runs
    /// `easync login` before the probe. Needs --client-id.
    #[arg(long, group = "secret", requires = "client_id")]
    oauth: bool,
    /// With --oauth: the application (client) id of your public client registration.
    #[arg(long, value_name = "ID", requires = "oauth")]
    client_id: Option<String>,
    /// With --oauth: common (default), organizations, consumers (Outlook.com), a tenant id or
    /// a domain.
    #[arg(long, requires = "oauth")]
    tenant: Option<String>,
    /// With --oauth: the identity platform (default https://login.microsoftonline.com).
    #[arg(long, value_name = "URL", requires = "oauth")]
    authority: Option<String>,
    /// With --oauth: sign in by device code instead of a browser.
    #[arg(long, requires = "oauth")]
    device: bool,
    /// Write the section without contacting the server (and without signing in).
    #[arg(long)]
    no_probe: bool,
    /// Allow a plain-http URL to another machine (a lab server: the password crosses the
    /// network unencrypted); writes `allow_insecure_http = true`.
    #[arg(long)]
    allow_insecure_http: bool,
}

impl AccountCommand {
    pub async fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        match self {
            Self::Add(args) => args.execute(config_file).await,
        }
    }
}

impl AddArgs {
    async fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let dirs = Dirs::xdg()?;
        let path = config::config_path(config_file, &dirs);
        let existing = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        if config::parse(&existing, &path, &dirs)?
            .iter()
            .any(|a| a.name == self.name)
        {
            return Err(ConfigError::Invalid {
                path: path.clone(),
                account: self.name.clone(),
                message: "this account exists already; edit the file to change it".into(),
            }
            .into());
        }
        let mut url = self.url.clone();
        let mut probe = String::from("not probed (--no-probe)");
        if !self.no_probe {
            let account = self.checked(&existing, &path, &dirs, url.as_deref())?;
            if let config::SecretSource::OAuth(settings) = &account.secret {
                let wait = std::time::Duration::from_secs(300);
                super::login::sign_in(settings, self.device, true, wait)
                    .await
                    .with_context(|| format!("account {}", self.name))?;
            }
            let auth = account.auth().await?;
            if url.is_none() {
                let microsoft = matches!(auth, crate::http::Auth::Bearer(_));
                let found = autodiscover::discover(&account.email, &auth, &account.tls, |e| {
                    autodiscover::candidates_for(e, microsoft)
                })
                .await
                .context("Autodiscover found no server; give it with --url")?;
                url = Some(found.url);
            }
            let target = url.clone().expect("set above");
            let mut config =
                SessionConfig::new(target, account.user.clone(), DeviceId::generate()?, auth);
            config.tls = account.tls.clone();
            let session = Session::connect(config)
                .await
                .context("probing the server (OPTIONS) failed; nothing was written")?;
            probe = format!("EAS {} at {}", session.version(), session.url());
            url = Some(session.url().to_string());
        }
        let text = self.with_section(&existing, url.as_deref())?;
        self.checked(&existing, &path, &dirs, url.as_deref())?;
        write_private(&path, &text)?;
        let next = if self.oauth && self.no_probe {
            format!("; sign in with `easync login {}`", self.name)
        } else {
            String::new()
        };
        super::write_stdout(
            format!(
                "added account {} to {}: {probe}{next}\n",
                self.name,
                path.display()
            )
            .as_bytes(),
        )
    }

    /// The new account as the configuration will read it (so nothing invalid is written).
    fn checked(
        &self,
        existing: &str,
        path: &Path,
        dirs: &Dirs,
        url: Option<&str>,
    ) -> Result<config::Account, anyhow::Error> {
        let text = self.with_section(existing, url)?;
        let accounts = config::parse(&text, path, dirs)?;
        Ok(accounts
            .into_iter()
            .find(|a| a.name == self.name)
            .expect("the section just added"))
    }

    /// The file with this account's section appended (comments and order of the rest kept).
    fn with_section(&self, existing: &str, url: Option<&str>) -> anyhow::Result<String> {
        let argv = |cmd: &str| -> toml::Value {
            toml::Value::Array(
                cmd.split_whitespace()
                    .map(|w| w.to_string().into())
                    .collect(),
            )
        };
        let mut t = toml::Table::new();
        t.insert("email".into(), self.email.clone().into());
        if let Some(u) = &self.user {
            t.insert("user".into(), u.clone().into());
        }
        if let Some(u) = url {
            t.insert("url".into(), u.to_string().into());
        }
        if let Some(c) = &self.password_cmd {
            t.insert("password_cmd".into(), argv(c));
        }
        if let Some(v) = &self.password_env {
            t.insert("password_env".into(), v.clone().into());
        }
        if let Some(c) = &self.token_cmd {
            t.insert("token_cmd".into(), argv(c));
        }
        if self.oauth {
            let mut o = toml::Table::new();
            let mut put = |k: &str, v: &Option<String>| {
                if let Some(v) = v {
                    o.insert(k.into(), v.clone().into());
                }
            };
            put("client_id", &self.client_id);
            put("tenant", &self.tenant);
            put("authority", &self.authority);
            t.insert("oauth".into(), o.into());
        }
        if self.allow_insecure_http {
            t.insert("allow_insecure_http".into(), true.into());
        }
        let mut accounts = toml::Table::new();
        accounts.insert(self.name.clone(), t.into());
        let mut root = toml::Table::new();
        root.insert("account".into(), accounts.into());
        let section = toml::to_string(&root)?;
        let sep = if existing.is_empty() || existing.ends_with("\n\n") {
            ""
        } else if existing.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        Ok(format!("{existing}{sep}{section}"))
    }
}

/// Writes the file readable by its owner only, through a temporary file and a rename.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("toml.new");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

//! The configuration file: `$XDG_CONFIG_HOME/easync/config.toml` (or `-c FILE`, or
//! `$EASYNC_CONFIG`), one `[account.NAME]` table per account.
//!
//! ```toml
//! [account.work]
//! email = "bob@example.com"
//! url = "https://mail.example.com/Microsoft-Server-ActiveSync"   # else Autodiscover
//! password_cmd = ["pass", "show", "work/exchange"]              # argv, no shell
//!
//! [account.work.tls]
//! ca_file = "/etc/ssl/internal-ca.pem"
//! ```
//!
//! The raw file ([`ConfigFile`]) is kept apart from what the program uses ([`Account`]):
//! loading checks every field (unknown keys are errors, so typos are caught) and resolves paths;
//! secrets are fetched only when a command needs them ([`secret`]), never stored or logged.

pub mod exports;
pub mod oauth;
pub mod prefs;
pub mod secret;
pub mod serve;
pub mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::http::TlsOptions;
use crate::proto::{DeviceId, ProtocolVersion};
pub use prefs::{BodyPolicy, RawSync, SyncPrefs};
pub use secret::{SecretOptions, SecretSource};
pub use serve::{RawServe, ServeConfig};
pub use watch::{RawWatch, WatchPrefs};

/// Why the configuration cannot be used. Each message names the file and what to change.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("no configuration file at {path}: create it (see the README) or pass -c FILE")]
    Missing { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: account {account:?}: {message}")]
    Invalid {
        path: PathBuf,
        account: String,
        message: String,
    },
    #[error("no account named {name:?} in {path} (accounts: {known})")]
    UnknownAccount {
        name: String,
        path: PathBuf,
        known: String,
    },
    #[error("{path} defines several accounts ({known}): name one")]
    Ambiguous { path: PathBuf, known: String },
    #[error("cannot find the home directory to place configuration and state: {0}")]
    NoHome(String),
    #[error("{0}")]
    Secret(String),
    /// The OAuth2 sign-in has no token (not signed in, refused, unreachable).
    #[error(transparent)]
    SignIn(#[from] crate::oauth::OAuthError),
}

/// The file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub account: BTreeMap<String, RawAccount>,
    /// `[serve]`: `easync serve`'s listeners ([`serve`]).
    #[serde(default)]
    pub serve: RawServe,
}

/// One `[account.NAME]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    pub email: String,
    /// The login; defaults to `email`.
    pub user: Option<String>,
    /// The EAS URL; Autodiscover finds it when absent. https, or http to loopback only unless
    /// `allow_insecure_http` is set.
    pub url: Option<String>,
    /// Allow plain http to a server other than this machine (a lab server): the password or
    /// token then crosses the network unencrypted. Off by default.
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// A command (argv, no shell) printing the password on its first line.
    pub password_cmd: Option<Vec<String>>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// The password itself (discouraged: a warning is printed). A [`Secret`](crate::http::Secret)
    /// already, so that a `Debug` of the raw file shows no password.
    pub password: Option<crate::http::Secret>,
    /// A command printing an OAuth2 access token (Microsoft 365), alone or as JSON with
    /// `access_token` and `expires_in`/`expiry`.
    pub token_cmd: Option<Vec<String>>,
    /// `[account.NAME.oauth]`: built-in OAuth2 sign-in (`easync login NAME`).
    pub oauth: Option<oauth::RawOAuth>,
    /// Seconds `password_cmd`/`token_cmd` may run before they are stopped (default 30).
    pub secret_timeout: Option<u64>,
    /// Seconds a token from `token_cmd` is used when its output names no expiry (default 3000).
    pub token_lifetime: Option<u64>,
    pub device_id: Option<String>,
    pub protocol_version: Option<String>,
    pub anchor_mailbox: Option<String>,
    /// Seconds a command may take before it is abandoned (default 120; long polls wait
    /// their heartbeat plus 30 s).
    pub timeout: Option<u64>,
    /// Where the SQLite database goes (default `$XDG_STATE_HOME/easync/NAME.sqlite`).
    pub database: Option<PathBuf>,
    #[serde(default)]
    pub tls: RawTls,
    #[serde(default)]
    pub sync: RawSync,
    #[serde(default)]
    pub watch: RawWatch,
    /// `[[account.NAME.export]]`.
    #[serde(default)]
    pub export: Vec<exports::RawExport>,
}

/// `[account.NAME.tls]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub insecure: bool,
}

/// An account, checked and with its paths resolved.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub email: String,
    pub user: String,
    pub url: Option<String>,
    pub secret: SecretSource,
    /// `secret_timeout`, `token_lifetime`.
    pub secret_options: SecretOptions,
    /// `None`: generated on first use and kept in the state directory.
    pub device_id: Option<DeviceId>,
    pub protocol_version: Option<ProtocolVersion>,
    pub anchor_mailbox: Option<String>,
    /// `timeout`: the HTTP timeout of a command (the session's default when `None`).
    pub timeout: Option<std::time::Duration>,
    pub database: PathBuf,
    pub tls: TlsOptions,
    pub sync: SyncPrefs,
    /// `[watch]`: what `easync watch` listens to and runs.
    pub watch: WatchPrefs,
    /// Exports run after every sync.
    pub exports: Vec<crate::export::Export>,
}

impl Account {
    /// The account's credentials, fetched now (`password_cmd`/`token_cmd` run under its
    /// `secret_timeout`).
    pub async fn auth(&self) -> Result<crate::http::Auth, ConfigError> {
        self.secret
            .auth_with(&self.user, &self.secret_options)
            .await
    }
}

/// Where things live by default (XDG on every Unix, as mbsync and vdirsyncer users expect).
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub state: PathBuf,
}

impl Dirs {
    /// `$XDG_CONFIG_HOME/easync` and `$XDG_STATE_HOME/easync`.
    pub fn xdg() -> Result<Self, ConfigError> {
        use etcetera::BaseStrategy as _;
        let base =
            etcetera::choose_base_strategy().map_err(|e| ConfigError::NoHome(e.to_string()))?;
        let state = base
            .state_dir()
            .unwrap_or_else(|| base.home_dir().join(".local/state"));
        Ok(Self {
            config: base.config_dir().join("easync"),
            state: state.join("easync"),
        })
    }
}

/// The config file to read: `-c FILE`, else `$EASYNC_CONFIG`, else the XDG location.
pub fn config_path(explicit: Option<&Path>, dirs: &Dirs) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("EASYNC_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| dirs.config.join("config.toml"))
}

/// Reads and checks the whole file.
pub fn load(path: &Path, dirs: &Dirs) -> Result<Vec<Account>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::Missing {
            path: path.to_path_buf(),
        },
        _ => ConfigError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    parse(&text, path, dirs)
}

/// The `[serve]` table of the file at `path` (its defaults when the file has none).
pub fn load_serve(path: &Path, dirs: &Dirs) -> Result<ServeConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| syntax_error(&text, path, &e))?;
    file.serve.resolve(path, dirs)
}

/// Checks a configuration text (`path` is for messages).
pub fn parse(text: &str, path: &Path, dirs: &Dirs) -> Result<Vec<Account>, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| syntax_error(text, path, &e))?;
    file.serve.clone().resolve(path, dirs)?;
    file.account
        .into_iter()
        .map(|(name, raw)| resolve(name, raw, path, dirs))
        .collect()
}

/// A TOML error as `line L, column C: message`. Never toml's own `Display`: it quotes the
/// offending source line, and a `password = …` line would end up on the terminal and in logs.
/// A value echoed by the message itself (`invalid type: integer `1234``) is left out too.
fn syntax_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let mut message = e.message().trim_end().to_string();
    let Some(span) = e.span() else {
        return ConfigError::Syntax {
            path: path.to_path_buf(),
            message,
        };
    };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text
        .get(line_start..start)
        .map_or(1, |t| t.chars().count() + 1);
    let line_text = text[line_start..].lines().next().unwrap_or("");
    // serde quotes an unexpected value as `integer `1234`` or `string "text"`.
    if let Some((_, value)) = line_text.split_once('=') {
        let value = value.trim();
        for v in [value, value.trim_matches(|c| c == '"' || c == '\'')] {
            message = message
                .replace(&format!("`{v}`"), "`…`")
                .replace(&format!("{v:?}"), "\"…\"");
        }
    }
    ConfigError::Syntax {
        path: path.to_path_buf(),
        message: format!("line {line}, column {column}: {message}"),
    }
}

fn resolve(
    name: String,
    raw: RawAccount,
    path: &Path,
    dirs: &Dirs,
) -> Result<Account, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        account: name.clone(),
        message,
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(invalid(
            "account names use letters, digits, '-', '_' and '.' only".into(),
        ));
    }
    if !raw.email.contains('@') {
        return Err(invalid(format!(
            "email {:?} is not an e-mail address",
            raw.email
        )));
    }
    let oauth = raw
        .oauth
        .as_ref()
        .map(|o| oauth::resolve(o, &name, &raw.email, dirs, raw.tls.ca_file.clone()))
        .transpose()
        .map_err(invalid)?;
    // OAuth accounts name their mailbox (Outlook.com needs DefaultAnchorMailbox, Exchange
    // Online routes bearer requests by X-AnchorMailbox).
    let anchor_mailbox = raw
        .anchor_mailbox
        .clone()
        .or_else(|| oauth.is_some().then(|| raw.email.clone()));
    let secret = SecretSource::from_raw(&raw, oauth).map_err(invalid)?;
    let secret_options = SecretOptions::from_raw(&raw).map_err(invalid)?;
    let device_id = raw
        .device_id
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: crate::proto::ProtoError| invalid(e.to_string()))?;
    let protocol_version = raw
        .protocol_version
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: crate::proto::ProtoError| invalid(e.to_string()))?;
    if let Some(url) = &raw.url {
        crate::http::origin::check(url, raw.allow_insecure_http, "url")
            .map_err(|e| invalid(e.to_string()))?;
    }
    if raw.allow_insecure_http {
        tracing::warn!(account = %name, "plain http is allowed for this account (allow_insecure_http): credentials may cross the network unencrypted");
    }
    let sync = prefs::resolve(&raw.sync).map_err(invalid)?;
    let watch = watch::resolve(&raw.watch).map_err(invalid)?;
    let exports = raw
        .export
        .iter()
        .map(exports::resolve)
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    if raw.timeout.is_some_and(|t| !(1..=3600).contains(&t)) {
        return Err(invalid("timeout must be between 1 and 3600 seconds".into()));
    }
    if raw.tls.insecure {
        tracing::warn!(account = %name, "TLS verification is off for this account (tls.insecure)");
    }
    Ok(Account {
        user: raw.user.clone().unwrap_or_else(|| raw.email.clone()),
        database: raw
            .database
            .clone()
            .unwrap_or_else(|| dirs.state.join(format!("{name}.sqlite"))),
        tls: TlsOptions {
            extra_ca_file: raw.tls.ca_file.clone(),
            insecure: raw.tls.insecure,
            allow_insecure_http: raw.allow_insecure_http,
        },
        email: raw.email,
        url: raw.url,
        secret,
        secret_options,
        device_id,
        protocol_version,
        anchor_mailbox,
        timeout: raw.timeout.map(std::time::Duration::from_secs),
        sync,
        watch,
        exports,
        name,
    })
}

/// The account to use: the one named, or the only one.
pub fn pick<'a>(
    accounts: &'a [Account],
    name: Option<&str>,
    path: &Path,
) -> Result<&'a Account, ConfigError> {
    let known = || {
        accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(n) => {
            accounts
                .iter()
                .find(|a| a.name == n)
                .ok_or_else(|| ConfigError::UnknownAccount {
                    name: n.to_string(),
                    path: path.to_path_buf(),
                    known: known(),
                })
        }
        None if accounts.len() == 1 => Ok(&accounts[0]),
        None if accounts.is_empty() => Err(ConfigError::UnknownAccount {
            name: String::new(),
            path: path.to_path_buf(),
            known: "none".into(),
        }),
        None => Err(ConfigError::Ambiguous {
            path: path.to_path_buf(),
            known: known(),
        }),
    }
}

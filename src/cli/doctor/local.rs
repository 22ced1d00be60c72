//! The checks on this machine: the configuration, the secret, the database (read only: its
//! integrity and schema version) and the writer lock.

use std::path::Path;

use crate::cli::{EXIT_AUTH, EXIT_CONFIG, EXIT_FAILURE};
use crate::config::{self, Account, ConfigError, Dirs, SecretSource};
use crate::http::Auth;
use crate::store::{Diagnosis, SCHEMA_VERSION, StoreError, WriterLock};

use super::report::Report;

/// The account to check, or `None` after reporting why there is none.
pub fn config(r: &mut Report, config_file: Option<&Path>, name: Option<&str>) -> Option<Account> {
    let found = Dirs::xdg().and_then(|dirs| {
        let path = config::config_path(config_file, &dirs);
        let accounts = config::load(&path, &dirs)?;
        let acct = config::pick(&accounts, name, &path)?.clone();
        Ok((path, acct))
    });
    match found {
        Ok((path, acct)) => {
            r.ok(
                "config",
                format!("{}: account {} ({})", path.display(), acct.name, acct.email),
            );
            Some(acct)
        }
        Err(e) => {
            let fix = match &e {
                ConfigError::Missing { .. } => "create it: `easync account add NAME --email \
                     ADDRESS --password-cmd \"pass show NAME\"` (docs/configuration.md)"
                    .to_string(),
                ConfigError::UnknownAccount { .. } | ConfigError::Ambiguous { .. } => {
                    "name the account: `easync doctor NAME`".into()
                }
                _ => "fix the file: the message names the line or the key \
                     (docs/configuration.md lists every key)"
                    .into(),
            };
            r.fail("config", e.to_string(), (fix, EXIT_CONFIG));
            None
        }
    }
}

/// Where the secret comes from, in words (never the secret).
fn source(s: &SecretSource) -> String {
    match s {
        SecretSource::Command(argv) => format!("password from `{}`", argv.join(" ")),
        SecretSource::Env(var) => format!("password from ${var}"),
        SecretSource::Literal(_) => "password written in the file".into(),
        SecretSource::TokenCommand(argv) => format!("OAuth2 token from `{}`", argv.join(" ")),
        SecretSource::OAuth(o) => {
            format!("easync's own OAuth2 sign-in (tokens in {})", o.kept_in())
        }
    }
}

/// Fetches the secret (password_cmd and token_cmd really run).
pub async fn secret(r: &mut Report, acct: &Account) -> Option<Auth> {
    let from = source(&acct.secret);
    match acct.auth().await {
        Ok(auth) => {
            if matches!(acct.secret, SecretSource::Literal(_)) {
                r.warn(
                    "secret",
                    from,
                    "anyone who reads the file has it: prefer password_cmd (e.g. [\"pass\", \
                     \"show\", \"work\"]) or password_env",
                );
            } else {
                r.ok("secret", format!("{from}: fetched"));
            }
            Some(auth)
        }
        Err(e) => {
            let fix = match &acct.secret {
                SecretSource::OAuth(_) => format!(
                    "sign in again: `easync login {}` (the message above says why)",
                    acct.name
                ),
                SecretSource::Env(var) => format!(
                    "set {var} where easync runs (for the systemd units: \
                     `systemctl --user set-environment {var}=…`, or an Environment= line)"
                ),
                _ => "run that command yourself: it must print the secret on its first line \
                     without asking anything (easync gives it no terminal)"
                    .into(),
            };
            r.fail("secret", format!("{from}: {e}"), (fix, EXIT_AUTH));
            None
        }
    }
}

/// The database as it is, before anything opens it for writing.
pub fn inspect(acct: &Account) -> Result<Option<Diagnosis>, StoreError> {
    crate::store::diagnose(&acct.database)
}

/// Whether what the server check learned may be written to the database now.
pub fn writable(diag: &Result<Option<Diagnosis>, StoreError>) -> bool {
    match diag {
        Ok(None) => true,
        Ok(Some(d)) => d.schema_version == SCHEMA_VERSION && d.problems.is_empty(),
        Err(_) => false,
    }
}

/// Reports the database; `created`: this run created it to keep the device's state.
pub fn database(
    r: &mut Report,
    acct: &Account,
    diag: &Result<Option<Diagnosis>, StoreError>,
    created: bool,
) {
    let path = acct.database.display();
    let rebuild = format!(
        "move {path} away and run `easync sync {}`: it is rebuilt from the server (local \
         changes not yet sent — `easync changes` — would be lost)",
        acct.name
    );
    match diag {
        Ok(None) if created => r.ok(
            "database",
            format!("{path}: created now to keep this device's id and policy (empty until `easync sync`)"),
        ),
        Ok(None) => r.ok(
            "database",
            format!("{path}: not created yet (`easync sync {}` creates it)", acct.name),
        ),
        Ok(Some(d)) if !d.problems.is_empty() => r.fail(
            "database",
            format!("{path}: SQLite's integrity check fails: {}", d.problems.join("; ")),
            (rebuild, EXIT_FAILURE),
        ),
        Ok(Some(d)) if d.schema_version > SCHEMA_VERSION => r.fail(
            "database",
            format!(
                "{path}: schema version {}, newer than this easync knows ({SCHEMA_VERSION})",
                d.schema_version
            ),
            ("upgrade easync (a newer one wrote this database)".into(), EXIT_FAILURE),
        ),
        Ok(Some(d)) if d.schema_version < SCHEMA_VERSION => r.ok(
            "database",
            format!(
                "{path}: integrity ok, schema version {} (the next sync upgrades it to {SCHEMA_VERSION})",
                d.schema_version
            ),
        ),
        Ok(Some(d)) => r.ok(
            "database",
            format!(
                "{path}: integrity ok, schema version {SCHEMA_VERSION}, {} items",
                d.items.unwrap_or(0)
            ),
        ),
        Err(e) => r.fail("database", e.to_string(), (rebuild, EXIT_FAILURE)),
    }
}

/// Takes the writer lock if it is free.
pub fn try_lock(acct: &Account) -> Result<WriterLock, StoreError> {
    WriterLock::acquire(&acct.database)
}

pub fn lock(r: &mut Report, lock: &Result<WriterLock, StoreError>) {
    match lock {
        Ok(l) => r.ok("lock", format!("{}: free", l.path().display())),
        Err(StoreError::Locked { path }) => r.warn(
            "lock",
            format!(
                "{}: held by another easync (a running watch or sync)",
                path.display()
            ),
            "fine if one runs on purpose (`systemctl --user status 'easync-*'`); meanwhile \
             `easync sync` exits 75 and tries again at its next run",
        ),
        Err(e) => r.fail(
            "lock",
            e.to_string(),
            (
                "the state directory must be writable by you".into(),
                EXIT_FAILURE,
            ),
        ),
    }
}

//! `easync doctor [ACCOUNT]`: checks what usually goes wrong, in the order it goes wrong —
//! the configuration, the secret, the server's name (DNS), TLS, OPTIONS and the version,
//! provisioning, whether the device is allowed (quarantine), the database, the writer lock,
//! the clocks — and prints each as ok or what to do. It does what the start of a sync does and
//! no more (no folder is synced), and keeps what a sync would keep: the device id, the policy
//! key, the URL and version, in the account's database (created if needed), unless another
//! easync holds the lock.

mod advice;
mod local;
mod remote;
mod report;

use std::path::Path;

use clap::Args;

use crate::config::Account;
use crate::store::Store;
use report::Report;

/// Check an account's set-up, from the configuration to the server, and say what to fix.
///
/// Each check prints `ok`, `warn` or `FAIL` (with what to do), or `skip` when what it needs
/// failed first. The exit status is 0 when nothing failed, else that of the first failure: 78
/// configuration, 77 a person must act (credentials, device approval), 75 temporary, 1 other.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The account (default: the only one).
    account: Option<String>,
    /// One JSON object per check: {"check","status","detail","fix"}.
    #[arg(long)]
    json: bool,
}

/// Problems found: the exit status of the first.
#[derive(Debug, thiserror::Error)]
#[error("doctor found {count} problem(s): see above")]
pub struct Problems {
    pub code: u8,
    pub count: usize,
}

impl DoctorArgs {
    pub async fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let mut r = Report::new(self.json);
        match local::config(&mut r, config_file, self.account.as_deref()) {
            Some(acct) => check(&mut r, &acct).await,
            None => {
                for c in [
                    "secret",
                    "dns",
                    "tls",
                    "options",
                    "provisioning",
                    "device",
                    "database",
                    "lock",
                    "clock",
                ] {
                    r.skip(c, "needs the configuration");
                }
            }
        }
        match r.finish() {
            0 => Ok(()),
            code => Err(Problems {
                code,
                count: r.failures(),
            }
            .into()),
        }
    }
}

async fn check(r: &mut Report, acct: &Account) {
    let auth = local::secret(r, acct).await;
    let diag = local::inspect(acct);
    let lock = local::try_lock(acct);
    let stored = match &diag {
        Ok(Some(d)) => d.account.clone(),
        _ => Default::default(),
    };
    let remote = remote::run(r, acct, auth, &stored).await;
    let mut created = false;
    if let (Some(state), Ok(_), true) = (&remote.learned, &lock, local::writable(&diag)) {
        created = matches!(diag, Ok(None));
        if let Err(e) = keep(acct, state) {
            tracing::warn!("could not keep the device's state: {e}");
            created = false;
        }
    }
    local::database(r, acct, &diag, created);
    local::lock(r, &lock);
    remote::clock(r, &remote);
}

/// Writes what the server check learned, as a sync's connect step would.
fn keep(
    acct: &Account,
    state: &crate::store::AccountState,
) -> Result<(), crate::store::StoreError> {
    let mut store = Store::open(&acct.database)?;
    store.save_account(state)
}

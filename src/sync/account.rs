//! Connecting an account: the device id, URL, version and policy key the store remembers are
//! reused, and whatever the session learns (redirects, provisioning) is written back.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::{Auth, HttpError, Session, SessionConfig, TlsOptions};
use crate::proto::{DeviceId, PolicyKey, ProtocolVersion};
use crate::store::{self, Store};

use super::SyncError;

/// What connecting needs besides the store.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub email: String,
    pub user: String,
    /// The configured URL; else the stored one; else Autodiscover.
    pub url: Option<String>,
    pub device_id: Option<DeviceId>,
    pub version: Option<ProtocolVersion>,
    pub anchor_mailbox: Option<String>,
    /// The HTTP timeout of a command; the session's default when `None`.
    pub timeout: Option<std::time::Duration>,
    pub tls: TlsOptions,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Opens a session for the account whose state `db` holds.
pub async fn connect(
    db: &mut Store,
    opts: &ConnectOptions,
    auth: Auth,
) -> Result<Session, SyncError> {
    let mut state = db.account()?;
    // A wait stored years ahead (by an easync that did not clamp server delays) is ignored:
    // no server-stated delay is longer than a day.
    let latest = now().saturating_add(crate::http::MAX_DELAY.as_secs() as i64);
    if let Some(until) = state.throttle_until.filter(|&t| t > now() && t <= latest) {
        return Err(SyncError::Http(HttpError::RetryAfter {
            delay: std::time::Duration::from_secs((until - now()) as u64),
            reason: "the server asked earlier to wait".into(),
            stated: true,
        }));
    }
    let device_id = match opts
        .device_id
        .clone()
        .or_else(|| state.device_id.as_deref()?.parse().ok())
    {
        Some(id) => id,
        None => DeviceId::generate()
            .map_err(|e| SyncError::Server(format!("cannot make a device id: {e}")))?,
    };
    let url = match opts.url.clone().or_else(|| state.base_url.clone()) {
        Some(url) => url,
        None => {
            // A bearer token means Microsoft 365 or Outlook.com: Autodiscover v2 first.
            let microsoft = matches!(auth, Auth::Bearer(_));
            let candidates = |e: &str| crate::http::autodiscover::candidates_for(e, microsoft);
            crate::http::autodiscover::discover(&opts.email, &auth, &opts.tls, candidates)
                .await?
                .url
        }
    };
    let mut config = SessionConfig::new(url, opts.user.clone(), device_id.clone(), auth);
    config.version = opts
        .version
        .or_else(|| state.protocol_version.as_deref()?.parse().ok());
    config.policy_key = state.policy_key.map(PolicyKey);
    config.anchor_mailbox = opts.anchor_mailbox.clone();
    if let Some(t) = opts.timeout {
        config.timeout = t;
    }
    config.tls = opts.tls.clone();
    let session = Session::connect(config).await?;
    state.device_id = Some(device_id.to_string());
    remember(db, &session, state)?;
    Ok(session)
}

/// Writes what the session learned (URL after redirects, version, policy key).
pub fn remember(
    db: &mut Store,
    session: &Session,
    mut state: store::AccountState,
) -> Result<(), SyncError> {
    state.base_url = Some(session.url().to_string());
    state.protocol_version = Some(session.version().to_string());
    state.policy_key = session.policy_key().map(|k| k.0);
    state.throttle_until = None;
    Ok(db.save_account(&state)?)
}

/// Records a throttling answer so the next run waits too.
pub fn remember_throttle(db: &mut Store, err: &SyncError) -> Result<(), SyncError> {
    let SyncError::Http(HttpError::RetryAfter { delay, .. }) = err else {
        return Ok(());
    };
    let mut state = db.account()?;
    let delay = (*delay).min(crate::http::MAX_DELAY);
    state.throttle_until = Some(now().saturating_add(delay.as_secs() as i64));
    Ok(db.save_account(&state)?)
}

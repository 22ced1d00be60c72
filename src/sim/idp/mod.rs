//! A loopback identity provider: the Microsoft identity platform v2 endpoints
//! (`/{tenant}/oauth2/v2.0/authorize|token|devicecode`) that easync's OAuth2 sign-in talks to,
//! so that sign-in, refresh and every refusal are tested without the internet.
//!
//! - `GET /{tenant}/oauth2/v2.0/authorize` (authorization code + PKCE, RFC 7636 S256 required):
//!   answers `302` to the loopback `redirect_uri` with `code` and `state`, so a test "signs in"
//!   by fetching the URL easync prints and then the `Location` it is sent to;
//! - `POST /{tenant}/oauth2/v2.0/token`: `authorization_code` (the verifier checked against the
//!   challenge), `refresh_token` with **rotation** (each refresh token is redeemed once; a
//!   second redemption is refused and counted in [`IdpStats::reused`]), and the device code grant
//!   (RFC 8628: `authorization_pending`, `slow_down` when polled faster than the interval,
//!   `expired_token`);
//! - `POST /{tenant}/oauth2/v2.0/devicecode`, and `GET /devicelogin?user_code=…` where the "user"
//!   approves (or [`Idp::approve`]);
//! - refusals by switch ([`faults`]), [`Idp::revoke`] and [`Idp::expire_access_tokens`].
//!
//! The simulator requires its bearer tokens when [`super::SimConfig::oauth`] names one: a request
//! with an expired or revoked token gets HTTP 401 ([`Idp::check`]).

pub mod faults;
mod grants;
mod routes;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use faults::{IdpFault, Step};

/// The delegated permission EAS needs (Microsoft 365 and Outlook.com).
pub const EAS_SCOPE: &str = "https://outlook.office.com/EAS.AccessAsUser.All";

/// How the IdP behaves.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    /// The one registered public client; any other `client_id` is refused (AADSTS700016).
    pub client_id: String,
    /// `expires_in` of access tokens (whole seconds, at least 1).
    pub access_lifetime: Duration,
    /// `interval` of device codes, in seconds.
    pub device_interval: u64,
    /// `expires_in` of device codes.
    pub device_lifetime: Duration,
}

impl Default for IdpConfig {
    fn default() -> Self {
        Self {
            // Made up for the tests: no vendor's application id.
            client_id: "00000000-0000-4000-8000-0000000e45c1".into(),
            access_lifetime: Duration::from_secs(3600),
            device_interval: 1,
            device_lifetime: Duration::from_secs(900),
        }
    }
}

/// What [`Idp::check`] says of a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    Valid,
    Expired,
    Revoked,
    Unknown,
}

/// Counters, for tests.
#[derive(Debug, Default)]
pub struct IdpStats {
    /// Redirects with a code (browser sign-ins).
    pub authorizations: AtomicU64,
    pub codes_redeemed: AtomicU64,
    pub device_codes: AtomicU64,
    /// Device codes redeemed for tokens.
    pub device_grants: AtomicU64,
    pub polls: AtomicU64,
    /// Polls sooner than the interval (answered `slow_down`).
    pub too_fast_polls: AtomicU64,
    /// Successful refresh grants.
    pub refreshes: AtomicU64,
    /// Refresh tokens presented after they were rotated out.
    pub reused: AtomicU64,
    /// For each refresh: how long the newest access token still had to live.
    remaining: Mutex<Vec<Duration>>,
    /// The tenant segment of every request, in order.
    tenants: Mutex<Vec<String>>,
}

impl IdpStats {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times `counter` counted.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
struct Code {
    challenge: String,
    redirect_uri: String,
    scope: String,
    issued: Instant,
}

#[derive(Debug)]
struct Device {
    user_code: String,
    scope: String,
    expires: Instant,
    interval: Duration,
    last_poll: Option<Instant>,
    approved: bool,
    declined: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refresh {
    Live,
    Used,
    Revoked,
}

#[derive(Debug, Default)]
struct State {
    codes: HashMap<String, Code>,
    devices: HashMap<String, Device>,
    refresh: HashMap<String, (Refresh, String)>,
    access: HashMap<String, (Instant, bool)>,
    newest_expiry: Option<Instant>,
    issued: Vec<String>,
}

/// The identity provider's state.
#[derive(Debug)]
pub struct Idp {
    pub config: IdpConfig,
    state: Mutex<State>,
    faults: Mutex<Vec<(IdpFault, Option<u32>)>>,
    pub stats: IdpStats,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `n` random bytes as hex (ring's system generator).
pub(crate) fn random_hex(n: usize) -> String {
    use ring::rand::SecureRandom as _;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Idp {
    pub fn new(config: IdpConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            state: Mutex::new(State::default()),
            faults: Mutex::new(Vec::new()),
            stats: IdpStats::default(),
        })
    }

    /// Whether the simulator may take `token`.
    pub fn check(&self, token: &str) -> TokenCheck {
        match lock(&self.state).access.get(token) {
            None => TokenCheck::Unknown,
            Some((_, true)) => TokenCheck::Revoked,
            Some((until, false)) if Instant::now() >= *until => TokenCheck::Expired,
            Some(_) => TokenCheck::Valid,
        }
    }

    /// The user approves the device code `user_code` (what `/devicelogin` does); false when
    /// there is no such code.
    pub fn approve(&self, user_code: &str) -> bool {
        self.decide(user_code, true)
    }

    /// The user declines it.
    pub fn decline(&self, user_code: &str) -> bool {
        self.decide(user_code, false)
    }

    fn decide(&self, user_code: &str, approve: bool) -> bool {
        let mut state = lock(&self.state);
        let Some(d) = state
            .devices
            .values_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(user_code.trim()))
        else {
            return false;
        };
        d.approved = approve;
        d.declined = !approve;
        true
    }

    /// Revokes every grant (a password reset): refresh tokens are refused (AADSTS50173) and
    /// access tokens get HTTP 401 from the simulator.
    pub fn revoke(&self) {
        let mut state = lock(&self.state);
        state
            .refresh
            .values_mut()
            .for_each(|r| r.0 = Refresh::Revoked);
        state.access.values_mut().for_each(|a| a.1 = true);
    }

    /// Every access token issued so far expires now (the simulator answers 401 to them).
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        let mut state = lock(&self.state);
        state.access.values_mut().for_each(|a| a.0 = now);
        state.newest_expiry = Some(now);
    }

    /// Arms a refusal for the next `times` requests it applies to (for ever when `None`).
    pub fn arm(&self, fault: IdpFault, times: Option<u32>) {
        lock(&self.faults).push((fault, times));
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// The armed fault for a request at `step`, if any (counted down).
    fn take(&self, step: Step) -> Option<IdpFault> {
        let mut faults = lock(&self.faults);
        let pos = faults.iter().position(|(f, _)| f.applies(step))?;
        let fault = faults[pos].0;
        if let Some(t) = &mut faults[pos].1 {
            *t = t.saturating_sub(1);
            if *t == 0 {
                faults.remove(pos);
            }
        }
        Some(fault)
    }

    /// Every access and refresh token issued so far (for tests that look for leaks).
    pub fn issued(&self) -> Vec<String> {
        lock(&self.state).issued.clone()
    }

    /// For each refresh, in order: how long the newest access token still had to live then.
    /// A client that refreshes once per expiry shows small values only.
    pub fn refresh_remaining(&self) -> Vec<Duration> {
        lock(&self.stats.remaining).clone()
    }

    /// The tenant segment of every request, in order.
    pub fn tenants(&self) -> Vec<String> {
        lock(&self.stats.tenants).clone()
    }

    fn seen_tenant(&self, tenant: &str) {
        lock(&self.stats.tenants).push(tenant.to_string());
    }
}

/// An IdP on its own thread; stops when dropped.
pub struct RunningIdp {
    pub idp: Arc<Idp>,
    pub addr: SocketAddr,
    _server: super::server::Background,
}

impl RunningIdp {
    /// The `authority` clients are configured with (`http://127.0.0.1:PORT`).
    pub fn authority(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts an IdP on a free port of 127.0.0.1.
pub fn spawn_thread(idp: Arc<Idp>) -> std::io::Result<RunningIdp> {
    let (addr, server) = super::server::background(routes::app(idp.clone()), None)?;
    Ok(RunningIdp {
        idp,
        addr,
        _server: server,
    })
}

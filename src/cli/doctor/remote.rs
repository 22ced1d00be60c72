//! The checks against the server, each needing the one before: the URL (configured, stored
//! by a sync, or found by Autodiscover), DNS, TLS, OPTIONS and the version, provisioning, and
//! whether the device is allowed (a Settings request: quarantined devices get empty answers).
//! The server's clock comes from the first, unauthenticated answer.

use std::time::{Duration, SystemTime};

use crate::config::Account;
use crate::http::probe::{self, Reached, Resolved};
use crate::http::{Auth, HttpError, Session, SessionConfig, autodiscover};
use crate::proto::DeviceId;
use crate::proto::settings::Settings;
use crate::store::AccountState;

use super::advice;
use super::report::Report;

/// How long one step may take (a doctor should not hang for the command timeout).
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server checks leave behind.
#[derive(Debug, Default)]
pub struct Remote {
    /// The server's `Date`, when it was reached.
    pub date: Option<SystemTime>,
    pub reached: bool,
    /// The state to keep once provisioning succeeded.
    pub learned: Option<AccountState>,
}

const AFTER_URL: [&str; 5] = ["dns", "tls", "options", "provisioning", "device"];

fn skip_all(r: &mut Report, checks: &[&'static str], why: &str) {
    for c in checks {
        r.skip(c, why);
    }
}

pub async fn run(
    r: &mut Report,
    acct: &Account,
    auth: Option<Auth>,
    stored: &AccountState,
) -> Remote {
    let mut out = Remote::default();
    let Some(url) = server_url(r, acct, auth.as_ref(), stored).await else {
        skip_all(r, &AFTER_URL, "needs the server's URL");
        return out;
    };
    let Some(reached) = reach(r, acct, &url).await else {
        return out;
    };
    out.reached = true;
    out.date = reached.date;
    let Some(auth) = auth else {
        skip_all(r, &AFTER_URL[2..], "needs the secret");
        return out;
    };
    let device_id = device_id(acct, stored);
    let config = session_config(acct, &url, device_id.clone(), auth, stored);
    let Some(mut session) = options(r, acct, config).await else {
        skip_all(r, &AFTER_URL[3..], "needs OPTIONS");
        return out;
    };
    let device = device_id.to_string();
    if let Err(e) = session.provision().await {
        let fix = advice::http(&e, &acct.name, &device);
        if matches!(
            e,
            HttpError::DeviceBlocked | HttpError::EmptyResponse { .. }
        ) {
            // The server keeps the device out whatever the command: a device matter.
            r.skip(
                "provisioning",
                "the server does not let this device in (see device)",
            );
            r.fail("device", e.to_string(), fix);
        } else {
            r.fail("provisioning", e.to_string(), fix);
            r.skip("device", "needs provisioning");
        }
        return out;
    }
    let policy = match session.policy_key() {
        Some(_) => "the device policy is accepted; policy key received",
        None => "the server requires no device policy",
    };
    r.ok("provisioning", policy);
    device_allowed(r, acct, &mut session, &device).await;
    out.learned = Some(AccountState {
        device_id: Some(device),
        protocol_version: Some(session.version().to_string()),
        base_url: Some(session.url().to_string()),
        policy_key: session.policy_key().map(|k| k.0),
        ..stored.clone()
    });
    out
}

/// The configured URL, else the one a sync stored, else Autodiscover's answer.
async fn server_url(
    r: &mut Report,
    acct: &Account,
    auth: Option<&Auth>,
    stored: &AccountState,
) -> Option<String> {
    if let Some(url) = acct.url.clone().or_else(|| stored.base_url.clone()) {
        return Some(url);
    }
    let Some(auth) = auth else {
        r.skip(
            "autodiscover",
            "no url configured, and Autodiscover needs the secret",
        );
        return None;
    };
    let found = tokio::time::timeout(
        STEP_TIMEOUT * 4,
        autodiscover::discover(&acct.email, auth, &acct.tls, autodiscover::candidates),
    )
    .await;
    match found {
        Ok(Ok(d)) => {
            r.ok("autodiscover", format!("{} serves {}", d.url, acct.email));
            Some(d.url)
        }
        Ok(Err(e)) => {
            let why = format!("no server found for {}: {e}", acct.email);
            let fix = "set `url` in the account (ask the administrator, or look at what a phone \
                       set up with this account shows)";
            r.fail("autodiscover", why, (fix.into(), crate::cli::EXIT_FAILURE));
            None
        }
        Err(_) => {
            let fix = "set `url` in the account: Autodiscover did not finish";
            r.fail(
                "autodiscover",
                "no answer",
                (fix.into(), crate::cli::EXIT_TEMPORARY),
            );
            None
        }
    }
}

/// DNS, then TLS (and the unauthenticated OPTIONS that carries the server's Date).
async fn reach(r: &mut Report, acct: &Account, url: &str) -> Option<Reached> {
    let resolved = match probe::resolve(url, STEP_TIMEOUT).await {
        Ok(to) => to,
        Err(e) => {
            r.fail("dns", e.to_string(), advice::probe(&e, &acct.name));
            skip_all(r, &AFTER_URL[1..], "needs dns");
            return None;
        }
    };
    r.ok("dns", addresses(&resolved));
    match probe::reach(&resolved, &acct.tls, STEP_TIMEOUT).await {
        Ok(reached) => {
            tls_line(r, acct, &reached);
            Some(reached)
        }
        Err(e) => {
            r.fail("tls", e.to_string(), advice::probe(&e, &acct.name));
            skip_all(r, &AFTER_URL[2..], "needs tls");
            None
        }
    }
}

fn addresses(to: &Resolved) -> String {
    let list: Vec<String> = to.addresses.iter().map(|a| a.ip().to_string()).collect();
    format!("{} → {}", to.host, list.join(", "))
}

fn tls_line(r: &mut Report, acct: &Account, reached: &Reached) {
    if !reached.tls && acct.tls.allow_insecure_http {
        r.warn(
            "tls",
            "plain http (allow_insecure_http): no TLS",
            "the password or token crosses the network unencrypted: use https when the server has it",
        );
    } else if !reached.tls {
        r.ok("tls", "plain http to this machine: no TLS needed");
    } else if acct.tls.insecure {
        r.warn(
            "tls",
            "connected; the certificate is NOT verified (tls.insecure = true)",
            "anyone on the path can pose as the server: give the server's CA as tls.ca_file instead",
        );
    } else {
        let with = match &acct.tls.extra_ca_file {
            Some(ca) => format!(" (system roots and {})", ca.display()),
            None => String::new(),
        };
        r.ok("tls", format!("certificate verified{with}"));
    }
}

/// The device id a sync would use: the configured one, the stored one, else a new one.
fn device_id(acct: &Account, stored: &AccountState) -> DeviceId {
    acct.device_id
        .clone()
        .or_else(|| stored.device_id.as_deref()?.parse().ok())
        .unwrap_or_else(|| {
            DeviceId::generate().unwrap_or_else(|_| "easyncdoctor".parse().expect("valid"))
        })
}

fn session_config(
    acct: &Account,
    url: &str,
    device_id: DeviceId,
    auth: Auth,
    stored: &AccountState,
) -> SessionConfig {
    let mut config = SessionConfig::new(url, acct.user.clone(), device_id, auth);
    config.tls = acct.tls.clone();
    config.anchor_mailbox = acct.anchor_mailbox.clone();
    config.policy_key = stored.policy_key.map(crate::proto::PolicyKey);
    config.timeout = acct.timeout.unwrap_or(STEP_TIMEOUT).min(STEP_TIMEOUT);
    config
}

/// OPTIONS with credentials: the versions offered and the one easync will use.
async fn options(r: &mut Report, acct: &Account, config: SessionConfig) -> Option<Session> {
    let device = config.device_id.to_string();
    let fail = |r: &mut Report, e: &HttpError| {
        r.fail(
            "options",
            e.to_string(),
            advice::http(e, &acct.name, &device),
        );
    };
    let mut session = match Session::connect(config.clone()).await {
        Ok(s) => s,
        Err(e) => {
            fail(r, &e);
            return None;
        }
    };
    let offered = match session.options().await {
        Ok(o) => o.versions,
        Err(e) => {
            fail(r, &e);
            return None;
        }
    };
    let list = offered.join(", ");
    let Some(pinned) = acct.protocol_version else {
        let detail = format!(
            "the server offers {list}; easync uses {}",
            session.version()
        );
        r.ok("options", detail);
        return Some(session);
    };
    if !offered.iter().any(|v| v == pinned.as_str()) {
        let fix = format!(
            "remove protocol_version from the account (easync then picks the best of {list}), \
             or set one of them"
        );
        let why = format!("protocol_version = \"{pinned}\", but the server offers {list}");
        r.fail("options", why, (fix, crate::cli::EXIT_CONFIG));
        return None;
    }
    r.ok(
        "options",
        format!("the server offers {list}; easync uses {pinned} (protocol_version)"),
    );
    let config = SessionConfig {
        version: Some(pinned),
        ..config
    };
    Session::connect(config).await.ok()
}

/// A Settings request: answered normally unless the device is blocked or quarantined.
async fn device_allowed(r: &mut Report, acct: &Account, session: &mut Session, device: &str) {
    let ask = Settings {
        user_information: true,
        ..Settings::default()
    };
    let resp = match session.execute(&ask).await {
        Ok(resp) => resp,
        Err(e) => {
            r.fail(
                "device",
                e.to_string(),
                advice::http(&e, &acct.name, device),
            );
            return;
        }
    };
    let info = resp.user_information.unwrap_or_default();
    let mut known: Vec<String> = info
        .email_addresses
        .and_then(|a| a.primary_smtp_address)
        .into_iter()
        .collect();
    for a in info.accounts.map(|l| l.items).unwrap_or_default() {
        known.extend(a.email_addresses.and_then(|e| e.primary_smtp_address));
    }
    let version = session.version();
    if known.is_empty() || known.iter().any(|k| k.eq_ignore_ascii_case(&acct.email)) {
        let as_ = known
            .first()
            .map(|k| format!(" as {k}"))
            .unwrap_or_default();
        r.ok(
            "device",
            format!("device {device} allowed; the server answers{as_} (EAS {version})"),
        );
    } else {
        r.warn(
            "device",
            format!(
                "device {device} allowed; the server knows this mailbox as {}",
                known.join(", ")
            ),
            format!(
                "set email = \"{}\" (Autodiscover and anchor_mailbox go by it)",
                known[0]
            ),
        );
    }
}

/// The server's clock against this machine's.
pub fn clock(r: &mut Report, remote: &Remote) {
    if !remote.reached {
        r.skip("clock", "needs the server");
        return;
    }
    let Some(date) = remote.date else {
        r.skip("clock", "the server sent no Date header");
        return;
    };
    let now = SystemTime::now();
    let (skew, behind) = match now.duration_since(date) {
        Ok(d) => (d, true),
        Err(e) => (e.duration(), false),
    };
    let secs = skew.as_secs_f64().round() as u64;
    let side = if behind { "behind" } else { "ahead of" };
    let amount = if secs >= 120 {
        format!("{} min", (secs + 30) / 60)
    } else {
        format!("{secs} s")
    };
    let detail = format!("the server's clock is {amount} {side} this machine's");
    let fix = "if `timedatectl` says this machine is synchronized (NTP), tell the server's \
               administrator; else `sudo timedatectl set-ntp true`. Skewed clocks break \
               Kerberos/NTLM sign-in and token lifetimes, and shift mail_since windows";
    match secs {
        0..=60 => r.ok("clock", format!("within {secs} s of the server's")),
        61..=300 => r.warn("clock", detail, fix),
        _ => r.fail("clock", detail, (fix.into(), crate::cli::EXIT_FAILURE)),
    }
}

//! What the IdP's endpoints decide: the authorize redirect, the three grants of the token
//! endpoint (with PKCE verified and refresh tokens rotated), and device codes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use super::faults::{self, IdpFault, Refusal, Step};
use super::{EAS_SCOPE, Idp, IdpStats, Refresh, State, lock, random_hex};

pub(super) type Params = HashMap<String, String>;

/// The device code grant type (RFC 8628 3.4).
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What `/authorize` answers.
pub(super) enum Authorized {
    /// A 302 to this URL (the client's loopback redirect, with `code` or `error`).
    Redirect(String),
    /// An error page (no trustworthy redirect URI to send the browser to).
    Page(u16, String),
}

const UNKNOWN_APP: Refusal = (
    400,
    "unauthorized_client",
    700016,
    "Application with the given identifier was not found in the directory.",
);

/// The error JSON of the v2 endpoints (`error`, `error_description` starting with the AADSTS
/// code, `error_codes`, trace and correlation ids).
pub(super) fn error_body((status, error, code, text): Refusal) -> (u16, Value) {
    let trace = random_hex(8);
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {trace}\r\nTimestamp: 2026-12-01 00:00:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2026-12-01 00:00:00Z",
        "trace_id": trace,
        "correlation_id": trace,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, body)
}

fn get<'a>(p: &'a Params, key: &str) -> &'a str {
    p.get(key).map_or("", String::as_str)
}

fn has_eas_scope(scope: &str) -> bool {
    scope.split_whitespace().any(|s| s == EAS_SCOPE)
}

/// A redirect URI a public client may use: `http://localhost[:port]/…` or a loopback address
/// (RFC 8252 7.3; the registration's `http://localhost` matches any port).
fn loopback_redirect(uri: &str) -> bool {
    reqwest::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    })
}

/// RFC 7636 4.6: BASE64URL(SHA256(verifier)).
pub fn s256(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// RFC 7636 4.1: 43–128 unreserved characters.
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl Idp {
    pub(super) fn authorize(&self, q: &Params) -> Authorized {
        if get(q, "client_id") != self.config.client_id {
            return Authorized::Page(400, format!("AADSTS{}: {}", UNKNOWN_APP.2, UNKNOWN_APP.3));
        }
        let redirect = get(q, "redirect_uri");
        if !loopback_redirect(redirect) {
            return Authorized::Page(
                400,
                "AADSTS50011: The redirect URI specified in the request does not match the \
                 redirect URIs configured for the application."
                    .into(),
            );
        }
        let state = get(q, "state").to_string();
        let back = |pairs: &[(&str, &str)]| {
            let mut url = reqwest::Url::parse(redirect).expect("checked above");
            url.query_pairs_mut()
                .extend_pairs(pairs)
                .append_pair("state", &state);
            Authorized::Redirect(url.into())
        };
        let refuse = |r: Refusal| {
            let description = format!("AADSTS{}: {}", r.2, r.3);
            back(&[("error", r.1), ("error_description", &description)])
        };
        if get(q, "response_type") != "code" {
            return refuse((
                400,
                "unsupported_response_type",
                70005,
                "Use response_type=code.",
            ));
        }
        let challenge = get(q, "code_challenge");
        if get(q, "code_challenge_method") != "S256" || challenge.len() != 43 {
            return refuse((
                400,
                "invalid_request",
                9002325,
                "Proof Key for Code Exchange (S256) is required.",
            ));
        }
        if !has_eas_scope(get(q, "scope")) {
            return refuse(IdpFault::InvalidScope.refusal());
        }
        if let Some(f) = self.take(Step::Authorize) {
            let mut r = f.refusal();
            if f == IdpFault::ConsentRequired {
                r.1 = "consent_required";
            }
            return refuse(r);
        }
        let code = format!("eas-code-{}", random_hex(16));
        lock(&self.state).codes.insert(
            code.clone(),
            super::Code {
                challenge: challenge.to_string(),
                redirect_uri: redirect.to_string(),
                scope: get(q, "scope").to_string(),
                issued: Instant::now(),
            },
        );
        IdpStats::add(&self.stats.authorizations);
        back(&[("code", &code)])
    }

    /// POST `/token`: the tokens, or the refusal.
    pub(super) fn token(&self, form: &Params) -> Result<Value, Refusal> {
        if get(form, "client_id") != self.config.client_id {
            return Err(UNKNOWN_APP);
        }
        match get(form, "grant_type") {
            "authorization_code" => self.code_grant(form),
            "refresh_token" => self.refresh_grant(form),
            DEVICE_GRANT => self.device_grant(form),
            _ => Err((
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            )),
        }
    }

    fn code_grant(&self, form: &Params) -> Result<Value, Refusal> {
        if let Some(f) = self.take(Step::Code) {
            return Err(f.refusal());
        }
        let mut state = lock(&self.state);
        let Some(code) = state.codes.remove(get(form, "code")) else {
            return Err((
                400,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed or is not valid.",
            ));
        };
        if code.issued.elapsed() > Duration::from_secs(600) {
            return Err((
                400,
                "invalid_grant",
                70008,
                "The authorization code has expired.",
            ));
        }
        if get(form, "redirect_uri") != code.redirect_uri {
            return Err((
                400,
                "invalid_grant",
                50011,
                "The redirect URI does not match the one of the authorization request.",
            ));
        }
        let verifier = get(form, "code_verifier");
        if !valid_verifier(verifier) || s256(verifier) != code.challenge {
            return Err((
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the \
                 authorization request.",
            ));
        }
        IdpStats::add(&self.stats.codes_redeemed);
        Ok(self.issue(&mut state, &code.scope))
    }

    fn refresh_grant(&self, form: &Params) -> Result<Value, Refusal> {
        if let Some(f) = self.take(Step::Refresh) {
            return Err(f.refusal());
        }
        let mut state = lock(&self.state);
        let token = get(form, "refresh_token");
        let scope = match state.refresh.get(token) {
            None => return Err(IdpFault::InvalidGrant.refusal()),
            Some((Refresh::Used, _)) => {
                IdpStats::add(&self.stats.reused);
                return Err(faults::REUSED);
            }
            Some((Refresh::Revoked, _)) => return Err(faults::REVOKED),
            Some((Refresh::Live, scope)) => scope.clone(),
        };
        state
            .refresh
            .insert(token.to_string(), (Refresh::Used, scope.clone()));
        let now = Instant::now();
        let remaining = state
            .newest_expiry
            .map_or(Duration::ZERO, |e| e.saturating_duration_since(now));
        lock(&self.stats.remaining).push(remaining);
        IdpStats::add(&self.stats.refreshes);
        Ok(self.issue(&mut state, &scope))
    }

    /// POST `/devicecode` (RFC 8628 3.2); `host` is where `/devicelogin` is reached.
    pub(super) fn device_code(&self, form: &Params, host: &str) -> Result<Value, Refusal> {
        if get(form, "client_id") != self.config.client_id {
            return Err(UNKNOWN_APP);
        }
        if !has_eas_scope(get(form, "scope")) {
            return Err(IdpFault::InvalidScope.refusal());
        }
        if let Some(f) = self.take(Step::DeviceCode) {
            return Err(f.refusal());
        }
        let letters: String = random_hex(8)
            .bytes()
            .map(|b| (b'A' + b % 26) as char)
            .collect();
        let user_code = letters[..8].to_string();
        let device_code = format!("eas-dc-{}", random_hex(24));
        lock(&self.state).devices.insert(
            device_code.clone(),
            super::Device {
                user_code: user_code.clone(),
                scope: get(form, "scope").to_string(),
                expires: Instant::now() + self.config.device_lifetime,
                interval: Duration::from_secs(self.config.device_interval),
                last_poll: None,
                approved: false,
                declined: false,
            },
        );
        IdpStats::add(&self.stats.device_codes);
        let uri = format!("http://{host}/devicelogin");
        Ok(json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": self.config.device_lifetime.as_secs(),
            "interval": self.config.device_interval,
            "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
        }))
    }

    fn device_grant(&self, form: &Params) -> Result<Value, Refusal> {
        let mut state = lock(&self.state);
        let key = get(form, "device_code").to_string();
        let Some(d) = state.devices.get_mut(&key) else {
            return Err((400, "invalid_grant", 70000, "The device code is not valid."));
        };
        IdpStats::add(&self.stats.polls);
        let now = Instant::now();
        let early = d
            .last_poll
            .is_some_and(|last| now + Duration::from_millis(100) < last + d.interval);
        d.last_poll = Some(now);
        if early {
            IdpStats::add(&self.stats.too_fast_polls);
            d.interval += Duration::from_secs(5);
            return Err(IdpFault::SlowDown.refusal());
        }
        if now >= d.expires {
            state.devices.remove(&key);
            return Err(IdpFault::ExpiredToken.refusal());
        }
        if let Some(f) = self.take(Step::DevicePoll) {
            match f {
                IdpFault::SlowDown => d.interval += Duration::from_secs(5),
                IdpFault::UserConfirmation => {}
                _ => drop(state.devices.remove(&key)),
            }
            return Err(f.refusal());
        }
        if d.declined {
            state.devices.remove(&key);
            return Err(IdpFault::Declined.refusal());
        }
        if !d.approved {
            return Err(faults::PENDING);
        }
        let d = state.devices.remove(&key).expect("found above");
        IdpStats::add(&self.stats.device_grants);
        Ok(self.issue(&mut state, &d.scope))
    }

    /// New tokens: an access token living `access_lifetime`, and a refresh token when the
    /// scope asked for `offline_access` (as the platform does).
    fn issue(&self, state: &mut State, scope: &str) -> Value {
        let lifetime = self.config.access_lifetime.max(Duration::from_secs(1));
        let access = format!("eas-at-{}", random_hex(16));
        let expires = Instant::now() + lifetime;
        state.access.insert(access.clone(), (expires, false));
        state.newest_expiry = Some(expires);
        state.issued.push(access.clone());
        let granted: Vec<&str> = scope
            .split_whitespace()
            .filter(|s| *s != "offline_access")
            .collect();
        let mut answer = json!({
            "token_type": "Bearer",
            "scope": granted.join(" "),
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": access,
        });
        if scope.split_whitespace().any(|s| s == "offline_access") {
            let refresh = format!("eas-rt-{}", random_hex(24));
            state
                .refresh
                .insert(refresh.clone(), (Refresh::Live, scope.to_string()));
            state.issued.push(refresh.clone());
            answer["refresh_token"] = refresh.into();
        }
        answer
    }
}

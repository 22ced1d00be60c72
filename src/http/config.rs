//! What a session needs to know: where, who, how to authenticate, which TLS rules.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::proto::{DeviceId, PolicyKey, ProtocolVersion};

/// A secret (password, token) that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a [`TokenSource`] has no token: what to do (never a secret), and whether trying later
/// may succeed without a person (the identity provider unreachable) or not (sign in again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    pub message: String,
    pub temporary: bool,
}

impl TokenError {
    /// A person must act (sign in again, fix the helper or the registration).
    pub fn attention(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            temporary: false,
        }
    }

    /// Trying again later may work.
    pub fn temporary(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            temporary: true,
        }
    }
}

impl From<String> for TokenError {
    fn from(message: String) -> Self {
        Self::attention(message)
    }
}

/// What [`TokenSource::token`] returns: the token, or why there is none.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Secret, TokenError>> + Send + 'a>>;

/// Where OAuth2 bearer tokens come from (the OAuth flow itself lives elsewhere). Called before
/// every request, so a source caches; it must not block the runtime.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A currently valid access token.
    fn token(&self) -> TokenFuture<'_>;

    /// The server refused the token last handed out (HTTP 401): forget it, so that the next
    /// [`token`](Self::token) gets a new one.
    fn invalidate(&self) {}
}

/// How requests authenticate (MS-ASHTTP 2.2.1.1.2.2 `Authorization`).
#[derive(Debug, Clone)]
pub enum Auth {
    /// HTTP Basic with the UTF-8 user name and password.
    Basic { user: String, password: Secret },
    /// OAuth2 bearer token (Microsoft 365).
    Bearer(Arc<dyn TokenSource>),
}

/// Transport security rules. Verification is always on unless `insecure` is set explicitly, and
/// plain http is refused except to loopback unless `allow_insecure_http` is (see
/// [`super::origin`]).
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// A PEM file of extra CA certificates (an on-premises server with an internal CA).
    pub extra_ca_file: Option<PathBuf>,
    /// Accept any certificate. For lab servers only; logged as a warning. Never used for the
    /// apex-domain Autodiscover candidate.
    pub insecure: bool,
    /// Allow plain http to hosts other than loopback (the account key `allow_insecure_http`).
    /// For lab servers only: the password or token then crosses the network unencrypted.
    pub allow_insecure_http: bool,
}

/// Everything a [`Session`](super::Session) needs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The EAS URL, e.g. `https://mail.example.com/Microsoft-Server-ActiveSync`.
    pub url: String,
    /// The `User=` parameter (usually the login name or e-mail address).
    pub user: String,
    pub device_id: DeviceId,
    /// The `DeviceType=` parameter.
    pub device_type: String,
    pub auth: Auth,
    /// Sent as `Cookie: DefaultAnchorMailbox=…` (Outlook.com and Microsoft 365), and with a
    /// bearer token also as `X-AnchorMailbox` (Exchange Online routes OAuth requests by it).
    pub anchor_mailbox: Option<String>,
    /// A version to use instead of negotiating one.
    pub version: Option<ProtocolVersion>,
    /// The policy key from an earlier run.
    pub policy_key: Option<PolicyKey>,
    pub tls: TlsOptions,
    pub user_agent: String,
    /// The timeout of a command that is not a long poll.
    pub timeout: Duration,
    /// Send the base64-encoded query value (12.1+) instead of plain URL parameters.
    pub base64_query: bool,
}

impl SessionConfig {
    /// A configuration with the defaults for everything but the essentials.
    pub fn new(
        url: impl Into<String>,
        user: impl Into<String>,
        device_id: DeviceId,
        auth: Auth,
    ) -> Self {
        Self {
            url: url.into(),
            user: user.into(),
            device_id,
            device_type: "easync".into(),
            auth,
            anchor_mailbox: None,
            version: None,
            policy_key: None,
            tls: TlsOptions::default(),
            user_agent: crate::proto::settings::USER_AGENT.into(),
            timeout: Duration::from_secs(120),
            base64_query: false,
        }
    }
}

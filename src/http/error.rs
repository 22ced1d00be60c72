//! Errors of the HTTP session. Each says what went wrong and what to check.

use std::time::Duration;

use thiserror::Error;

use crate::proto::{CommonStatus, ProtoError};

/// Why a command did not complete.
#[derive(Debug, Error)]
pub enum HttpError {
    #[error("{}", unauthorized_text(.command, *.bearer))]
    Unauthorized {
        command: &'static str,
        /// Whether a bearer token was refused (after one refresh), not a password.
        bearer: bool,
    },
    #[error(
        "access forbidden for {command} (HTTP 403): the account may not be allowed to use \
         ActiveSync, or the URL is wrong"
    )]
    Forbidden { command: &'static str },
    #[error("the server blocked this device (HTTP 456): ask the administrator to allow it")]
    DeviceBlocked,
    #[error("the account's password has expired (HTTP 457): change it, then try again")]
    PasswordExpired,
    #[error("{}", retry_text(*.delay, .reason, *.stated))]
    RetryAfter {
        delay: Duration,
        reason: String,
        /// Whether the server named the delay (Retry-After); `false` when it is our default
        /// (in-band 110/111, a 503 without the header), which a client may shorten by backing
        /// off.
        stated: bool,
    },
    #[error("{command}: the server answered HTTP {status}{}", body_hint(.hint))]
    Status {
        command: &'static str,
        status: u16,
        hint: String,
    },
    #[error(
        "{command}: the response is not WBXML (Content-Type {content_type:?}, starts with \
         {start:?}): the URL may point at a web page or a proxy login"
    )]
    NotWbxml {
        command: &'static str,
        content_type: String,
        start: String,
    },
    /// Exchange answers a quarantined device with empty bodies (and a notice in the inbox).
    #[error(
        "{command}: the server sent an empty response where one was required; Exchange does \
         this when the device is in quarantine: your administrator must approve this device; \
         its device id is {device_id} (type easync); a quarantine notice may be in the mailbox"
    )]
    EmptyResponse {
        command: &'static str,
        device_id: String,
    },
    /// A device access rule or account state refused the device (Status 126, 129, 130, 131,
    /// 177 in-band, or HTTP 403 with 129 in the body).
    #[error("{command}: {}", device_text(*.status, .device_id))]
    DeviceAccess {
        command: &'static str,
        status: u16,
        device_id: String,
    },
    #[error("{command}: the server refused the device policy: {status}")]
    Provisioning {
        command: &'static str,
        status: String,
    },
    #[error(
        "the server requested a remote wipe of this device; easync never deletes local data \
         for it — remove the device in the server's device list to clear the request"
    )]
    RemoteWipeRequested,
    #[error("{command}: the server reported {status}")]
    Common {
        command: &'static str,
        status: CommonStatus,
    },
    #[error("redirected more than {limit} times (last: {url}); check the server URL")]
    TooManyRedirects { limit: usize, url: String },
    #[error("redirect loop: {url} was already visited; run Autodiscover or fix the server URL")]
    RedirectLoop { url: String },
    #[error("HTTP 451 without an X-MS-Location header: run Autodiscover to find the new URL")]
    RedirectWithoutLocation,
    #[error("{command}: no answer within {timeout:?}")]
    Timeout {
        command: &'static str,
        timeout: Duration,
    },
    #[error("{command}: network error talking to {url}: {message}")]
    Network {
        command: &'static str,
        url: String,
        message: String,
    },
    #[error(
        "the server speaks none of the protocol versions easync speaks (it offers {offered:?})"
    )]
    NoCommonVersion { offered: String },
    /// Credentials would go over plain http to another machine (see `http::origin`).
    #[error(
        "refusing {what} {url}: plain http would send the password or token unencrypted; use an \
         https:// URL, or set allow_insecure_http = true for this account if it is a lab server \
         on a network you trust"
    )]
    InsecureUrl { what: String, url: String },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Token(crate::http::TokenError),
    #[error(transparent)]
    Protocol(#[from] ProtoError),
}

fn body_hint(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(": {hint}")
    }
}

impl HttpError {
    /// Whether a person must act (credentials, device approval, policy) before a retry can
    /// succeed, as opposed to a temporary condition.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized { .. }
                | Self::Forbidden { .. }
                | Self::DeviceBlocked
                | Self::PasswordExpired
                | Self::Provisioning { .. }
                | Self::RemoteWipeRequested
                | Self::EmptyResponse { .. }
                | Self::DeviceAccess { .. }
        ) || matches!(self, Self::Token(e) if !e.temporary)
    }

    /// Whether an administrator's device rules stand in the way (blocked, quarantined, too
    /// many devices, ActiveSync off): `watch` then waits long between tries.
    pub fn is_device_rule(&self) -> bool {
        matches!(
            self,
            Self::DeviceAccess { .. } | Self::EmptyResponse { .. } | Self::DeviceBlocked
        )
    }

    /// Whether trying again later may succeed without any change.
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::RetryAfter { .. } | Self::Timeout { .. } | Self::Network { .. } => true,
            Self::Token(e) => e.temporary,
            Self::Status { status, .. } => *status >= 500,
            Self::Common { status, .. } => status.is_retry_later(),
            _ => false,
        }
    }
}

/// The device statuses that need a person (MS-ASCMD 2.2.2; Exchange Online's device access
/// rules and quarantine).
pub const DEVICE_STATUSES: [u16; 5] = [126, 129, 130, 131, 177];

fn device_text(status: u16, device_id: &str) -> String {
    match status {
        126 => "ActiveSync is turned off for this mailbox (Status 126): ask the administrator \
                to enable Exchange ActiveSync for it (Set-CASMailbox -ActiveSyncEnabled $true)"
            .into(),
        129 => format!(
            "this device is blocked for the user (Status 129): your administrator must allow \
             it; its device id is {device_id} (type easync)"
        ),
        130 => format!(
            "access denied by a device access rule or policy (Status 130): your administrator \
             must allow this device; its device id is {device_id} (type easync)"
        ),
        131 => "the account is disabled (Status 131): ask the administrator to enable it".into(),
        177 => "the mailbox already has as many devices as the server allows (Status 177): \
                remove one you no longer use (Outlook on the web → Settings → Mobile devices, \
                or ask the administrator), then try again"
            .into(),
        other => format!("the server refused this device (Status {other})"),
    }
}

fn unauthorized_text(command: &str, bearer: bool) -> String {
    if bearer {
        format!(
            "authentication failed for {command} (HTTP 401): the server refused the OAuth2 \
             token even after a refresh: sign in again (`easync login ACCOUNT`) and check that \
             the mailbox may use ActiveSync"
        )
    } else {
        format!(
            "authentication failed for {command} (HTTP 401): check the user name and password \
             or token; for Microsoft 365, OAuth2 is required (`easync login`)"
        )
    }
}

fn retry_text(delay: Duration, reason: &str, stated: bool) -> String {
    if stated {
        format!("the server asks to wait {delay:?} before trying again ({reason})")
    } else {
        format!("the server asks to retry later ({reason}); backing off (at most {delay:?})")
    }
}

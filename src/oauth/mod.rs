//! OAuth2 sign-in to the Microsoft identity platform (v2 endpoints
//! `{authority}/{tenant}/oauth2/v2.0/authorize|token|devicecode`), hand-rolled on reqwest
//! (ECOSYSTEM.md measured this against the `oauth2` crate):
//!
//! - [`browser`]: authorization code + PKCE (RFC 7636, S256) with a loopback redirect
//!   (`http://localhost:PORT/`, RFC 8252 7.3), the browser opened when there is one;
//! - [`device`]: the device authorization grant (RFC 8628) for machines without a browser;
//! - [`store`]: the tokens in a 0600 file under `$XDG_STATE_HOME/easync/`, written atomically,
//!   and the file lock that lets one process at a time refresh;
//! - [`OAuthToken`]: the [`TokenSource`](crate::http::TokenSource) the HTTP session asks before
//!   every request: the access token is kept until shortly before it expires, then refreshed
//!   **once** across every easync process of the account, the rotated refresh token saved before
//!   the new access token is used.
//!
//! Refusals of the identity platform become [`OAuthError::Platform`] with advice a user can act
//! on ([`errors`]). No token is ever logged, put in an error or written anywhere but the token
//! file.

pub mod browser;
pub mod device;
mod endpoint;
pub mod errors;
#[cfg(feature = "keyring")]
mod keyring;
pub mod pkce;
mod source;
pub mod store;

use std::path::PathBuf;
use std::str::FromStr;

use thiserror::Error;

pub use endpoint::{Endpoint, Granted};
pub use errors::Flow;
pub use source::{OAuthToken, keep_sign_in};

/// Where Microsoft's identity platform lives.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// The delegated permission for Exchange ActiveSync, and a refresh token
/// (`.default` fails with `invalid_scope` in some tenants: PITFALLS 32).
pub const DEFAULT_SCOPES: [&str; 2] = [
    "https://outlook.office.com/EAS.AccessAsUser.All",
    "offline_access",
];

/// The tenant segment of the endpoints: `common`, `organizations`, `consumers` (personal
/// Microsoft accounts, Outlook.com), a tenant id (GUID) or a verified domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(String);

impl FromStr for Tenant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 253
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && !s.starts_with(['.', '-']);
        let named = matches!(s, "common" | "organizations" | "consumers");
        if ok && (named || s.contains('.') || is_guid(s)) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "tenant {:?} is not common, organizations, consumers, a tenant id or a domain",
                crate::text::one_line(s)
            ))
        }
    }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Tenant {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Personal Microsoft accounts (Outlook.com, Hotmail, Live).
    pub fn is_consumers(&self) -> bool {
        self.0 == "consumers"
    }
}

/// An account's sign-in settings (`[account.NAME.oauth]`, checked).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The account name, for messages (`easync login NAME`).
    pub account: String,
    /// `https://login.microsoftonline.com`, without a trailing slash.
    pub authority: String,
    pub tenant: Tenant,
    /// The application (client) id of a public client registration.
    pub client_id: String,
    pub scopes: Vec<String>,
    /// Where the tokens are kept (default `$XDG_STATE_HOME/easync/NAME.oauth.json`); with
    /// [`TokenStore::Keyring`], only the lock beside it.
    pub token_file: PathBuf,
    /// The token file (the default) or the system's secret service.
    pub token_store: TokenStore,
    /// The address, as `login_hint` (the sign-in page starts with it).
    pub login_hint: Option<String>,
    /// `tls.ca_file` of the account (a proxy with an internal CA); verification stays on.
    pub ca_file: Option<PathBuf>,
}

impl OAuthSettings {
    /// `{authority}/{tenant}/oauth2/v2.0/{name}`.
    pub fn endpoint(&self, name: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/{name}",
            self.authority,
            self.tenant.as_str()
        )
    }

    /// The scopes as the `scope` parameter.
    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }

    /// Where the tokens are, in words: the token file, or the keyring.
    pub fn kept_in(&self) -> String {
        match self.token_store {
            TokenStore::File => self.token_file.display().to_string(),
            TokenStore::Keyring => "the keyring (Secret Service)".into(),
        }
    }

    /// The lock file beside the token file.
    pub fn lock_file(&self) -> PathBuf {
        self.token_file.with_extension("lock")
    }
}

/// Where an account's tokens are kept (`token_store` in `[account.NAME.oauth]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenStore {
    /// A 0600 file under `$XDG_STATE_HOME/easync/` ([`store`]): works everywhere.
    #[default]
    File,
    /// The Secret Service of the desktop session (GNOME Keyring, KWallet), when easync was
    /// built with the `keyring` cargo feature; the lock file stays beside `token_file`.
    Keyring,
}

impl TokenStore {
    /// Whether this build can use it.
    pub fn built_in(self) -> bool {
        self == Self::File || cfg!(feature = "keyring")
    }
}

/// Why there is no token. Each message says what to do; none carries a token.
#[derive(Debug, Error)]
pub enum OAuthError {
    #[error(
        "not signed in to Microsoft: run `easync login {account}` (or `easync login {account} \
         --device` on a machine without a browser)"
    )]
    NotSignedIn { account: String },
    #[error(
        "the saved sign-in ({path}) was made with another client_id, tenant \
         or authority: run `easync login {account}`"
    )]
    OtherRegistration { account: String, path: PathBuf },
    /// The identity platform refused (an `error` answer).
    #[error("Microsoft refused the sign-in ({}): {advice}{}", errors::label(.error, *.code), errors::quote(.description))]
    Platform {
        account: String,
        error: String,
        code: Option<u32>,
        description: String,
        advice: String,
        temporary: bool,
    },
    #[error(
        "cannot reach the Microsoft identity platform at {url}: {message}; \
         easync tries again later"
    )]
    Network {
        account: String,
        url: String,
        message: String,
    },
    #[error(
        "the identity platform sent an answer easync cannot read ({what}); \
         easync tries again later"
    )]
    Answer { account: String, what: String },
    #[error("the sign-in did not finish: {why}")]
    Interrupted { account: String, why: String },
    #[error("{path}: {message}")]
    Store {
        account: String,
        path: PathBuf,
        message: String,
    },
    #[error(
        "another easync has been refreshing the token for {waited_s} s \
         ({path} stays locked); easync tries again later"
    )]
    Locked {
        account: String,
        path: PathBuf,
        waited_s: u64,
    },
    #[error("{message}")]
    Config { account: String, message: String },
}

impl OAuthError {
    /// Whether trying again later may work without anyone doing anything.
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Platform { temporary, .. } => *temporary,
            Self::Network { .. } | Self::Answer { .. } | Self::Locked { .. } => true,
            _ => false,
        }
    }

    /// Whether a person must act first (sign in, consent, an administrator).
    pub fn needs_attention(&self) -> bool {
        match self {
            Self::Platform { temporary, .. } => !temporary,
            Self::NotSignedIn { .. } | Self::OtherRegistration { .. } => true,
            Self::Interrupted { .. } => true,
            _ => false,
        }
    }
}

impl From<OAuthError> for crate::http::TokenError {
    fn from(e: OAuthError) -> Self {
        Self {
            temporary: e.is_temporary(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants() {
        for ok in [
            "common",
            "organizations",
            "consumers",
            "contoso.onmicrosoft.com",
            "9188040d-6c67-4c5b-b112-36a304b66dad",
        ] {
            assert!(ok.parse::<Tenant>().is_ok(), "{ok}");
        }
        for bad in ["", "contoso", "a/b", "../x", "x y.com", ".x.com"] {
            assert!(bad.parse::<Tenant>().is_err(), "{bad}");
        }
        assert!("consumers".parse::<Tenant>().unwrap().is_consumers());
    }
}

//! `[account.NAME.oauth]`: built-in OAuth2 sign-in (Microsoft 365, Outlook.com).
//!
//! ```toml
//! [account.work.oauth]
//! client_id = "…"          # required: the application (client) id of your app registration
//! tenant = "organizations" # common (default), organizations, consumers, a tenant id or domain
//! # authority = "https://login.microsoftonline.com"   (http only to this machine: tests)
//! # scopes = ["https://outlook.office.com/EAS.AccessAsUser.All", "offline_access"]
//! # token_file = "…"       # default $XDG_STATE_HOME/easync/NAME.oauth.json
//! # token_store = "file"   # or "keyring" (a build with `--features keyring`)
//! ```
//!
//! No application id is compiled in: each user or tenant registers a public client (README).

use std::path::PathBuf;

use serde::Deserialize;

use super::Dirs;
use crate::oauth::{DEFAULT_AUTHORITY, DEFAULT_SCOPES, OAuthSettings, Tenant, TokenStore};

/// `[account.NAME.oauth]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOAuth {
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub authority: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub token_file: Option<PathBuf>,
    /// `file` (default) or `keyring`.
    pub token_store: Option<String>,
}

/// What the account needs to know to sign in and refresh.
pub fn resolve(
    raw: &RawOAuth,
    account: &str,
    email: &str,
    dirs: &Dirs,
    ca_file: Option<PathBuf>,
) -> Result<OAuthSettings, String> {
    let client_id = raw.client_id.as_deref().map(str::trim).unwrap_or("");
    if client_id.is_empty() {
        return Err(
            "oauth.client_id is required: the application (client) id of a public \
                    client registration (see the README, \"Microsoft 365\")"
                .into(),
        );
    }
    if client_id.len() > 128
        || !client_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    {
        return Err("oauth.client_id is not an application id (letters, digits, '-')".into());
    }
    let tenant: Tenant = raw
        .tenant
        .as_deref()
        .unwrap_or("common")
        .parse()
        .map_err(|e| format!("oauth.{e}"))?;
    let authority = raw
        .authority
        .as_deref()
        .unwrap_or(DEFAULT_AUTHORITY)
        .trim_end_matches('/')
        .to_string();
    let url = crate::http::origin::check(&authority, false, "oauth.authority")
        .map_err(|e| e.to_string())?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("oauth.authority must be a plain https:// address without a query".into());
    }
    let scopes = match &raw.scopes {
        Some(s) => s.clone(),
        None => DEFAULT_SCOPES.map(String::from).to_vec(),
    };
    if scopes.is_empty()
        || scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
    {
        return Err("oauth.scopes must be a non-empty list of scopes without spaces".into());
    }
    if !scopes.iter().any(|s| s == "offline_access") {
        tracing::warn!(
            account,
            "oauth.scopes lacks offline_access: no refresh token, so a new sign-in every hour"
        );
    }
    let token_store = token_store(raw.token_store.as_deref())?;
    Ok(OAuthSettings {
        account: account.to_string(),
        authority,
        tenant,
        client_id: client_id.to_string(),
        scopes,
        token_file: raw
            .token_file
            .clone()
            .unwrap_or_else(|| dirs.state.join(format!("{account}.oauth.json"))),
        token_store,
        login_hint: Some(email.to_string()),
        ca_file,
    })
}

/// `token_store`: the token file unless `keyring` is asked for, and only in a build that has it.
fn token_store(raw: Option<&str>) -> Result<TokenStore, String> {
    let store = match raw.map(str::trim) {
        None | Some("file") => TokenStore::File,
        Some("keyring") => TokenStore::Keyring,
        Some(other) => {
            return Err(format!(
                "oauth.token_store {:?} is not \"file\" or \"keyring\"",
                crate::text::one_line(other)
            ));
        }
    };
    if !store.built_in() {
        return Err(
            "oauth.token_store = \"keyring\" needs easync built with `cargo build \
                    --features keyring`; without it, leave token_store out: the tokens go to \
                    the 0600 token file"
                .into(),
        );
    }
    Ok(store)
}

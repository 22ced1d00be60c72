//! [`OAuthToken`]: the access token for every request of an account. It is kept in memory
//! until shortly before it expires; then the token file is read (another process may have
//! refreshed already); only then, under the account's file lock, is the refresh token redeemed —
//! once across every easync process — and the rotated tokens saved before they are used.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::store::{self, FileLock, Tokens};
use super::{Endpoint, Granted, OAuthError, OAuthSettings};
use crate::http::{Secret, TokenError, TokenFuture, TokenSource};

/// How long to wait for another process's refresh (its request times out after 30 s).
const LOCK_WAIT: Duration = Duration::from_secs(90);

/// An account's bearer tokens, refreshed from its token file.
#[derive(Debug)]
pub struct OAuthToken {
    endpoint: Endpoint,
    cached: Mutex<Option<(Secret, SystemTime)>>,
    /// The token the server refused (HTTP 401): not used again, even if the file has it.
    rejected: Mutex<Option<Secret>>,
    /// One refresh at a time in this process (the file lock does it across processes).
    one: tokio::sync::Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl OAuthToken {
    pub fn new(settings: &OAuthSettings) -> Result<Self, OAuthError> {
        Ok(Self {
            endpoint: Endpoint::new(settings)?,
            cached: Mutex::new(None),
            rejected: Mutex::new(None),
            one: tokio::sync::Mutex::new(()),
        })
    }

    fn settings(&self) -> &OAuthSettings {
        self.endpoint.settings()
    }

    fn cached(&self) -> Option<Secret> {
        lock(&self.cached)
            .as_ref()
            .filter(|(_, until)| SystemTime::now() < *until)
            .map(|(t, _)| t.clone())
    }

    /// A valid access token: cached, from the file, or refreshed.
    pub async fn get(&self) -> Result<Secret, OAuthError> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let _one = self.one.lock().await;
        if let Some(t) = self.cached() {
            return Ok(t); // refreshed by the caller we waited for
        }
        if let Some(t) = self.saved()? {
            return Ok(t);
        }
        let s = self.settings();
        let Some(_lock) = FileLock::acquire(&s.lock_file(), LOCK_WAIT)
            .await
            .map_err(|m| store_error(s, &s.lock_file(), m))?
        else {
            return Err(OAuthError::Locked {
                account: s.account.clone(),
                path: s.lock_file(),
                waited_s: LOCK_WAIT.as_secs(),
            });
        };
        if let Some(t) = self.saved()? {
            tracing::debug!("another easync refreshed the token meanwhile");
            return Ok(t);
        }
        let tokens = self.load()?.ok_or_else(|| not_signed_in(s))?;
        let refresh = tokens
            .refresh_token
            .clone()
            .ok_or_else(|| not_signed_in(s))?;
        let granted = self.endpoint.refresh(&refresh).await?;
        let new = tokens.rotated(&granted);
        // Saved before use: the old refresh token is spent, the new one must survive a crash.
        store::save_for(s, &new).map_err(|m| store_error(s, &s.token_file, m))?;
        tracing::info!(
            lifetime_s = granted.lifetime.as_secs(),
            "OAuth2 access token refreshed"
        );
        *lock(&self.rejected) = None;
        self.keep(&new).ok_or_else(|| OAuthError::Answer {
            account: s.account.clone(),
            what: "a token that expires at once".into(),
        })
    }

    fn load(&self) -> Result<Option<Tokens>, OAuthError> {
        let s = self.settings();
        let Some(t) = store::load_for(s).map_err(|m| store_error(s, &s.token_file, m))? else {
            return Ok(None);
        };
        if !t.belongs_to(s) {
            return Err(OAuthError::OtherRegistration {
                account: s.account.clone(),
                path: s.token_file.clone(),
            });
        }
        Ok(Some(t))
    }

    /// The file's access token, if it is usable and not the refused one.
    fn saved(&self) -> Result<Option<Secret>, OAuthError> {
        let Some(t) = self.load()? else {
            return Err(not_signed_in(self.settings()));
        };
        Ok(self.keep(&t))
    }

    fn keep(&self, t: &Tokens) -> Option<Secret> {
        let (token, until) = t.usable()?;
        if lock(&self.rejected).as_ref() == Some(&token) {
            return None;
        }
        *lock(&self.cached) = Some((token.clone(), until));
        Some(token)
    }
}

impl TokenSource for OAuthToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async { self.get().await.map_err(TokenError::from) })
    }

    fn invalidate(&self) {
        if let Some((token, _)) = lock(&self.cached).take() {
            *lock(&self.rejected) = Some(token);
        }
    }
}

fn not_signed_in(s: &OAuthSettings) -> OAuthError {
    OAuthError::NotSignedIn {
        account: s.account.clone(),
    }
}

fn store_error(s: &OAuthSettings, path: &std::path::Path, message: String) -> OAuthError {
    OAuthError::Store {
        account: s.account.clone(),
        path: path.to_path_buf(),
        message,
    }
}

/// Saves the tokens of a fresh sign-in (under the lock, so no refresh overwrites them).
pub async fn keep_sign_in(s: &OAuthSettings, granted: &Granted) -> Result<(), OAuthError> {
    let _lock = FileLock::acquire(&s.lock_file(), LOCK_WAIT)
        .await
        .map_err(|m| store_error(s, &s.lock_file(), m))?
        .ok_or_else(|| OAuthError::Locked {
            account: s.account.clone(),
            path: s.lock_file(),
            waited_s: LOCK_WAIT.as_secs(),
        })?;
    if granted.refresh_token.is_none() {
        tracing::warn!(
            "no refresh token was granted (is offline_access among the scopes?): the sign-in \
             lasts only as long as this access token"
        );
    }
    store::save_for(s, &Tokens::new(s, granted)).map_err(|m| store_error(s, &s.token_file, m))
}

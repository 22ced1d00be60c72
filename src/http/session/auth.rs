//! The session's credentials and answers that are not the command's: the Authorization
//! header (and the anchor mailbox), one token refresh after an HTTP 401, 451 redirects, and
//! HTTP statuses and network failures as typed errors.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::super::{Auth, HttpError, origin, retry};
use super::{MAX_REDIRECTS, Session};

impl Session {
    /// After an HTTP 401 with a bearer token: the first time, makes the token source forget
    /// the token (the next request gets a refreshed one) and says to try once more.
    pub(super) fn reauthorize(&self, done: &mut bool) -> bool {
        let Auth::Bearer(source) = &self.config.auth else {
            return false;
        };
        if std::mem::replace(done, true) {
            return false;
        }
        tracing::info!("HTTP 401: the token was refused; refreshing it and trying once more");
        source.invalidate();
        true
    }

    pub(super) async fn authorize(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, HttpError> {
        let req = match &self.config.auth {
            Auth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
            Auth::Bearer(source) => {
                let token = source.token().await.map_err(HttpError::Token)?;
                req.bearer_auth(token.expose())
            }
        };
        let Some(mailbox) = &self.config.anchor_mailbox else {
            return Ok(req);
        };
        let req = req.header("Cookie", format!("DefaultAnchorMailbox={mailbox}"));
        Ok(match &self.config.auth {
            Auth::Bearer(_) => req.header("X-AnchorMailbox", mailbox),
            Auth::Basic { .. } => req,
        })
    }

    /// Follows a 451: the new URL from `X-MS-Location` (MS-ASHTTP/a907164a: used for all later
    /// requests), at most [`MAX_REDIRECTS`] hops. A target that fails [`origin::check`] (plain
    /// http to another machine) is refused and the session keeps its URL, so nothing of it is
    /// persisted.
    pub(super) fn redirect(
        &mut self,
        headers: &HeaderMap,
        visited: &mut Vec<String>,
    ) -> Result<(), HttpError> {
        let location = headers
            .get("X-MS-Location")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .ok_or(HttpError::RedirectWithoutLocation)?;
        // The header carries the full request URL; keep the endpoint.
        let url = location
            .split('?')
            .next()
            .unwrap_or(&location)
            .trim_end_matches('/')
            .to_string();
        origin::check(
            &url,
            self.config.tls.allow_insecure_http,
            "the redirect (HTTP 451 X-MS-Location) to",
        )?;
        if visited.contains(&url) {
            return Err(HttpError::RedirectLoop { url });
        }
        if visited.len() > MAX_REDIRECTS {
            return Err(HttpError::TooManyRedirects {
                limit: MAX_REDIRECTS,
                url,
            });
        }
        tracing::info!(%url, "server redirected (HTTP 451)");
        visited.push(url.clone());
        self.url = url;
        Ok(())
    }

    pub(super) fn status_error(
        &self,
        command: &'static str,
        status: u16,
        headers: &HeaderMap,
        hint: &str,
    ) -> HttpError {
        match status {
            401 => {
                // A cached token the server no longer takes: the next request fetches anew.
                let bearer = matches!(self.config.auth, Auth::Bearer(_));
                if let Auth::Bearer(source) = &self.config.auth {
                    source.invalidate();
                }
                HttpError::Unauthorized { command, bearer }
            }
            403 => HttpError::Forbidden { command },
            456 => HttpError::DeviceBlocked,
            457 => HttpError::PasswordExpired,
            503 => retry::from_headers(headers),
            _ => HttpError::Status {
                command,
                status,
                hint: hint.to_string(),
            },
        }
    }

    pub(super) fn network(
        &self,
        command: &'static str,
        timeout: Duration,
        e: reqwest::Error,
    ) -> HttpError {
        if e.is_timeout() {
            return HttpError::Timeout { command, timeout };
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        HttpError::Network {
            command,
            url: self.url.clone(),
            message,
        }
    }
}

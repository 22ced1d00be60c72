//! The token and device-code endpoints: form POSTs (RFC 6749 4.1.3, 6; RFC 8628 3.1, 3.4) and
//! their JSON answers, with what servers say clamped (`expires_in`).

use std::time::Duration;

use serde::Deserialize;

use super::errors::{self, Flow};
use super::{OAuthError, OAuthSettings};
use crate::http::{Secret, TlsOptions};

/// The longest an access token is kept, whatever the platform says.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The lifetime assumed when the answer names none (Microsoft's are 60–90 minutes).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// How long one request to the identity platform may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read.
const MAX_ANSWER: usize = 256 * 1024;

/// New tokens.
#[derive(Debug, Clone)]
pub struct Granted {
    pub access_token: Secret,
    /// Absent when the platform keeps the old one (or `offline_access` was not asked for).
    pub refresh_token: Option<Secret>,
    /// `expires_in`, clamped to 1 s – `MAX_LIFETIME`.
    pub lifetime: Duration,
}

/// An `error` answer, before it is turned into advice.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: u16,
    pub error: String,
    pub code: Option<u32>,
    pub description: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
}

/// One account's endpoints.
#[derive(Debug)]
pub struct Endpoint {
    http: reqwest::Client,
    settings: OAuthSettings,
}

impl Endpoint {
    /// The client for `settings.authority` (https, or plain http to loopback only).
    pub fn new(settings: &OAuthSettings) -> Result<Self, OAuthError> {
        let config = |message: String| OAuthError::Config {
            account: settings.account.clone(),
            message,
        };
        crate::http::origin::check(&settings.authority, false, "the OAuth authority")
            .map_err(|e| config(e.to_string()))?;
        let tls = TlsOptions {
            extra_ca_file: settings.ca_file.clone(),
            ..TlsOptions::default()
        };
        let ua = concat!("easync/", env!("CARGO_PKG_VERSION"));
        let http = crate::http::build_client(&tls, ua).map_err(|e| config(e.to_string()))?;
        Ok(Self {
            http,
            settings: settings.clone(),
        })
    }

    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    fn account(&self) -> String {
        self.settings.account.clone()
    }

    /// POSTs `form` (plus `client_id`) to the endpoint `name`: the HTTP status and the JSON.
    pub async fn post(
        &self,
        name: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, serde_json::Value), OAuthError> {
        let url = self.settings.endpoint(name);
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.settings.client_id)
            .extend_pairs(form)
            .finish();
        let resp = self
            .http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .timeout(TIMEOUT)
            .body(body)
            .send()
            .await
            .map_err(|e| OAuthError::Network {
                account: self.account(),
                url: url.clone(),
                message: chain(&e),
            })?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| OAuthError::Network {
            account: self.account(),
            url: url.clone(),
            message: chain(&e),
        })?;
        let answer = |what: String| OAuthError::Answer {
            account: self.account(),
            what,
        };
        if bytes.len() > MAX_ANSWER {
            return Err(answer(format!("{} bytes from {name}", bytes.len())));
        }
        let json = serde_json::from_slice(&bytes)
            .map_err(|_| answer(format!("HTTP {status} from {name}, not JSON")))?;
        Ok((status, json))
    }

    /// A token request: the tokens, or the platform's refusal.
    pub async fn grant(
        &self,
        form: &[(&str, &str)],
    ) -> Result<Result<Granted, Refusal>, OAuthError> {
        let (status, json) = self.post("token", form).await?;
        if let Some(refusal) = refusal(status, &json) {
            return Ok(Err(refusal));
        }
        let answer = |what: &str| OAuthError::Answer {
            account: self.account(),
            what: what.to_string(),
        };
        if !(200..300).contains(&status) {
            return Err(answer(&format!("HTTP {status} without an error")));
        }
        let a: TokenAnswer =
            serde_json::from_value(json).map_err(|_| answer("a token answer of another shape"))?;
        if a.token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(answer("a token that is not a bearer token"));
        }
        let access = a
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| answer("no access_token"))?;
        Ok(Ok(Granted {
            access_token: Secret::new(access),
            refresh_token: a.refresh_token.filter(|t| !t.is_empty()).map(Secret::new),
            lifetime: lifetime(a.expires_in.as_ref()),
        }))
    }

    /// Redeems the refresh token.
    pub async fn refresh(&self, token: &Secret) -> Result<Granted, OAuthError> {
        let scope = self.settings.scope();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose()),
            ("scope", scope.as_str()),
        ];
        self.grant(&form)
            .await?
            .map_err(|r| self.refused(r, Flow::Refresh))
    }

    /// A refusal as an error with advice.
    pub fn refused(&self, r: Refusal, flow: Flow) -> OAuthError {
        let (advice, temporary) = errors::advice(r.code, &r.error, flow, &self.settings.account);
        OAuthError::Platform {
            account: self.account(),
            error: crate::text::one_line(&r.error).chars().take(60).collect(),
            code: r.code,
            description: r.description,
            advice,
            temporary: temporary || r.status >= 500,
        }
    }
}

/// The `error` answer in `json`, if it is one.
pub fn refusal(status: u16, json: &serde_json::Value) -> Option<Refusal> {
    let e: ErrorAnswer = serde_json::from_value(json.clone()).ok()?;
    let code = e
        .error_codes
        .first()
        .copied()
        .or_else(|| errors::code_in(&e.error_description));
    Some(Refusal {
        status,
        error: e.error,
        code,
        description: e.error_description,
    })
}

/// `expires_in` (a number, or a number in a string), clamped.
pub fn lifetime(v: Option<&serde_json::Value>) -> Duration {
    let secs = v.and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()));
    match secs {
        Some(s) if s.is_finite() => {
            Duration::from_secs_f64(s.clamp(1.0, MAX_LIFETIME.as_secs_f64()))
        }
        _ => DEFAULT_LIFETIME,
    }
}

/// An error with its causes (reqwest says little at the top).
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifetimes_are_clamped() {
        assert_eq!(lifetime(Some(&json!(3599))), Duration::from_secs(3599));
        assert_eq!(lifetime(Some(&json!("300"))), Duration::from_secs(300));
        assert_eq!(lifetime(Some(&json!(1e30))), MAX_LIFETIME);
        assert_eq!(lifetime(Some(&json!(-5))), Duration::from_secs(1));
        assert_eq!(lifetime(Some(&json!("soon"))), DEFAULT_LIFETIME);
        assert_eq!(lifetime(None), DEFAULT_LIFETIME);
    }

    #[test]
    fn refusals_take_the_code_from_either_place() {
        let r = refusal(
            400,
            &json!({"error":"invalid_grant","error_description":"AADSTS70043: x"}),
        )
        .unwrap();
        assert_eq!((r.error.as_str(), r.code), ("invalid_grant", Some(70043)));
        let r = refusal(400, &json!({"error":"x","error_codes":[65001]})).unwrap();
        assert_eq!(r.code, Some(65001));
        assert!(refusal(200, &json!({"access_token":"a"})).is_none());
    }
}

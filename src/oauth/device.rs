//! Sign-in by device code (RFC 8628), for machines without a browser and SSH sessions: easync
//! asks for a code, prints where to enter it, and polls the token endpoint at the interval the
//! platform names (`authorization_pending`: keep polling; `slow_down`: 5 s more; `expired_token`:
//! stop), never longer than the code lives. What the platform sends is clamped.

use std::time::Duration;

use serde::Deserialize;

use super::endpoint::refusal;
use super::errors::Flow;
use super::{Endpoint, Granted, OAuthError};

/// The device code grant type (RFC 8628 3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Polling interval bounds (seconds): RFC 8628 defaults to 5.
const INTERVAL: (u64, u64, u64) = (1, 5, 60);
/// How long a code may be waited for (seconds): Microsoft's live 15 minutes.
const LIFETIME: (u64, u64, u64) = (1, 900, 1800);

#[derive(Deserialize)]
struct DeviceAnswer {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: Option<serde_json::Value>,
    interval: Option<serde_json::Value>,
}

fn seconds(v: Option<&serde_json::Value>, (min, default, max): (u64, u64, u64)) -> u64 {
    v.and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
        .unwrap_or(default)
        .clamp(min, max)
}

/// Runs the sign-in; `say` shows lines to the user.
pub async fn sign_in(endpoint: &Endpoint, say: &dyn Fn(&str)) -> Result<Granted, OAuthError> {
    let s = endpoint.settings();
    let scope = s.scope();
    let (status, json) = endpoint.post("devicecode", &[("scope", &scope)]).await?;
    if let Some(r) = refusal(status, &json) {
        return Err(endpoint.refused(r, Flow::Device));
    }
    let bad = |what: &str| OAuthError::Answer {
        account: s.account.clone(),
        what: what.to_string(),
    };
    let code: DeviceAnswer =
        serde_json::from_value(json).map_err(|_| bad("a device code answer of another shape"))?;
    let uri = reqwest::Url::parse(&code.verification_uri)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| bad("a verification_uri that is not a web address"))?;
    let user_code = crate::text::one_line(&code.user_code).trim().to_string();
    if user_code.is_empty() || user_code.len() > 64 {
        return Err(bad("an unusable user_code"));
    }
    let mut interval = seconds(code.interval.as_ref(), INTERVAL);
    let lifetime = seconds(code.expires_in.as_ref(), LIFETIME);
    say(&format!(
        "To sign in account {}, open {uri} in a browser (on any device) and enter the code\n\n  \
         {user_code}\n\neasync waits up to {} minutes.",
        s.account,
        lifetime.div_ceil(60)
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(lifetime);
    let form = [
        ("grant_type", GRANT_TYPE),
        ("device_code", code.device_code.as_str()),
    ];
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        if tokio::time::Instant::now() >= deadline {
            return Err(endpoint.refused(expired(), Flow::Device));
        }
        match endpoint.grant(&form).await {
            Ok(Ok(granted)) => return Ok(granted),
            Ok(Err(r)) if r.error == "authorization_pending" => {}
            Ok(Err(r)) if r.error == "slow_down" => {
                interval = (interval + 5).min(INTERVAL.2);
                tracing::info!(interval, "the identity platform asks to poll more slowly");
            }
            Ok(Err(r)) => return Err(endpoint.refused(r, Flow::Device)),
            // One lost poll is not the end of the sign-in: the next one may get through.
            Err(e) if e.is_temporary() => tracing::warn!("{e}"),
            Err(e) => return Err(e),
        }
    }
}

fn expired() -> super::endpoint::Refusal {
    super::endpoint::Refusal {
        status: 400,
        error: "expired_token".into(),
        code: None,
        description: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intervals_and_lifetimes_are_clamped() {
        assert_eq!(seconds(Some(&json!(0)), INTERVAL), 1);
        assert_eq!(seconds(Some(&json!(3600)), INTERVAL), 60);
        assert_eq!(seconds(Some(&json!("7")), INTERVAL), 7);
        assert_eq!(seconds(None, INTERVAL), 5);
        assert_eq!(seconds(Some(&json!(99999)), LIFETIME), 1800);
    }
}

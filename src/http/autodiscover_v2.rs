//! Autodiscover v2, the JSON endpoint Microsoft 365 answers where POX fails (PITFALLS 17):
//! `GET {base}/autodiscover/autodiscover.json/v1.0/{email}?Protocol=ActiveSync` gives
//! `{"Protocol":"ActiveSync","Url":"https://…/Microsoft-Server-ActiveSync"}`. An endpoint that
//! serves no ActiveSync URL for the address answers HTTP 400
//! `{"ErrorCode":"InvalidProtocol","ErrorMessage":…}`; easync then asks for
//! `Protocol=AutodiscoverV1`, the address's POX endpoint, and asks that. No credentials are
//! sent to the v2 endpoint.

use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use super::autodiscover::{Found, MAX_HOPS, next_location};
use super::origin;

/// The domains of personal Microsoft accounts (Outlook.com).
pub fn is_consumer_domain(domain: &str) -> bool {
    let first = domain.split('.').next().unwrap_or("");
    matches!(
        first,
        "outlook" | "hotmail" | "live" | "msn" | "windowslive" | "passport"
    ) && domain.split('.').count() >= 2
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Protocol")]
    protocol: Option<String>,
    #[serde(rename = "Url")]
    url: Option<String>,
}

#[derive(Deserialize)]
struct Refusal {
    #[serde(rename = "ErrorCode")]
    code: Option<String>,
    #[serde(rename = "ErrorMessage")]
    message: Option<String>,
}

enum Asked {
    Url(String),
    /// HTTP 400 `InvalidProtocol`, with the server's message.
    InvalidProtocol(String),
}

/// The ActiveSync URL for `email` from the endpoint at `base`, or the POX endpoint to ask.
pub(super) async fn lookup(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    allow_http: bool,
) -> Result<Found, String> {
    match ask(http, base, email, "ActiveSync", allow_http).await? {
        Asked::Url(url) => Ok(Found::Url(url)),
        Asked::InvalidProtocol(why) => {
            tracing::info!(
                base,
                "Autodiscover v2 serves no ActiveSync URL for the address ({why}); asking for its POX endpoint"
            );
            match ask(http, base, email, "AutodiscoverV1", allow_http).await? {
                Asked::Url(pox) => Ok(Found::Pox(pox)),
                Asked::InvalidProtocol(why) => Err(format!(
                    "answers InvalidProtocol for ActiveSync and AutodiscoverV1 ({why})"
                )),
            }
        }
    }
}

/// The address as one path segment (RFC 3986 unreserved characters and `@` kept).
fn segment(email: &str) -> String {
    let mut out = String::new();
    for b in email.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn ask(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    protocol: &str,
    allow_http: bool,
) -> Result<Asked, String> {
    let url = format!(
        "{}/autodiscover/autodiscover.json/v1.0/{}?Protocol={protocol}",
        base.trim_end_matches('/'),
        segment(email)
    );
    let mut url: Url =
        origin::check(&url, allow_http, "the Autodiscover URL").map_err(|e| e.to_string())?;
    for _ in 0..=MAX_HOPS {
        let resp = http
            .get(url.clone())
            .header("Accept", "application/json")
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        if status.is_redirection() {
            url = next_location(&url, resp.headers(), allow_http)?;
            continue;
        }
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        if status.as_u16() == 400
            && let Ok(r) = serde_json::from_slice::<Refusal>(&bytes)
            && r.code.as_deref() == Some("InvalidProtocol")
        {
            let why: String = crate::text::one_line(r.message.as_deref().unwrap_or(""))
                .chars()
                .take(200)
                .collect();
            return Ok(Asked::InvalidProtocol(why));
        }
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let answer: Answer =
            serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        return match (answer.protocol.as_deref(), answer.url) {
            (Some(p), Some(url)) if p.eq_ignore_ascii_case(protocol) => Ok(Asked::Url(url)),
            _ => Err(format!("the JSON names no {protocol} URL")),
        };
    }
    Err(format!("more than {MAX_HOPS} HTTP redirects"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumer_domains_and_segments() {
        for d in ["outlook.com", "hotmail.co.uk", "live.de", "msn.com"] {
            assert!(is_consumer_domain(d), "{d}");
        }
        for d in ["example.com", "outlook", "contoso.onmicrosoft.com"] {
            assert!(!is_consumer_domain(d), "{d}");
        }
        assert_eq!(segment("a+b@x.test"), "a%2Bb@x.test");
        assert_eq!(segment("a/../b@x"), "a%2F..%2Fb@x");
    }
}

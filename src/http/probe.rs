//! Reaching a server without credentials, one layer at a time, for `easync doctor`: the name
//! resolved ([`resolve`]), then a TCP connection, the TLS handshake with the account's trust
//! settings and one unauthenticated OPTIONS request whose `Date` header gives the server's
//! clock ([`reach`]). Each failure says which layer failed, so the advice can be precise.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use thiserror::Error;

use super::{TlsOptions, client};

/// How far the probe got before it failed.
#[derive(Debug, Error)]
pub enum ProbeError {
    #[error("{url} is not a URL easync can use: {why}")]
    BadUrl { url: String, why: String },
    #[error("{host} does not resolve: {why}")]
    Dns { host: String, why: String },
    #[error("no connection to {addr}: {why}")]
    Connect { addr: String, why: String },
    #[error("the TLS handshake with {host} failed: {why}")]
    Tls {
        host: String,
        why: String,
        /// The server's certificate is what was refused (not the protocol).
        certificate: bool,
    },
    #[error("no answer from {url} within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    /// The account's TLS settings cannot be used (an unreadable `ca_file`).
    #[error("{0}")]
    TlsSettings(String),
    #[error("{0}")]
    Other(String),
}

/// Where a URL's host resolved to.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub url: Url,
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

/// What the server showed before any credentials.
#[derive(Debug, Clone)]
pub struct Reached {
    /// Whether the connection is TLS (false: plain http to this machine or a lab server).
    pub tls: bool,
    /// The HTTP status of the unauthenticated OPTIONS (Exchange: 401; the simulator: 200).
    pub status: u16,
    /// The server's `Date` header.
    pub date: Option<SystemTime>,
}

/// Resolves the host of `url` (DNS, or an address literal).
pub async fn resolve(url: &str, timeout: Duration) -> Result<Resolved, ProbeError> {
    let bad = |why: String| ProbeError::BadUrl {
        url: url.to_string(),
        why,
    };
    let parsed = Url::parse(url).map_err(|e| bad(e.to_string()))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| bad("no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| bad("no port".into()))?;
    let dns = |why: String| ProbeError::Dns {
        host: host.clone(),
        why,
    };
    let lookup = tokio::net::lookup_host((host.as_str(), port));
    let found = tokio::time::timeout(timeout, lookup)
        .await
        .map_err(|_| dns(format!("no answer within {timeout:?}")))?
        .map_err(|e| dns(e.to_string()))?;
    let mut addresses: Vec<SocketAddr> = found.collect();
    addresses.dedup();
    if addresses.is_empty() {
        return Err(dns("no address".into()));
    }
    Ok(Resolved {
        url: parsed,
        host,
        addresses,
    })
}

/// Connects (TLS with the account's trust settings) and sends one OPTIONS without
/// credentials.
pub async fn reach(
    to: &Resolved,
    tls: &TlsOptions,
    timeout: Duration,
) -> Result<Reached, ProbeError> {
    let client = client::build(tls, concat!("easync/", env!("CARGO_PKG_VERSION")))
        .map_err(|e| ProbeError::TlsSettings(e.to_string()))?;
    let resp = client
        .request(reqwest::Method::OPTIONS, to.url.clone())
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| classify(&e, to, timeout))?;
    let date = resp
        .headers()
        .get("Date")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    Ok(Reached {
        tls: to.url.scheme() == "https",
        status: resp.status().as_u16(),
        date,
    })
}

/// Which layer a request error comes from, by the errors in its source chain.
fn classify(e: &reqwest::Error, to: &Resolved, timeout: Duration) -> ProbeError {
    let host = to.host.as_str();
    if e.is_timeout() {
        return ProbeError::Timeout {
            url: to.url.to_string(),
            timeout,
        };
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut last = e.to_string();
    while let Some(s) = source {
        if let Some(tls) = as_rustls(s) {
            return ProbeError::Tls {
                host: host.to_string(),
                certificate: matches!(
                    tls,
                    rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
                ),
                why: tls.to_string(),
            };
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return ProbeError::Connect {
                addr: to
                    .addresses
                    .first()
                    .map_or_else(|| host.to_string(), |a| a.to_string()),
                why: io.to_string(),
            };
        }
        last = s.to_string();
        source = s.source();
    }
    ProbeError::Other(format!("{e}: {last}"))
}

/// A rustls error, directly or inside `io::Error`s (tokio-rustls wraps it in one, the connector
/// in another; `io::Error::source` skips the wrapped error itself, so look inside).
fn as_rustls<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    as_rustls(inner)
}

/// An HTTP date (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let t = chrono::DateTime::parse_from_rfc2822(text.trim()).ok()?;
    let secs = u64::try_from(t.timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            784111777
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }
}

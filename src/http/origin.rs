//! Which URLs may carry credentials. EAS runs over HTTP or HTTPS (MS-ASHTTP 2.1), and both
//! Basic authentication and a bearer token are the secret itself in a header (RFC 7617 4,
//! RFC 6750 5.3): over plain http anyone on the path reads them. So easync talks plain http
//! only to loopback (127.0.0.0/8, `::1`, `localhost`: tests, the simulator, a local proxy) or
//! when the account opts in with `allow_insecure_http = true` (a lab server), and a server's
//! redirect (451 `X-MS-Location`, a discovered URL) may not lead elsewhere.

use std::net::IpAddr;

use reqwest::Url;

use super::HttpError;

/// Whether the URL's host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks that credentials may be sent to `url`: https, or http to loopback, or http with the
/// opt-in. `what` names where the URL came from, for the message.
pub fn check(url: &str, allow_insecure_http: bool, what: &str) -> Result<Url, HttpError> {
    let parsed = Url::parse(url).map_err(|e| {
        HttpError::Config(format!(
            "{what} {url:?} is not a URL ({e}): give an https:// URL"
        ))
    })?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if allow_insecure_http || is_loopback(&parsed) => Ok(parsed),
        "http" => Err(HttpError::InsecureUrl {
            what: what.to_string(),
            url: without_query(&parsed),
        }),
        other => Err(HttpError::Config(format!(
            "{what} {url:?} uses {other}:, not https: give an https:// URL"
        ))),
    }
}

/// Whether two URLs share scheme, host and port (RFC 6454 origin): credentials meant for one
/// are not sent to the other.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// The URL without its query (which may carry the user name) for messages.
fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_https_only() {
        for ok in [
            "https://mail.example.com/Microsoft-Server-ActiveSync",
            "http://127.0.0.1:8080/x",
            "http://127.3.4.5/x",
            "http://[::1]:99/x",
            "http://localhost/x",
            "http://LOCALHOST:1/x",
        ] {
            assert!(check(ok, false, "url").is_ok(), "{ok}");
        }
        for bad in [
            "http://mail.example.com/x",
            "http://128.0.0.1/x",
            "http://localhost.example.com/x",
            "http://[::2]/x",
            "http://10.0.0.1/x",
        ] {
            let err = check(bad, false, "url").unwrap_err();
            assert!(matches!(err, HttpError::InsecureUrl { .. }), "{bad}: {err}");
            assert!(err.to_string().contains("allow_insecure_http"), "{err}");
            assert!(check(bad, true, "url").is_ok(), "opt-in: {bad}");
        }
        assert!(check("ftp://mail.example.com/", true, "url").is_err());
        assert!(check("mail.example.com", true, "url").is_err());
    }

    #[test]
    fn origins() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("https://a.test/x"),
            &u("https://a.test:443/y?z")
        ));
        assert!(!same_origin(
            &u("https://a.test/x"),
            &u("https://b.a.test/x")
        ));
        assert!(!same_origin(
            &u("http://127.0.0.1:1/"),
            &u("http://127.0.0.1:2/")
        ));
        assert!(!same_origin(&u("http://a.test/"), &u("https://a.test/")));
    }
}

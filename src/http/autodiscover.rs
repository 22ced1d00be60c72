//! Autodiscover: find the EAS URL for an e-mail address (MS-ASCMD 2.2.1.1, the "POX" XML
//! protocol, and the v2 JSON endpoint that Microsoft 365 answers where POX fails).
//!
//! Candidates are tried in order ([`candidates_for`]): POX at
//! `https://DOMAIN/autodiscover/autodiscover.xml`, then at `https://autodiscover.DOMAIN/…`, then
//! the v2 JSON endpoints (`super::autodiscover_v2`) — v2 first for addresses that look like
//! Microsoft 365. HTTP redirects are followed
//! (at most [`MAX_HOPS`]), and an Autodiscover `Redirect` to another address restarts with that
//! address, once per address.
//!
//! Credentials are guarded the way a browser guards them:
//! - every URL requested or discovered passes [`origin::check`] (https; plain http only to
//!   loopback or with `allow_insecure_http`); a discovered URL that fails is refused, not used;
//! - a server redirects with 302 and `Location` (MS-OXDSCLI 3.2.5), and MS-OXDSCLI/MS-OXDISCO
//!   3.1.5 has the client warn the user before it follows one. easync cannot ask, so a redirect
//!   to another origin is followed *without* credentials; if that server asks for them (401)
//!   they are sent only when its host is the address's domain or under it, else the lookup
//!   stops and says which host asked;
//! - the apex candidate (`https://DOMAIN/…`) is whatever serves the domain's web site, often a
//!   hosting company: it is tried over https with a verified certificate only, even when
//!   `tls.insecure` is set.

use std::time::Duration;

use reqwest::Url;

use super::autodiscover_pox::{parse_pox, pox_body};
use super::{Auth, HttpError, TlsOptions, client, origin};

/// Most HTTP redirects and address redirects followed.
pub const MAX_HOPS: usize = 3;

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A POX endpoint (`…/autodiscover/autodiscover.xml`), POSTed to.
    Pox(String),
    /// A v2 JSON endpoint base (`https://host`), queried with GET
    /// `/autodiscover/autodiscover.json?Email=…&Protocol=ActiveSync`.
    V2(String),
}

/// The standard candidates for an address (see [`candidates_for`]).
pub fn candidates(email: &str) -> Vec<Candidate> {
    candidates_for(email, false)
}

/// The candidates, in order. For an address that looks like Microsoft 365 or Outlook.com — a
/// consumer domain, `*.onmicrosoft.com`, or `microsoft` (the account signs in with OAuth2) —
/// the v2 JSON endpoint comes first (`outlook.office365.com`; `autodiscover-s.outlook.com` for
/// personal accounts), where POX fails (PITFALLS 17); else POX first, for on-premises Exchange.
pub fn candidates_for(email: &str, microsoft: bool) -> Vec<Candidate> {
    let domain = domain_of(email).to_ascii_lowercase();
    let pox = [
        Candidate::Pox(format!("https://{domain}/autodiscover/autodiscover.xml")),
        Candidate::Pox(format!(
            "https://autodiscover.{domain}/autodiscover/autodiscover.xml"
        )),
    ];
    let own_v2 = Candidate::V2(format!("https://autodiscover.{domain}"));
    let consumer = Candidate::V2("https://autodiscover-s.outlook.com".into());
    if super::autodiscover_v2::is_consumer_domain(&domain) {
        return [vec![consumer], pox.to_vec()].concat();
    }
    if microsoft || domain.ends_with(".onmicrosoft.com") {
        let business = Candidate::V2("https://outlook.office365.com".into());
        return [vec![business, consumer], pox.to_vec(), vec![own_v2]].concat();
    }
    [pox.to_vec(), vec![consumer, own_v2]].concat()
}

/// The result of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The EAS URL (`…/Microsoft-Server-ActiveSync`).
    pub url: String,
    /// The address it was found for (after Autodiscover redirects).
    pub email: String,
}

/// Finds the EAS URL for `email`, trying `candidates` in order.
pub async fn discover(
    email: &str,
    auth: &Auth,
    tls: &TlsOptions,
    candidates_for: impl Fn(&str) -> Vec<Candidate>,
) -> Result<Discovered, HttpError> {
    const UA: &str = concat!("easync/", env!("CARGO_PKG_VERSION"));
    let http = client::build(tls, UA)?;
    let verified = TlsOptions {
        insecure: false,
        ..tls.clone()
    };
    let strict = client::build(&verified, UA)?;
    let mut email = email.to_string();
    let mut seen = vec![email.clone()];
    let mut tried = Vec::new();
    'address: loop {
        for candidate in candidates_for(&email) {
            let lookup = Lookup {
                email: &email,
                auth,
                allow_http: tls.allow_insecure_http,
            };
            let outcome = match &candidate {
                Candidate::Pox(url) if is_apex(url, &email) => lookup.pox(&strict, url, true).await,
                Candidate::Pox(url) => lookup.pox(&http, url, false).await,
                Candidate::V2(base) => match lookup.v2(&http, base).await {
                    Ok(Found::Pox(url)) => {
                        tracing::info!(%url, "Autodiscover v2 names a POX endpoint for the address");
                        lookup.pox(&http, &url, false).await
                    }
                    other => other,
                },
            };
            let outcome = outcome.and_then(|found| match found {
                Found::Url(url) => {
                    origin::check(&url, tls.allow_insecure_http, "the discovered URL")
                        .map_err(|e| e.to_string())?;
                    Ok(Found::Url(url))
                }
                other => Ok(other),
            });
            match outcome {
                Ok(Found::Url(url)) => return Ok(Discovered { url, email }),
                Ok(Found::Redirect(next)) if !is_address(&next) => tried.push(format!(
                    "{candidate:?}: a redirect to {:?}, which is not an e-mail address",
                    crate::text::one_line(&next)
                )),
                Ok(Found::Redirect(next)) if !seen.contains(&next) && seen.len() <= MAX_HOPS => {
                    tracing::info!(from = %email, to = %crate::text::one_line(&next), "Autodiscover redirects to another address");
                    seen.push(next.clone());
                    email = next;
                    continue 'address;
                }
                Ok(Found::Redirect(next)) => tried.push(format!(
                    "{candidate:?}: redirect loop to {}",
                    crate::text::one_line(&next)
                )),
                Ok(Found::Pox(_)) => tried.push(format!("{candidate:?}: POX after POX")),
                Err(why) => tried.push(format!("{candidate:?}: {}", crate::text::one_line(&why))),
            }
        }
        return Err(HttpError::Config(format!(
            "Autodiscover found no ActiveSync URL for {email}; set the server URL in the \
             configuration. Tried:\n  {}",
            tried.join("\n  ")
        )));
    }
}

/// Whether a server-given redirect address is `local@domain` with a host name for a domain
/// (it becomes part of the next candidates' URLs).
fn is_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.chars().any(|c| c.is_control() || c.is_whitespace())
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// The address's domain (after the last `@`).
fn domain_of(email: &str) -> &str {
    email.rsplit('@').next().unwrap_or(email)
}

/// Whether a candidate URL is on the address's bare domain (`https://example.com/…`).
fn is_apex(url: &str, email: &str) -> bool {
    Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.eq_ignore_ascii_case(domain_of(email)))
        })
        .unwrap_or(false)
}

/// Whether `url`'s host is the address's domain or under it: where credentials may follow a
/// redirect once that host asks for them.
fn within_domain(url: &Url, email: &str) -> bool {
    let domain = domain_of(email).to_ascii_lowercase();
    url.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == domain || h.ends_with(&format!(".{domain}"))
    })
}

/// One address's lookup at one candidate.
struct Lookup<'a> {
    email: &'a str,
    auth: &'a Auth,
    allow_http: bool,
}

pub(super) enum Found {
    Url(String),
    Redirect(String),
    /// A POX endpoint to ask next (the v2 answer for `Protocol=AutodiscoverV1`).
    Pox(String),
}

impl Lookup<'_> {
    /// POSTs the POX request, following redirects. Credentials go to the candidate's origin and
    /// to origins that asked for them (401) and lie within the address's domain; any other
    /// origin gets the request without them. `apex`: https only (the client verifies).
    async fn pox(&self, http: &reqwest::Client, url: &str, apex: bool) -> Result<Found, String> {
        let start = origin::check(url, self.allow_http, "the Autodiscover URL")
            .map_err(|e| e.to_string())?;
        if apex && start.scheme() != "https" {
            return Err(format!(
                "the apex-domain candidate {url} is tried over https only"
            ));
        }
        let mut trusted = vec![start.origin()];
        let mut url = start;
        let mut hops = 0;
        loop {
            let with_auth = trusted.contains(&url.origin());
            let resp = self.pox_request(http, &url, with_auth).await?;
            let status = resp.status();
            if status.is_redirection() || status.as_u16() == 401 && !with_auth {
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(format!("more than {MAX_HOPS} HTTP redirects"));
                }
            }
            if status.is_redirection() {
                url = next_location(&url, resp.headers(), self.allow_http)?;
                if !trusted.contains(&url.origin()) {
                    tracing::info!(to = %url.origin().ascii_serialization(), "Autodiscover redirected to another origin: following without credentials");
                }
                continue;
            }
            if status.as_u16() == 401 && !with_auth {
                if !within_domain(&url, self.email) {
                    return Err(format!(
                        "redirected to {}, which asks for the password; easync sends it only \
                         within {}: if you trust that server, set url = … in the configuration",
                        url.origin().ascii_serialization(),
                        domain_of(self.email)
                    ));
                }
                trusted.push(url.origin());
                continue;
            }
            if !status.is_success() {
                return Err(format!("HTTP {}", status.as_u16()));
            }
            let text = resp.text().await.map_err(|e| e.to_string())?;
            return parse_pox(&text);
        }
    }

    async fn pox_request(
        &self,
        http: &reqwest::Client,
        url: &Url,
        with_auth: bool,
    ) -> Result<reqwest::Response, String> {
        let req = http
            .post(url.clone())
            .header("Content-Type", "text/xml; charset=utf-8")
            .timeout(Duration::from_secs(30))
            .body(pox_body(self.email));
        let req = match self.auth {
            _ if !with_auth => req,
            Auth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
            Auth::Bearer(source) => {
                let token = source.token().await.map_err(|e| e.to_string())?;
                req.bearer_auth(token.expose())
            }
        };
        req.send().await.map_err(|e| e.to_string())
    }

    /// Asks the v2 JSON endpoint (no credentials), following redirects.
    async fn v2(&self, http: &reqwest::Client, base: &str) -> Result<Found, String> {
        super::autodiscover_v2::lookup(http, base, self.email, self.allow_http).await
    }
}

/// The redirect target (relative locations resolved), refusing a downgrade from https and any
/// target [`origin::check`] refuses.
pub(super) fn next_location(
    from: &Url,
    headers: &reqwest::header::HeaderMap,
    allow_http: bool,
) -> Result<Url, String> {
    let location = headers
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .ok_or("redirect without a Location header")?;
    let to = from
        .join(location)
        .map_err(|e| format!("bad redirect {:?}: {e}", crate::text::one_line(location)))?;
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err(format!("refusing a redirect from https to {to}"));
    }
    origin::check(to.as_str(), allow_http, "the Autodiscover redirect to")
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_addresses_must_be_addresses() {
        assert!(is_address("bob@new.example.com"));
        for bad in [
            "bob",
            "@example.com",
            "bob@localhost",
            "bob@evil.test/x?",
            "bob@evil.test:8443",
            "b\u{1b}ob@example.com",
            "bob@exa mple.com",
        ] {
            assert!(!is_address(bad), "{bad}");
        }
    }

    #[test]
    fn standard_candidates() {
        let c = candidates("bob@example.com");
        assert_eq!(
            c[0],
            Candidate::Pox("https://example.com/autodiscover/autodiscover.xml".into())
        );
        assert_eq!(
            c[1],
            Candidate::Pox("https://autodiscover.example.com/autodiscover/autodiscover.xml".into())
        );
        assert_eq!(
            c[2],
            Candidate::V2("https://autodiscover-s.outlook.com".into())
        );
        let m = candidates_for("bob@example.com", true);
        assert_eq!(m[0], Candidate::V2("https://outlook.office365.com".into()));
        assert!(matches!(&m[2], Candidate::Pox(_)), "POX kept: {m:?}");
        let t = candidates("bob@contoso.onmicrosoft.com");
        assert_eq!(t[0], Candidate::V2("https://outlook.office365.com".into()));
        let p = candidates("someone@Outlook.com");
        assert_eq!(
            p[0],
            Candidate::V2("https://autodiscover-s.outlook.com".into())
        );
    }
}

//! The reqwest client: rustls with the ring provider, system roots plus an optional CA file,
//! HTTP/1.1 and 2, gzip.

use std::sync::Once;

use super::{HttpError, TlsOptions};

/// Installs rustls' ring provider once per process (reqwest is built without a provider).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only if another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client that follows no redirects on its own (451 and 3xx are handled by the session).
pub fn build(tls: &TlsOptions, user_agent: &str) -> Result<reqwest::Client, HttpError> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true);
    if let Some(path) = &tls.extra_ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            HttpError::Config(format!("cannot read the CA file {}: {e}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                HttpError::Config(format!("{} holds no PEM certificate", path.display()))
            })?;
        builder = builder.tls_certs_merge(certs);
    }
    if tls.insecure {
        tracing::warn!(
            "TLS certificate verification is OFF (insecure mode): use only for lab servers"
        );
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| HttpError::Config(format!("cannot build the HTTP client: {e}")))
}

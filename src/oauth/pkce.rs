//! PKCE (RFC 7636): a fresh `code_verifier` per sign-in and its S256 `code_challenge`, and the
//! random `state` that ties the redirect to this sign-in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SecureRandom as _;

/// A verifier and its challenge.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pkce(***)")
    }
}

/// `n` random bytes, base64url without padding.
pub fn random(n: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system's random number generator failed".to_string())?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// RFC 7636 4.2: `BASE64URL(SHA256(ASCII(code_verifier)))`.
pub fn challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

impl Pkce {
    /// 32 random bytes: a 43-character verifier (RFC 7636 4.1 recommends exactly this).
    pub fn generate() -> Result<Self, String> {
        let verifier = random(32)?;
        Ok(Self {
            challenge: challenge(&verifier),
            verifier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn fresh_verifiers() {
        let (a, b) = (Pkce::generate().unwrap(), Pkce::generate().unwrap());
        assert_ne!(a.verifier, b.verifier);
        assert_eq!(a.verifier.len(), 43);
        assert_eq!(a.challenge, challenge(&a.verifier));
        assert_eq!(format!("{a:?}"), "Pkce(***)");
    }
}

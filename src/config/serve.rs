//! `[serve]`: where `easync serve` listens and the local password its clients sign in with —
//! checked when the file is read.
//!
//! ```toml
//! [serve]
//! imap = "127.0.0.1:1143"    # IMAP4rev1 (RFC 3501); "off" to leave it out
//! smtp = "127.0.0.1:1025"    # SMTP submission (RFC 6409); "off" to leave it out
//! dav = "127.0.0.1:1080"     # CalDAV and CardDAV (RFC 4791, RFC 6352); "off" to leave it out
//! password_file = "…"        # default $XDG_STATE_HOME/easync/serve.password (made on first use)
//! allow_remote = false       # listen on addresses other than loopback (no TLS: think twice)
//! ```
//!
//! The ports are DavMail's, so set-ups written for DavMail need only their password changed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, Dirs};

/// `[serve]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServe {
    pub imap: Option<String>,
    pub smtp: Option<String>,
    pub dav: Option<String>,
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub allow_remote: bool,
}

/// `[serve]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    pub imap: Option<SocketAddr>,
    pub smtp: Option<SocketAddr>,
    pub dav: Option<SocketAddr>,
    pub password_file: PathBuf,
}

/// DavMail's default ports.
pub const DEFAULT_IMAP: &str = "127.0.0.1:1143";
pub const DEFAULT_SMTP: &str = "127.0.0.1:1025";
pub const DEFAULT_DAV: &str = "127.0.0.1:1080";

impl RawServe {
    /// Checks the table (`path` is for messages).
    pub fn resolve(self, path: &Path, dirs: &Dirs) -> Result<ServeConfig, ConfigError> {
        let remote = self.allow_remote;
        let addr = |key: &str, v: Option<String>, default: &str| {
            listen(path, key, v.as_deref().unwrap_or(default), remote)
        };
        Ok(ServeConfig {
            imap: addr("imap", self.imap, DEFAULT_IMAP)?,
            smtp: addr("smtp", self.smtp, DEFAULT_SMTP)?,
            dav: addr("dav", self.dav, DEFAULT_DAV)?,
            password_file: self
                .password_file
                .unwrap_or_else(|| dirs.state.join("serve.password")),
        })
    }
}

fn listen(
    path: &Path,
    key: &str,
    value: &str,
    allow_remote: bool,
) -> Result<Option<SocketAddr>, ConfigError> {
    if value == "off" {
        return Ok(None);
    }
    let bad = |why: String| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: format!("[serve] {key} = {value:?}: {why}"),
    };
    let addr: SocketAddr = value.parse().map_err(|_| {
        bad(
            "not an address and port (like \"127.0.0.1:1143\" or \"[::1]:1143\"), nor \"off\""
                .into(),
        )
    })?;
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(bad(
            "not a loopback address: clients would send their password in the clear over the \
             network; set allow_remote = true under [serve] if that is what you want"
                .into(),
        ));
    }
    Ok(Some(addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs() -> Dirs {
        Dirs {
            config: "/c".into(),
            state: "/s".into(),
        }
    }

    #[test]
    fn defaults_are_davmails_ports_on_loopback() {
        let c = RawServe::default()
            .resolve(Path::new("f"), &dirs())
            .unwrap();
        assert_eq!(c.imap, Some("127.0.0.1:1143".parse().unwrap()));
        assert_eq!(c.smtp, Some("127.0.0.1:1025".parse().unwrap()));
        assert_eq!(c.dav, Some("127.0.0.1:1080".parse().unwrap()));
        assert_eq!(c.password_file, PathBuf::from("/s/serve.password"));
    }

    #[test]
    fn off_leaves_a_listener_out_and_remote_needs_consent() {
        let raw = RawServe {
            smtp: Some("off".into()),
            imap: Some("0.0.0.0:143".into()),
            ..RawServe::default()
        };
        let err = raw.clone().resolve(Path::new("f"), &dirs()).unwrap_err();
        assert!(err.to_string().contains("allow_remote"), "{err}");
        let ok = RawServe {
            allow_remote: true,
            ..raw
        }
        .resolve(Path::new("f"), &dirs())
        .unwrap();
        assert_eq!(ok.smtp, None);
        assert_eq!(ok.imap, Some("0.0.0.0:143".parse().unwrap()));
    }
}

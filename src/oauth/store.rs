//! The token file: an account's refresh token, and its access token with the time it expires,
//! as JSON in a file only its owner can read (0600, in a 0700 directory), replaced atomically
//! (a temporary file beside it, fsync, rename, fsync of the directory) so that a crash leaves
//! the old tokens or the new ones, never a mix. Several easync processes share it: the one
//! that refreshes holds [`FileLock`] on `NAME.oauth.lock`, and the others wait, then read the
//! rotated tokens instead of redeeming the old refresh token a second time.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{Granted, OAuthSettings, TokenStore};
use crate::http::Secret;

/// The tokens of one account, and what they were issued for.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub refresh_token: Option<Secret>,
    pub access_token: Option<Secret>,
    /// When the access token expires (Unix seconds).
    pub expires_at: f64,
    /// How long it was issued for (seconds): the renewal margin is a tenth of it, at most 60 s.
    pub lifetime: f64,
}

#[derive(Serialize, Deserialize)]
struct Raw {
    version: u32,
    authority: String,
    tenant: String,
    client_id: String,
    refresh_token: Option<String>,
    access_token: Option<String>,
    expires_at: f64,
    lifetime: f64,
    saved_at: f64,
}

/// Unix seconds.
pub fn unix(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Tokens {
    /// Tokens just granted at sign-in.
    pub fn new(settings: &OAuthSettings, granted: &Granted) -> Self {
        let mut t = Self {
            authority: settings.authority.clone(),
            tenant: settings.tenant.as_str().to_string(),
            client_id: settings.client_id.clone(),
            refresh_token: None,
            access_token: None,
            expires_at: 0.0,
            lifetime: 0.0,
        };
        t.take(granted);
        t
    }

    /// These tokens after a refresh: the rotated refresh token replaces the old one (kept when
    /// the answer has none).
    pub fn rotated(&self, granted: &Granted) -> Self {
        let mut t = self.clone();
        t.take(granted);
        t
    }

    fn take(&mut self, g: &Granted) {
        self.access_token = Some(g.access_token.clone());
        if let Some(r) = &g.refresh_token {
            self.refresh_token = Some(r.clone());
        }
        self.lifetime = g.lifetime.as_secs_f64();
        self.expires_at = unix(SystemTime::now()) + self.lifetime;
    }

    /// Whether they were issued for this registration.
    pub fn belongs_to(&self, s: &OAuthSettings) -> bool {
        self.authority == s.authority
            && self.tenant == s.tenant.as_str()
            && self.client_id == s.client_id
    }

    /// The access token and until when to use it (a margin before it expires: a tenth of its
    /// lifetime, at most a minute), if that is still ahead.
    pub fn usable(&self) -> Option<(Secret, SystemTime)> {
        let token = self.access_token.clone()?;
        let margin = (self.lifetime / 10.0).clamp(0.0, 60.0);
        let until = self.expires_at - margin;
        let now = unix(SystemTime::now());
        (until > now).then(|| {
            let left = Duration::from_secs_f64((until - now).min(1e9));
            (token, SystemTime::now() + left)
        })
    }
}

/// Reads the account's tokens from where its settings keep them; `None` when there are none.
pub fn load_for(s: &OAuthSettings) -> Result<Option<Tokens>, String> {
    match s.token_store {
        TokenStore::File => load(&s.token_file),
        #[cfg(feature = "keyring")]
        TokenStore::Keyring => super::keyring::load(s)?
            .map(|text| parse(&text))
            .transpose(),
        #[cfg(not(feature = "keyring"))]
        TokenStore::Keyring => Err(NO_KEYRING.into()),
    }
}

/// Writes the account's tokens where its settings keep them.
pub fn save_for(s: &OAuthSettings, t: &Tokens) -> Result<(), String> {
    match s.token_store {
        TokenStore::File => save(&s.token_file, t),
        #[cfg(feature = "keyring")]
        TokenStore::Keyring => super::keyring::save(s, &render(t)?),
        #[cfg(not(feature = "keyring"))]
        TokenStore::Keyring => Err(NO_KEYRING.into()),
    }
}

/// Forgets the account's tokens; whether there were any.
pub fn remove_for(s: &OAuthSettings) -> Result<bool, String> {
    match s.token_store {
        TokenStore::File => remove(&s.token_file),
        #[cfg(feature = "keyring")]
        TokenStore::Keyring => super::keyring::remove(s),
        #[cfg(not(feature = "keyring"))]
        TokenStore::Keyring => Err(NO_KEYRING.into()),
    }
}

/// What a build without the `keyring` feature says (the configuration refuses it first).
#[cfg(not(feature = "keyring"))]
const NO_KEYRING: &str = "token_store = \"keyring\" needs easync built with `--features keyring`";

/// Reads the token file; `None` when there is none.
pub fn load(path: &Path) -> Result<Option<Tokens>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the token file: {e}")),
    };
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the token file is readable by others: chmod 600 it");
    }
    parse(&text).map(Some)
}

/// The tokens from their JSON text (no token in the error).
pub fn parse(text: &str) -> Result<Tokens, String> {
    let raw: Raw = serde_json::from_str(text).map_err(|_| {
        "the saved tokens are damaged: sign in again with `easync login`".to_string()
    })?;
    Ok(Tokens {
        authority: raw.authority,
        tenant: raw.tenant,
        client_id: raw.client_id,
        refresh_token: raw.refresh_token.map(Secret::new),
        access_token: raw.access_token.map(Secret::new),
        expires_at: raw.expires_at,
        lifetime: raw.lifetime,
    })
}

/// The tokens as JSON text: what the token file (or the keyring entry) holds.
pub fn render(t: &Tokens) -> Result<String, String> {
    let raw = Raw {
        version: 1,
        authority: t.authority.clone(),
        tenant: t.tenant.clone(),
        client_id: t.client_id.clone(),
        refresh_token: t.refresh_token.as_ref().map(|s| s.expose().to_string()),
        access_token: t.access_token.as_ref().map(|s| s.expose().to_string()),
        expires_at: t.expires_at,
        lifetime: t.lifetime,
        saved_at: unix(SystemTime::now()),
    };
    serde_json::to_string_pretty(&raw).map_err(|e| e.to_string())
}

/// Writes the token file atomically, readable by its owner only.
pub fn save(path: &Path, t: &Tokens) -> Result<(), String> {
    let text = render(t)?;
    let dir = private_dir(path)?;
    let name = path
        .file_name()
        .map_or("tokens".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write the token file: {e}")
    })
}

/// Deletes the token file; whether there was one.
pub fn remove(path: &Path) -> Result<bool, String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot remove the token file: {e}")),
    }
}

/// The directory of `path`, created readable by its owner only when missing.
fn private_dir(path: &Path) -> Result<&Path, String> {
    let dir = parent(path);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// An exclusive lock on the lock file, released when dropped (flock(2), so also when the
/// process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Takes the lock, waiting at most `wait` for another process to release it (`None` then).
    pub async fn acquire(path: &Path, wait: Duration) -> Result<Option<Self>, String> {
        private_dir(path)?;
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| format!("cannot open the lock file: {e}"))?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(Self { _file: file })),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(format!("cannot lock the lock file: {e}"));
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path) -> OAuthSettings {
        OAuthSettings {
            account: "a".into(),
            authority: "https://login.example.test".into(),
            tenant: "common".parse().unwrap(),
            client_id: "c1".into(),
            scopes: vec!["s".into()],
            token_file: dir.join("a.oauth.json"),
            login_hint: None,
            token_store: super::super::TokenStore::File,
            ca_file: None,
        }
    }

    #[test]
    fn saved_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("easync-tokens-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = settings(&dir.join("state"));
        assert!(load(&s.token_file).unwrap().is_none());
        let granted = Granted {
            access_token: Secret::new("at-1"),
            refresh_token: Some(Secret::new("rt-1")),
            lifetime: Duration::from_secs(100),
        };
        let t = Tokens::new(&s, &granted);
        save(&s.token_file, &t).unwrap();
        let mode = std::fs::metadata(&s.token_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(dir.join("state"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let back = load(&s.token_file).unwrap().unwrap();
        assert!(back.belongs_to(&s));
        assert_eq!(back.usable().unwrap().0.expose(), "at-1");
        // A refresh without a new refresh token keeps the old one.
        let again = back.rotated(&Granted {
            refresh_token: None,
            ..granted
        });
        assert_eq!(again.refresh_token.unwrap().expose(), "rt-1");
        let leftovers = std::fs::read_dir(dir.join("state")).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
        std::fs::write(&s.token_file, "{").unwrap();
        assert!(!load(&s.token_file).unwrap_err().contains("at-1"));
        assert!(remove(&s.token_file).unwrap());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn an_expired_token_is_not_usable() {
        let s = settings(Path::new("/nonexistent"));
        let mut t = Tokens::new(
            &s,
            &Granted {
                access_token: Secret::new("at"),
                refresh_token: None,
                lifetime: Duration::from_secs(10),
            },
        );
        assert!(t.usable().is_some());
        t.expires_at = unix(SystemTime::now()) + 0.5; // inside the 1 s margin
        assert!(t.usable().is_none());
    }
}

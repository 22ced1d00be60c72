//! The local password `easync serve`'s clients sign in with: never the Exchange password. It
//! lives in a file only its owner can read (`[serve] password_file`, by default
//! `$XDG_STATE_HOME/easync/serve.password`), made with a random password the first time it is
//! needed; the user name is an account's name or its e-mail address.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::config::Account;
use crate::http::Secret;

/// Who may sign in, and as which account.
#[derive(Clone)]
pub struct LocalAuth {
    password: Secret,
    /// (name, e-mail address) of each served account.
    accounts: Vec<(String, String)>,
    file: PathBuf,
}

impl std::fmt::Debug for LocalAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAuth")
            .field("accounts", &self.accounts)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl LocalAuth {
    /// The password in `file` (made now when there is none) for `accounts`.
    pub fn load(file: &Path, accounts: &[Account]) -> Result<Self, String> {
        let password = read_or_make(file)?;
        Ok(Self {
            password,
            accounts: accounts
                .iter()
                .map(|a| (a.name.clone(), a.email.clone()))
                .collect(),
            file: file.to_path_buf(),
        })
    }

    /// For tests and the demo: this password, these (name, address) accounts.
    pub fn fixed(password: &str, accounts: Vec<(String, String)>) -> Self {
        Self {
            password: Secret::new(password),
            accounts,
            file: PathBuf::new(),
        }
    }

    /// The account `user` signs in to, when `password` is the local one.
    pub fn check(&self, user: &str, password: &str) -> Option<&str> {
        if !same(password.as_bytes(), self.password.expose().as_bytes()) {
            return None;
        }
        self.account(user)
    }

    /// The account a user name names (its name or address, case-insensitively for addresses).
    pub fn account(&self, user: &str) -> Option<&str> {
        let one = self.accounts.len() == 1;
        self.accounts
            .iter()
            .find(|(name, email)| name == user || email.eq_ignore_ascii_case(user))
            .or_else(|| self.accounts.first().filter(|_| one && user.is_empty()))
            .map(|(name, _)| name.as_str())
    }

    /// Where the password is kept (for messages).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The password itself, for `easync serve --show-password`.
    pub fn expose(&self) -> &str {
        self.password.expose()
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn read_or_make(file: &Path) -> Result<Secret, String> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            let line = text.lines().next().unwrap_or("").trim();
            if line.is_empty() {
                return Err(format!(
                    "{} is empty: delete it and easync serve makes a new password",
                    file.display()
                ));
            }
            let mode = std::fs::metadata(file).map_or(0, |m| m.permissions().mode());
            if mode & 0o077 != 0 {
                return Err(format!(
                    "{} can be read by others (mode {:o}): run chmod 600 on it",
                    file.display(),
                    mode & 0o777
                ));
            }
            Ok(Secret::new(line))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => make(file),
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

/// 24 characters from a 128-bit random value, written to a new 0600 file.
fn make(file: &Path) -> Result<Secret, String> {
    use ring::rand::SecureRandom as _;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut raw = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| "the system gave no random numbers for a password".to_string())?;
    let mut bits = u128::from_le_bytes(raw);
    let mut password = String::with_capacity(24);
    for _ in 0..24 {
        password.push(char::from(ALPHABET[(bits % 32) as usize]));
        bits /= 32;
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .and_then(|mut f| {
            f.write_all(format!("{password}\n").as_bytes())?;
            f.sync_all()
        });
    match written {
        Ok(()) => Ok(Secret::new(password)),
        // Another easync made it first: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_or_make(file),
        Err(e) => Err(format!("cannot write {}: {e}", file.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("easync-serve-auth-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_password_is_made_once_private_and_checked_by_account_name_or_address() {
        let dir = tempdir("made");
        let file = dir.join("state/serve.password");
        let accounts = vec![("work".to_string(), "Me@Example.com".to_string())];
        let a = LocalAuth {
            password: read_or_make(&file).unwrap(),
            accounts: accounts.clone(),
            file: file.clone(),
        };
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(a.expose().len(), 24);
        let again = read_or_make(&file).unwrap();
        assert_eq!(again.expose(), a.expose());
        assert_eq!(a.check("work", a.expose()), Some("work"));
        assert_eq!(a.check("me@example.com", a.expose()), Some("work"));
        assert_eq!(a.check("work", "wrong"), None);
        assert_eq!(a.check("other", a.expose()), None);
    }

    #[test]
    fn a_password_file_others_can_read_is_refused() {
        let dir = tempdir("shared");
        let file = dir.join("p");
        std::fs::write(&file, "secret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_or_make(&file).unwrap_err();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}

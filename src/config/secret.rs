//! Where an account's password or token comes from. Secrets are fetched when a command needs
//! them — never stored, logged or put in an error message — and fetching never prompts: a
//! command runs with no standard input, so anything that needs a person fails fast.

use std::process::{Command, Stdio};
use std::sync::Arc;

use super::{ConfigError, RawAccount};
use crate::http::{Auth, Secret, TokenSource};

/// One of the four ways to give a secret (exactly one per account).
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// `password_cmd = ["pass", "show", "work"]`: the first line of its output.
    Command(Vec<String>),
    /// `password_env = "VAR"`.
    Env(String),
    /// `password = "…"` in the file (a warning is printed when used).
    Literal(Secret),
    /// `token_cmd = [...]`: an OAuth2 access token, fetched for each request.
    TokenCommand(Vec<String>),
}

impl SecretSource {
    pub(super) fn from_raw(raw: &RawAccount) -> Result<Self, String> {
        let mut found = Vec::new();
        if let Some(cmd) = &raw.password_cmd {
            found.push(Self::Command(check_argv("password_cmd", cmd)?));
        }
        if let Some(var) = &raw.password_env {
            found.push(Self::Env(var.clone()));
        }
        if let Some(p) = &raw.password {
            found.push(Self::Literal(Secret::new(p.clone())));
        }
        if let Some(cmd) = &raw.token_cmd {
            found.push(Self::TokenCommand(check_argv("token_cmd", cmd)?));
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err("set one of password_cmd, password_env, password or token_cmd".into()),
            _ => Err("set only one of password_cmd, password_env, password and token_cmd".into()),
        }
    }

    /// The credentials for `user`, fetched now.
    pub fn auth(&self, user: &str) -> Result<Auth, ConfigError> {
        let password = match self {
            Self::Command(argv) => run(argv).map_err(ConfigError::Secret)?,
            Self::Env(var) => Secret::new(std::env::var(var).map_err(|_| {
                ConfigError::Secret(format!(
                    "the environment variable {var} (password_env) is not set"
                ))
            })?),
            Self::Literal(p) => {
                tracing::warn!(
                    "the password is written in the configuration file; prefer password_cmd"
                );
                p.clone()
            }
            Self::TokenCommand(argv) => {
                return Ok(Auth::Bearer(Arc::new(CommandToken(argv.clone()))));
            }
        };
        Ok(Auth::Basic {
            user: user.to_string(),
            password,
        })
    }
}

fn check_argv(key: &str, argv: &[String]) -> Result<Vec<String>, String> {
    if argv.first().is_none_or(|p| p.is_empty()) {
        return Err(format!(
            "{key} needs a program: {key} = [\"program\", \"arg\", …]"
        ));
    }
    Ok(argv.to_vec())
}

/// Runs `argv` with no standard input; the first line of its output is the secret.
fn run(argv: &[String]) -> Result<Secret, String> {
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {:?} (password_cmd/token_cmd): {e}", argv[0]))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr: String = stderr.trim().chars().take(500).collect();
        return Err(format!(
            "{:?} (password_cmd/token_cmd) failed with {}: {stderr}",
            argv[0], out.status
        ));
    }
    let stdout = String::from_utf8(out.stdout)
        .map_err(|_| format!("{:?} printed something that is not UTF-8", argv[0]))?;
    let first = stdout.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(format!(
            "{:?} (password_cmd/token_cmd) printed nothing",
            argv[0]
        ));
    }
    Ok(Secret::new(first))
}

/// A bearer token from a command (the user's own OAuth2 helper).
#[derive(Debug)]
struct CommandToken(Vec<String>);

impl TokenSource for CommandToken {
    fn token(&self) -> Result<Secret, String> {
        run(&self.0)
    }
}

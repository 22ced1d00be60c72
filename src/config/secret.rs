//! Where an account's password or token comes from. Secrets are fetched when a command needs
//! them — never stored on disk, logged or put in an error message — and fetching never prompts:
//! a command runs with no standard input, so anything that needs a person fails fast.
//!
//! `password_cmd` and `token_cmd` run under tokio (the runtime keeps serving signals and other
//! tasks meanwhile) and are killed after `secret_timeout` (default [`DEFAULT_TIMEOUT`]). A token
//! from `token_cmd` is kept in memory until shortly before it expires — the `expires_in`
//! (seconds) or `expiry`/`expires_at` (RFC 3339 or Unix seconds) of a JSON answer, else
//! `token_lifetime` (default [`DEFAULT_TOKEN_LIFETIME`]) — and fetched by one caller at a time
//! (helpers that rotate refresh tokens must not run twice at once: PITFALLS 17).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{ConfigError, RawAccount};
use crate::http::{Auth, Secret, TokenError, TokenFuture, TokenSource};

/// How long a secret command may run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a token is used when its command says nothing about expiry (Microsoft 365 access
/// tokens live 60–90 minutes).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);
/// The longest a token is kept, whatever its command says.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// One of the four ways to give a secret (exactly one per account).
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// `password_cmd = ["pass", "show", "work"]`: the first line of its output.
    Command(Vec<String>),
    /// `password_env = "VAR"`.
    Env(String),
    /// `password = "…"` in the file (a warning is printed when used).
    Literal(Secret),
    /// `token_cmd = [...]`: an OAuth2 access token, cached until it expires.
    TokenCommand(Vec<String>),
    /// `[account.NAME.oauth]`: easync's own sign-in (`easync login`), tokens in a file.
    OAuth(Box<crate::oauth::OAuthSettings>),
}

/// `secret_timeout` and `token_lifetime` of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretOptions {
    pub timeout: Duration,
    pub token_lifetime: Duration,
}

impl Default for SecretOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }
}

impl SecretOptions {
    pub(super) fn from_raw(raw: &RawAccount) -> Result<Self, String> {
        let mut opts = Self::default();
        if let Some(t) = raw.secret_timeout {
            if !(1..=600).contains(&t) {
                return Err("secret_timeout must be between 1 and 600 seconds".into());
            }
            opts.timeout = Duration::from_secs(t);
        }
        if let Some(t) = raw.token_lifetime {
            if !(60..=86_400).contains(&t) {
                return Err("token_lifetime must be between 60 and 86400 seconds".into());
            }
            opts.token_lifetime = Duration::from_secs(t);
        }
        Ok(opts)
    }
}

impl SecretSource {
    pub(super) fn from_raw(
        raw: &RawAccount,
        oauth: Option<crate::oauth::OAuthSettings>,
    ) -> Result<Self, String> {
        let mut found = Vec::new();
        if let Some(settings) = oauth {
            found.push(Self::OAuth(Box::new(settings)));
        }
        if let Some(cmd) = &raw.password_cmd {
            found.push(Self::Command(check_argv("password_cmd", cmd)?));
        }
        if let Some(var) = &raw.password_env {
            found.push(Self::Env(var.clone()));
        }
        if let Some(p) = &raw.password {
            found.push(Self::Literal(p.clone()));
        }
        if let Some(cmd) = &raw.token_cmd {
            found.push(Self::TokenCommand(check_argv("token_cmd", cmd)?));
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(
                "set one of password_cmd, password_env, password, token_cmd or an [oauth] table"
                    .into(),
            ),
            _ => Err(
                "set only one of password_cmd, password_env, password, token_cmd and [oauth]"
                    .into(),
            ),
        }
    }

    /// The credentials for `user`, fetched now with the default options.
    pub async fn auth(&self, user: &str) -> Result<Auth, ConfigError> {
        self.auth_with(user, &SecretOptions::default()).await
    }

    /// The credentials for `user`, fetched now. A `token_cmd` runs once here too, so that a
    /// broken helper shows at the start (and `easync check --secrets` really runs it); its
    /// token is then served from the cache.
    pub async fn auth_with(&self, user: &str, opts: &SecretOptions) -> Result<Auth, ConfigError> {
        let password = match self {
            Self::Command(argv) => {
                let out = run(argv, opts.timeout).await.map_err(ConfigError::Secret)?;
                first_line(&out, argv).map_err(ConfigError::Secret)?
            }
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
                let source = CommandToken::new(argv.clone(), *opts);
                source.get().await.map_err(ConfigError::Secret)?;
                return Ok(Auth::Bearer(Arc::new(source)));
            }
            // Signed in already (`easync login`): a missing or refused sign-in shows now.
            Self::OAuth(settings) => {
                let source = crate::oauth::OAuthToken::new(settings)?;
                source.get().await?;
                return Ok(Auth::Bearer(Arc::new(source)));
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

/// Runs `argv` with no standard input, killed after `timeout`; its standard output.
async fn run(argv: &[String], timeout: Duration) -> Result<String, String> {
    let child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {:?} (password_cmd/token_cmd): {e}", argv[0]))?;
    let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(out) => out.map_err(|e| format!("{:?} (password_cmd/token_cmd): {e}", argv[0]))?,
        // Dropping the future dropped the child, which kills it.
        Err(_) => {
            return Err(format!(
                "{:?} (password_cmd/token_cmd) did not finish within {timeout:?} and was \
                 stopped: check that it does not wait for input or a network, or raise \
                 secret_timeout",
                argv[0]
            ));
        }
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr: String = stderr.trim().chars().take(500).collect();
        return Err(format!(
            "{:?} (password_cmd/token_cmd) failed with {}: {}",
            argv[0],
            out.status,
            crate::text::one_line(&stderr)
        ));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| format!("{:?} printed something that is not UTF-8", argv[0]))
}

/// The first line of a command's output as the secret.
fn first_line(stdout: &str, argv: &[String]) -> Result<Secret, String> {
    let first = stdout.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(format!(
            "{:?} (password_cmd/token_cmd) printed nothing",
            argv[0]
        ));
    }
    Ok(Secret::new(first))
}

/// A token and how long it lives, from a `token_cmd`'s output: a JSON object with
/// `access_token` (or `token`) and `expires_in` / `expiry` / `expires_at`, or the token alone on
/// the first line (then `default` is its lifetime).
fn parse_token(
    stdout: &str,
    argv: &[String],
    default: Duration,
) -> Result<(Secret, Duration), String> {
    if !stdout.trim_start().starts_with('{') {
        return Ok((first_line(stdout, argv)?, default));
    }
    let bad = |what: &str| format!("{:?} (token_cmd) printed JSON {what}", argv[0]);
    let v: serde_json::Value =
        serde_json::from_str(stdout.trim()).map_err(|_| bad("that does not parse"))?;
    let token = ["access_token", "token"]
        .iter()
        .find_map(|k| v[*k].as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("without access_token"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let lifetime = if let Some(secs) = v["expires_in"].as_f64() {
        Duration::from_secs_f64(secs.clamp(0.0, MAX_TOKEN_LIFETIME.as_secs_f64()))
    } else if let Some(at) = ["expiry", "expires_at"].iter().find_map(|k| expiry(&v[*k])) {
        at.saturating_sub(now)
    } else {
        default
    };
    Ok((Secret::new(token), lifetime.min(MAX_TOKEN_LIFETIME)))
}

/// An absolute expiry (since the epoch): RFC 3339 text or Unix seconds.
fn expiry(v: &serde_json::Value) -> Option<Duration> {
    if let Some(secs) = v.as_f64() {
        return Some(Duration::from_secs_f64(secs.clamp(0.0, 1e11)));
    }
    let at = chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok()?;
    u64::try_from(at.timestamp()).ok().map(Duration::from_secs)
}

/// A bearer token from a command (the user's own OAuth2 helper), cached until it expires.
#[derive(Debug)]
struct CommandToken {
    argv: Vec<String>,
    opts: SecretOptions,
    cached: Mutex<Option<(Secret, Instant)>>,
    /// Held while the command runs: one fetch at a time.
    fetching: tokio::sync::Mutex<()>,
}

impl CommandToken {
    fn new(argv: Vec<String>, opts: SecretOptions) -> Self {
        Self {
            argv,
            opts,
            cached: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<Secret> {
        let cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(token, _)| token.clone())
    }

    async fn get(&self) -> Result<Secret, String> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _one = self.fetching.lock().await;
        if let Some(token) = self.cached() {
            return Ok(token); // fetched by the caller we waited for
        }
        let out = run(&self.argv, self.opts.timeout).await?;
        let (token, lifetime) = parse_token(&out, &self.argv, self.opts.token_lifetime)?;
        // Renewed a little before it expires: a minute, or a tenth of a short lifetime.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        let until = Instant::now() + (lifetime - margin);
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.clone(), until));
        tracing::debug!(lifetime = ?lifetime, "token fetched from token_cmd");
        Ok(token)
    }
}

impl TokenSource for CommandToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async { self.get().await.map_err(TokenError::from) })
    }

    fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers() {
        let argv = vec!["helper".to_string()];
        let d = DEFAULT_TOKEN_LIFETIME;
        let (t, l) = parse_token("tok-1\nignored\n", &argv, d).unwrap();
        assert_eq!((t.expose(), l), ("tok-1", d));
        let (t, l) = parse_token(r#"{"access_token":"a1","expires_in":3599}"#, &argv, d).unwrap();
        assert_eq!((t.expose(), l), ("a1", Duration::from_secs(3599)));
        let (_, l) = parse_token(r#"{"token":"a2","expires_in":1e30}"#, &argv, d).unwrap();
        assert_eq!(l, MAX_TOKEN_LIFETIME, "clamped");
        let (_, l) = parse_token(
            r#"{"token":"a3","expiry":"2001-01-01T00:00:00Z"}"#,
            &argv,
            d,
        )
        .unwrap();
        assert_eq!(l, Duration::ZERO, "expired already");
        let (_, l) = parse_token(r#"{"token":"a4"}"#, &argv, d).unwrap();
        assert_eq!(l, d);
        let err = parse_token(r#"{"refresh_token":"r-secret"}"#, &argv, d).unwrap_err();
        assert!(
            err.contains("without access_token") && !err.contains("r-secret"),
            "{err}"
        );
        let err = parse_token("{ not json r-secret", &argv, d).unwrap_err();
        assert!(!err.contains("r-secret"), "{err}");
    }
}

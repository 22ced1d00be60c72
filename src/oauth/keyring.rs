//! The `keyring` cargo feature: an account's tokens (the same JSON text as the token file) in
//! the desktop session's Secret Service (GNOME Keyring, KWallet) through the `keyring` crate
//! (pure-Rust zbus: nothing to install to build it; a secret service must run when used).
//! Never the only way: without `token_store = "keyring"` the 0600 token file is used, and
//! the refresh lock stays a file beside `token_file` either way. The entry is named by the
//! service `easync` and the user `oauth:NAME:CLIENT_ID`; a secret service that cannot be
//! reached is an error that says what to do, never a silent fall back to the file.

use keyring::v1::{Entry, Error};

use super::OAuthSettings;

fn entry(s: &OAuthSettings) -> Result<Entry, String> {
    Entry::new("easync", &format!("oauth:{}:{}", s.account, s.client_id)).map_err(unreachable)
}

/// What to do when the keyring refuses (the error names no secret).
fn unreachable(e: Error) -> String {
    let why = match &e {
        Error::NoDefaultStore => "no secret service could be reached (is a keyring daemon \
             running in this session, with DBUS_SESSION_BUS_ADDRESS set?)"
            .to_string(),
        other => format!("the keyring refused: {other}"),
    };
    format!(
        "{why}: unlock or start the keyring, or remove token_store = \"keyring\" from the \
         account's [oauth] table to keep the tokens in the token file"
    )
}

/// The JSON text kept for the account, if any.
pub fn load(s: &OAuthSettings) -> Result<Option<String>, String> {
    match entry(s)?.get_password() {
        Ok(text) => Ok(Some(text)),
        Err(Error::NoEntry) => Ok(None),
        Err(e) => Err(unreachable(e)),
    }
}

/// Replaces the account's entry (one call: the old text or the new, never a mix).
pub fn save(s: &OAuthSettings, text: &str) -> Result<(), String> {
    entry(s)?.set_password(text).map_err(unreachable)
}

/// Deletes the account's entry; whether there was one.
pub fn remove(s: &OAuthSettings) -> Result<bool, String> {
    match entry(s)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(Error::NoEntry) => Ok(false),
        Err(e) => Err(unreachable(e)),
    }
}

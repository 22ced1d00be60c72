//! What to do about each way a server or the path to it fails: the advice `easync doctor`
//! prints under a failed check (docs/troubleshooting.md says the same at more length), and the
//! exit code of its class.

use crate::cli::{EXIT_AUTH, EXIT_CONFIG, EXIT_FAILURE, EXIT_TEMPORARY};
use crate::http::HttpError;
use crate::http::probe::ProbeError;

/// (what to do, exit code) for an error of the session.
pub fn http(e: &HttpError, account: &str, device: &str) -> (String, u8) {
    let code = if e.needs_attention() {
        EXIT_AUTH
    } else if e.is_temporary() {
        EXIT_TEMPORARY
    } else if matches!(e, HttpError::Config(_) | HttpError::InsecureUrl { .. }) {
        EXIT_CONFIG
    } else {
        EXIT_FAILURE
    };
    (http_fix(e, account, device), code)
}

fn http_fix(e: &HttpError, account: &str, device: &str) -> String {
    use HttpError as E;
    match e {
        E::Unauthorized { .. } => format!(
            "check `user` (DOMAIN\\user or the user principal name, when it is not the e-mail \
             address) and what the secret command prints (`easync check --secrets {account}`); \
             Microsoft 365 refuses passwords: use token_cmd"
        ),
        E::Forbidden { .. } => "ask the administrator to allow ActiveSync for this mailbox \
             (Exchange: Set-CASMailbox -ActiveSyncEnabled $true), and check that `url` ends in \
             /Microsoft-Server-ActiveSync"
            .into(),
        E::DeviceBlocked => format!(
            "the administrator blocked this device: ask them to allow device id {device} \
             (Exchange: Set-CASMailbox -ActiveSyncAllowedDeviceIDs)"
        ),
        E::PasswordExpired => "change the password (Outlook on the web does it), then update \
             what password_cmd reads"
            .into(),
        E::EmptyResponse { .. } => format!(
            "the device is in quarantine: ask the administrator to allow device id {device} \
             (Exchange admin center: mobile devices, quarantined); the mailbox may hold a \
             notice about it"
        ),
        E::Provisioning { .. } => format!(
            "the server's device policy is one easync cannot meet (device encryption, a \
             passcode): ask the administrator for a policy or an exemption for device id \
             {device}"
        ),
        E::RemoteWipeRequested => "remove this device from the mailbox's device list (Outlook \
             on the web: Settings, Mobile devices) to clear the wipe request"
            .into(),
        E::NotWbxml { .. } => "the URL answers with a web page: a proxy or single sign-on login \
             sits in front, or the URL is not the EAS endpoint (…/Microsoft-Server-ActiveSync)"
            .into(),
        E::NoCommonVersion { .. } => "easync speaks EAS 12.1 to 16.1: is `url` an Exchange \
             ActiveSync endpoint? (Exchange 2007 SP1 and later, Microsoft 365, SOGo, Zimbra, \
             Kopano, Horde, Z-Push speak one of them)"
            .into(),
        E::TooManyRedirects { .. } | E::RedirectLoop { .. } | E::RedirectWithoutLocation => {
            "remove `url` from the account to let Autodiscover find the server, or set the URL \
             the administrator gives"
                .into()
        }
        E::InsecureUrl { .. } | E::Config(_) => "fix the account in the configuration file \
             (`easync check` validates it)"
            .into(),
        E::Token(_) => "run the token_cmd yourself and look at its error; a refresh token may \
             have expired (sign in again with your helper)"
            .into(),
        _ if e.is_temporary() => "temporary: try again later; if it stays, the server or the \
             network between has a problem (`easync -vv doctor` shows the requests)"
            .into(),
        _ => "run `easync -vvv doctor` to see the exchange (passwords are redacted) and report \
             what the server said"
            .into(),
    }
}

/// (what to do, exit code) for a failed probe.
pub fn probe(e: &ProbeError, account: &str) -> (String, u8) {
    use ProbeError as P;
    match e {
        P::BadUrl { .. } => (
            format!("fix `url` of account {account}: https://HOST/Microsoft-Server-ActiveSync"),
            EXIT_CONFIG,
        ),
        P::Dns { host, .. } => (
            format!(
                "check the host name in `url` (or remove `url` to use Autodiscover); on a \
                 server reached through a VPN, connect it first; `getent hosts {host}` shows \
                 what this machine resolves"
            ),
            EXIT_FAILURE,
        ),
        P::Connect { .. } => (
            "nothing accepts connections there: the wrong port, a firewall, or the server is \
             down; try again later, or check `url`"
                .into(),
            EXIT_TEMPORARY,
        ),
        P::Tls {
            certificate: true, ..
        } => (
            format!(
                "the certificate is not trusted: for a server with an internal CA set ca_file \
                 = \"/path/to/ca.pem\" in [account.{account}.tls]; check that the host name in \
                 `url` is the one the certificate names"
            ),
            EXIT_FAILURE,
        ),
        P::Tls { .. } => (
            "the server does not speak TLS there: check the port in `url` (a plain-http lab \
             server needs http:// and allow_insecure_http = true)"
                .into(),
            EXIT_FAILURE,
        ),
        P::TlsSettings(_) => (
            format!(
                "fix [account.{account}.tls]: ca_file must name a readable file of PEM certificates"
            ),
            EXIT_CONFIG,
        ),
        P::Timeout { .. } => (
            "no answer: the network or a proxy drops the connection; try again later".into(),
            EXIT_TEMPORARY,
        ),
        P::Other(_) => ("run `easync -vv doctor` for details".into(), EXIT_FAILURE),
    }
}

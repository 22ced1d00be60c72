//! The identity platform's refusals, mapped to what a user can do about them. Microsoft names
//! a refusal by its `error` (RFC 6749 5.2, RFC 8628 3.5) and by an AADSTS code
//! (`error_codes`, and the start of `error_description`); the code is the more precise, so it
//! is looked up first.

/// Which request was refused (the same code can call for different advice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE (`easync login`).
    Browser,
    /// Device code (`easync login --device`).
    Device,
    /// A refresh, during `sync`, `watch`, `send`…
    Refresh,
}

/// `AADSTS700082, invalid_grant`.
pub fn label(error: &str, code: Option<u32>) -> String {
    match code {
        Some(c) => format!("AADSTS{c}, {error}"),
        None => error.to_string(),
    }
}

/// The platform's own words, first line only, in parentheses (empty when none).
pub fn quote(description: &str) -> String {
    let first = description.split(['\r', '\n']).next().unwrap_or("").trim();
    let first = first
        .split_once(": ")
        .filter(|(c, _)| c.starts_with("AADSTS"))
        .map_or(first, |(_, rest)| rest);
    let text: String = crate::text::one_line(first).chars().take(240).collect();
    if text.is_empty() {
        String::new()
    } else {
        format!(" (Microsoft: {text})")
    }
}

/// The AADSTS code at the start of a description (`AADSTS50173: …`).
pub fn code_in(description: &str) -> Option<u32> {
    let rest = description.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What to do, and whether waiting is enough (`true`: try again later).
pub fn advice(code: Option<u32>, error: &str, flow: Flow, account: &str) -> (String, bool) {
    let login = format!("run `easync login {account}`");
    let text = match code {
        Some(65001) => format!(
            "the application has no consent for EAS.AccessAsUser.All: {login} and accept, or \
             have a tenant administrator grant consent (Entra admin center → Enterprise \
             applications → the application → Permissions)"
        ),
        Some(7000112) => "the application (client_id) is disabled in this tenant: ask the \
             tenant administrator to enable it, or register one of your own (README, \
             \"Microsoft 365\")"
            .into(),
        Some(700016) => format!(
            "client_id is not a registered application in this tenant: check client_id and \
             tenant in [account.{account}.oauth]"
        ),
        Some(7000218) => "the application is not registered as a public client: turn on \
             \"Allow public client flows\" in its Authentication settings"
            .into(),
        Some(50199 | 53003) if flow == Flow::Device => format!(
            "the tenant's Conditional Access blocks signing in by device code: use the browser \
             flow, `easync login {account}` without --device"
        ),
        Some(53003) => "Conditional Access blocked the sign-in (this device, place or \
             application is not allowed): ask the tenant administrator"
            .into(),
        Some(50199) => format!("Microsoft asks to confirm the sign-in: {login}"),
        Some(700082) => format!("the sign-in expired after 90 days without use: {login}"),
        Some(70043) => {
            format!("the tenant's sign-in frequency policy asks you to sign in again: {login}")
        }
        Some(50173 | 50133 | 70008 | 54005 | 70000) => format!(
            "the sign-in was revoked or has expired (a password change, sessions revoked by an \
             administrator): {login}"
        ),
        Some(70011) => format!(
            "the scopes were refused: use scopes = [\"{}\", \"offline_access\"] (not .default)",
            super::DEFAULT_SCOPES[0]
        ),
        Some(50076 | 50079 | 50158) => {
            format!("Microsoft asks for multi-factor or another check: {login}")
        }
        Some(50020 | 50034) => format!(
            "this account is not in the tenant: for a personal Microsoft account (Outlook.com) \
             set tenant = \"consumers\" in [account.{account}.oauth], else check tenant"
        ),
        Some(90002) => "the tenant was not found: check tenant in the configuration".into(),
        _ => return by_error(error, flow, account),
    };
    (text, false)
}

fn by_error(error: &str, flow: Flow, account: &str) -> (String, bool) {
    let login = format!("run `easync login {account}`");
    let text = match error {
        "temporarily_unavailable" | "server_error" => {
            return (
                "Microsoft's sign-in service is busy; easync tries again later".into(),
                true,
            );
        }
        "expired_token" => format!(
            "the code expired before the sign-in finished: run `easync login {account} --device` \
             again"
        ),
        "authorization_declined" | "access_denied" => {
            format!("the sign-in was declined or cancelled: {login} again")
        }
        "invalid_client" | "unauthorized_client" => format!(
            "the application registration refused this sign-in: check client_id and tenant in \
             [account.{account}.oauth] (a public client with delegated EAS.AccessAsUser.All)"
        ),
        "invalid_scope" => return advice(Some(70011), error, flow, account),
        "consent_required" => return advice(Some(65001), error, flow, account),
        _ => format!("{login}; if it keeps failing, check client_id and tenant"),
    };
    (text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_advice() {
        assert_eq!(code_in("AADSTS700082: The refresh token…"), Some(700082));
        assert_eq!(code_in("nothing"), None);
        let (a, t) = advice(Some(53003), "invalid_grant", Flow::Device, "w");
        assert!(a.contains("without --device") && !t, "{a}");
        let (a, _) = advice(Some(53003), "invalid_grant", Flow::Browser, "w");
        assert!(a.contains("administrator"), "{a}");
        let (a, t) = advice(None, "temporarily_unavailable", Flow::Refresh, "w");
        assert!(t, "{a}");
        let (a, _) = advice(Some(700082), "invalid_grant", Flow::Refresh, "w");
        assert!(a.contains("easync login w"), "{a}");
        assert_eq!(
            quote("AADSTS70043: The refresh\r\nTrace ID: x"),
            " (Microsoft: The refresh)"
        );
        assert_eq!(quote(""), "");
    }
}

//! The identity platform's refusals the loopback IdP can be told to give: one switch per
//! answer Microsoft's v2 endpoints send (the AADSTS codes of
//! <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>), armed with
//! [`super::Idp::arm`] or by name (`consent-required`, `app-disabled`, …).
//!
//! | name | step | answer |
//! |---|---|---|
//! | `consent-required` | authorize, token | `invalid_grant` AADSTS65001 (at authorize: `consent_required`) |
//! | `app-disabled` | every step | `unauthorized_client` AADSTS7000112 |
//! | `device-code-blocked` | device poll | `invalid_grant` AADSTS53003 (Conditional Access) |
//! | `user-confirmation` | device poll | `interaction_required` AADSTS50199 |
//! | `refresh-expired` | refresh | `invalid_grant` AADSTS700082 (inactive for 90 days) |
//! | `sign-in-frequency` | refresh | `invalid_grant` AADSTS70043 (sign-in frequency policy) |
//! | `invalid-grant` | code, refresh | `invalid_grant` AADSTS70000 |
//! | `invalid-scope` | every step but the poll | `invalid_scope` AADSTS70011 |
//! | `slow-down` | device poll | `slow_down` (RFC 8628 3.5; the interval grows by 5 s) |
//! | `expired-token` | device poll | `expired_token` AADSTS70019 |
//! | `declined` | device poll | `authorization_declined` |
//! | `unavailable` | every token step | HTTP 503 `temporarily_unavailable` |

use std::str::FromStr;

/// Where in a sign-in a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// GET `/authorize` (the browser).
    Authorize,
    /// POST `/devicecode`.
    DeviceCode,
    /// POST `/token` with an authorization code.
    Code,
    /// POST `/token` with a refresh token.
    Refresh,
    /// POST `/token` with a device code.
    DevicePoll,
}

/// One refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdpFault {
    ConsentRequired,
    AppDisabled,
    DeviceCodeBlocked,
    UserConfirmation,
    RefreshExpired,
    SignInFrequency,
    InvalidGrant,
    InvalidScope,
    SlowDown,
    ExpiredToken,
    Declined,
    Unavailable,
}

/// What the endpoint answers: HTTP status, `error`, AADSTS code, description.
pub type Refusal = (u16, &'static str, u32, &'static str);

/// The names, in the order of the table above.
pub const NAMES: [(&str, IdpFault); 12] = [
    ("consent-required", IdpFault::ConsentRequired),
    ("app-disabled", IdpFault::AppDisabled),
    ("device-code-blocked", IdpFault::DeviceCodeBlocked),
    ("user-confirmation", IdpFault::UserConfirmation),
    ("refresh-expired", IdpFault::RefreshExpired),
    ("sign-in-frequency", IdpFault::SignInFrequency),
    ("invalid-grant", IdpFault::InvalidGrant),
    ("invalid-scope", IdpFault::InvalidScope),
    ("slow-down", IdpFault::SlowDown),
    ("expired-token", IdpFault::ExpiredToken),
    ("declined", IdpFault::Declined),
    ("unavailable", IdpFault::Unavailable),
];

impl IdpFault {
    /// Whether the fault answers a request at `step`.
    pub fn applies(self, step: Step) -> bool {
        use Step::*;
        match self {
            Self::ConsentRequired => step != DeviceCode,
            Self::AppDisabled => true,
            Self::DeviceCodeBlocked
            | Self::UserConfirmation
            | Self::SlowDown
            | Self::ExpiredToken
            | Self::Declined => step == DevicePoll,
            Self::RefreshExpired | Self::SignInFrequency => step == Refresh,
            Self::InvalidGrant => matches!(step, Code | Refresh),
            Self::InvalidScope => step != DevicePoll,
            Self::Unavailable => step != Authorize,
        }
    }

    /// The answer, as Microsoft's endpoints word it.
    pub fn refusal(self) -> Refusal {
        match self {
            Self::ConsentRequired => (
                400,
                "invalid_grant",
                65001,
                "The user or administrator has not consented to use the application. Send an \
                 interactive authorization request for this user and resource.",
            ),
            Self::AppDisabled => (
                400,
                "unauthorized_client",
                7000112,
                "Application is disabled.",
            ),
            Self::DeviceCodeBlocked => (
                400,
                "invalid_grant",
                53003,
                "Access has been blocked by Conditional Access policies. The access policy does \
                 not allow token issuance.",
            ),
            Self::UserConfirmation => (
                400,
                "interaction_required",
                50199,
                "For security reasons, user confirmation is required for this request. Please \
                 repeat the request allowing user interaction.",
            ),
            Self::RefreshExpired => (
                400,
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity. The token was inactive for \
                 90.00:00:00.",
            ),
            Self::SignInFrequency => (
                400,
                "invalid_grant",
                70043,
                "The refresh token has expired or is invalid due to sign-in frequency checks by \
                 conditional access.",
            ),
            Self::InvalidGrant => (
                400,
                "invalid_grant",
                70000,
                "The provided value for the 'refresh_token' is not valid.",
            ),
            Self::InvalidScope => (
                400,
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid.",
            ),
            Self::SlowDown => (400, "slow_down", 70016, "Polling too fast: slow down."),
            Self::ExpiredToken => (400, "expired_token", 70019, "Verification code expired."),
            Self::Declined => (
                400,
                "authorization_declined",
                70000,
                "The end user denied the authorization request.",
            ),
            Self::Unavailable => (
                503,
                "temporarily_unavailable",
                90006,
                "The server is temporarily too busy to handle the request.",
            ),
        }
    }
}

impl FromStr for IdpFault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<_> = NAMES.iter().map(|(n, _)| *n).collect();
                format!("unknown IdP fault {s:?} (one of {})", names.join(", "))
            })
    }
}

/// Revoked grants (a password reset, sessions revoked by an administrator).
pub const REVOKED: Refusal = (
    400,
    "invalid_grant",
    50173,
    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The \
     user might have changed or reset their password.",
);

/// A refresh token presented a second time (rotation: each is redeemed once).
pub const REUSED: Refusal = (
    400,
    "invalid_grant",
    70000,
    "The provided value for the 'refresh_token' is not valid: it was already redeemed.",
);

/// RFC 8628 3.5: the user has not finished signing in.
pub const PENDING: Refusal = (
    400,
    "authorization_pending",
    70016,
    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_each_fault_has_a_step() {
        use Step::*;
        for (name, fault) in NAMES {
            assert_eq!(name.parse::<IdpFault>(), Ok(fault));
            let steps = [Authorize, DeviceCode, Code, Refresh, DevicePoll];
            assert!(steps.iter().any(|s| fault.applies(*s)), "{name}");
            assert!(fault.refusal().0 >= 400);
        }
        assert!("nope".parse::<IdpFault>().unwrap_err().contains("one of"));
    }
}

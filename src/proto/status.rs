//! Status codes. Statuses are values the engine acts on, not errors.
//!
//! [`CommonStatus`] holds the codes every command may return (MS-ASCMD 2.2.2 "Common Status
//! Codes"); each command has its own enum (in its file) built with the `status_enum!` macro, which falls
//! back to a common status and then to `Unknown(code)`.

use std::fmt;

/// Declares a status enum: its variants with their codes and spec meanings.
macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $text] $variant,)*
            /// A common status (MS-ASCMD 2.2.2).
            Common($crate::proto::status::CommonStatus),
            /// A code the spec does not define here.
            Unknown(u16),
        }

        impl $name {
            /// The status for a code.
            pub fn from_code(code: u16) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    c => $crate::proto::status::CommonStatus::from_code(c)
                        .map_or(Self::Unknown(c), Self::Common),
                }
            }

            /// The numeric code.
            pub fn code(self) -> u16 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Common(c) => c.code(),
                    Self::Unknown(c) => c,
                }
            }

            /// What the spec says the code means.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Common(c) => c.meaning(),
                    Self::Unknown(_) => "a code the specification does not define",
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self::from_code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} ({})", self.code(), self.meaning())
            }
        }
    };
}
pub(crate) use status_enum;

macro_rules! common_status {
    ($($variant:ident = $code:literal => $text:literal,)*) => {
        /// The status codes common to all commands (MS-ASCMD 2.2.2).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CommonStatus {
            $(#[doc = $text] $variant,)*
        }

        impl CommonStatus {
            /// The common status with this code, if it is one.
            pub fn from_code(code: u16) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// The numeric code.
            pub fn code(self) -> u16 {
                match self { $(Self::$variant => $code,)* }
            }

            /// What the spec says the code means.
            pub fn meaning(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }
        }
    };
}

include!("common_status_table.rs");

impl CommonStatus {
    /// 141–144: the device must (re-)provision (MS-ASPROV 3.1.5.2).
    pub fn needs_provisioning(self) -> bool {
        matches!(
            self,
            Self::DeviceNotProvisionable
                | Self::DeviceNotProvisioned
                | Self::PolicyRefresh
                | Self::InvalidPolicyKey
        )
    }

    /// 110 and 111: a transient server condition; retry later (MS-ASCMD 2.2.2).
    pub fn is_retry_later(self) -> bool {
        matches!(self, Self::ServerError | Self::ServerErrorRetryLater)
    }
}

impl fmt::Display for CommonStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.meaning())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_codes_round_trip() {
        for code in 101..=184u16 {
            if let Some(s) = CommonStatus::from_code(code) {
                assert_eq!(s.code(), code);
            }
        }
        assert_eq!(
            CommonStatus::from_code(142),
            Some(CommonStatus::DeviceNotProvisioned)
        );
        assert_eq!(
            CommonStatus::from_code(145),
            Some(CommonStatus::ExternallyManagedDevicesNotAllowed)
        );
        assert!(CommonStatus::from_code(143).unwrap().needs_provisioning());
        assert!(!CommonStatus::from_code(145).unwrap().needs_provisioning());
        assert!(CommonStatus::from_code(111).unwrap().is_retry_later());
        assert_eq!(CommonStatus::from_code(100), None);
    }
}

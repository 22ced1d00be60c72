//! Validated newtypes for the identifiers and numbers of the protocol: each can only hold a
//! value the spec allows, so the layers above never check them again.

use std::fmt;
use std::str::FromStr;

use super::ProtoError;

fn invalid(what: &'static str, value: &str, reason: &'static str) -> ProtoError {
    ProtoError::Invalid {
        what,
        value: value.to_string(),
        reason,
    }
}

/// Defines a string newtype: non-empty, at most `max` characters.
macro_rules! bounded_string {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ProtoError;
            fn try_from(s: &str) -> Result<Self, ProtoError> {
                if s.is_empty() {
                    return Err(invalid($what, s, "empty"));
                }
                if s.chars().count() > $max {
                    return Err(invalid($what, s, concat!("longer than ", $max, " characters")));
                }
                Ok(Self(s.to_string()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = ProtoError;
            fn try_from(s: String) -> Result<Self, ProtoError> {
                Self::try_from(s.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ProtoError;
            fn from_str(s: &str) -> Result<Self, ProtoError> {
                Self::try_from(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_string!(
    /// A synchronization key (MS-ASCMD 2.2.3.177.x `SyncKey`): opaque to the client, at most 64
    /// characters; `"0"` asks the server for a new state.
    SyncKey,
    "SyncKey",
    64
);

bounded_string!(
    /// A folder's server id, as used in `CollectionId`, `ServerId` (FolderSync), `ParentId`
    /// (MS-ASCMD 2.2.3.30.x, 2.2.3.156.x): at most 64 characters.
    CollectionId,
    "CollectionId",
    64
);

bounded_string!(
    /// An item's server id within a collection (MS-ASCMD 2.2.3.156.x `ServerId`): at most 64
    /// characters.
    ServerId,
    "ServerId",
    64
);

impl SyncKey {
    /// The key that starts (or restarts) synchronization.
    pub fn initial() -> Self {
        Self("0".to_string())
    }

    /// Whether this is the initial key `"0"`.
    pub fn is_initial(&self) -> bool {
        self.0 == "0"
    }
}

/// The policy key of provisioning (MS-ASPROV 2.2.2.42 `PolicyKey`, MS-ASHTTP 2.2.1.1.2.8
/// `X-MS-PolicyKey`): an unsigned 32-bit number; 0 means "not provisioned".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PolicyKey(pub u32);

impl FromStr for PolicyKey {
    type Err = ProtoError;
    fn from_str(s: &str) -> Result<Self, ProtoError> {
        s.trim()
            .parse()
            .map(Self)
            .map_err(|_| invalid("PolicyKey", s, "not an unsigned 32-bit number"))
    }
}

impl fmt::Display for PolicyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A protocol version easync speaks (MS-ASHTTP 2.2.1.1.2.6 `MS-ASProtocolVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    V12_1,
    V14_0,
    V14_1,
    V16_0,
    V16_1,
}

impl ProtocolVersion {
    /// All versions easync speaks, oldest first.
    pub const ALL: [ProtocolVersion; 5] = [
        Self::V12_1,
        Self::V14_0,
        Self::V14_1,
        Self::V16_0,
        Self::V16_1,
    ];

    /// The header value, e.g. `"14.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V12_1 => "12.1",
            Self::V14_0 => "14.0",
            Self::V14_1 => "14.1",
            Self::V16_0 => "16.0",
            Self::V16_1 => "16.1",
        }
    }

    /// Whether this is a 16.x version (instance-based exceptions, drafts, Find…).
    pub fn is_16(self) -> bool {
        self >= Self::V16_0
    }

    /// The highest version both sides speak, from the server's `MS-ASProtocolVersions` values
    /// (the header may repeat; entries are comma-separated; unknown ones are ignored).
    pub fn negotiate<'v>(server: impl IntoIterator<Item = &'v str>) -> Option<Self> {
        server
            .into_iter()
            .flat_map(|h| h.split(','))
            .filter_map(|v| v.trim().parse().ok())
            .max()
    }
}

impl FromStr for ProtocolVersion {
    type Err = ProtoError;
    fn from_str(s: &str) -> Result<Self, ProtoError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                invalid(
                    "protocol version",
                    s,
                    "easync speaks 12.1, 14.0, 14.1, 16.0, 16.1",
                )
            })
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Ping/Sync heartbeat in seconds, inside bounds the server may adjust (MS-ASCMD 2.2.3.88:
/// Exchange accepts 60–3540 s; a Ping Status 5 answer carries the server's own limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HeartbeatInterval(u32);

impl HeartbeatInterval {
    /// The documented Exchange bounds.
    pub const MIN: u32 = 60;
    pub const MAX: u32 = 3540;

    /// A heartbeat within the documented bounds.
    pub fn new(seconds: u32) -> Result<Self, ProtoError> {
        Self::within(seconds, Self::MIN, Self::MAX)
    }

    /// A heartbeat within bounds the server announced.
    pub fn within(seconds: u32, min: u32, max: u32) -> Result<Self, ProtoError> {
        if (min..=max).contains(&seconds) {
            Ok(Self(seconds))
        } else {
            Err(invalid(
                "heartbeat interval",
                &seconds.to_string(),
                "outside the allowed bounds",
            ))
        }
    }

    /// The nearest value within `[min, max]` (for adopting a server limit).
    pub fn clamped(seconds: u32, min: u32, max: u32) -> Self {
        Self(seconds.clamp(min, max.max(min)))
    }

    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// The number of changes the client accepts in one Sync response (MS-ASCMD 2.2.3.199
/// `WindowSize`): 1–512.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WindowSize(u16);

impl WindowSize {
    pub const MAX: WindowSize = WindowSize(512);

    pub fn new(n: u16) -> Result<Self, ProtoError> {
        if (1..=512).contains(&n) {
            Ok(Self(n))
        } else {
            Err(invalid("WindowSize", &n.to_string(), "must be 1 to 512"))
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for WindowSize {
    /// 100, what the server assumes when the element is absent.
    fn default() -> Self {
        Self(100)
    }
}

/// The device id sent with every request (MS-ASHTTP 2.2.1.1.1.2.3 `DeviceId`): at most 32
/// characters, letters and digits only; stable per installation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    /// A new random id: 32 hexadecimal digits from the system's random source.
    pub fn generate() -> Result<Self, std::io::Error> {
        use std::io::Read;
        let mut bytes = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DeviceId {
    type Err = ProtoError;
    fn from_str(s: &str) -> Result<Self, ProtoError> {
        if s.is_empty() || s.len() > 32 {
            return Err(invalid("DeviceId", s, "must be 1 to 32 characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid(
                "DeviceId",
                s,
                "only letters and digits are allowed",
            ));
        }
        Ok(Self(s.to_string()))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_ids_are_bounded() {
        assert!(SyncKey::try_from("0").unwrap().is_initial());
        assert!(SyncKey::try_from("").is_err());
        assert!(SyncKey::try_from("x".repeat(64).as_str()).is_ok());
        assert!(SyncKey::try_from("x".repeat(65).as_str()).is_err());
        assert!(CollectionId::try_from("mail%2Ff54c6512c265096b6471000083ecc375").is_ok());
        assert!(
            ServerId::try_from("é".repeat(64).as_str()).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn versions_negotiate_to_the_highest_mutual_one() {
        let sogo = ["2.5,12.0,12.1,14.0,14.1"];
        assert_eq!(
            ProtocolVersion::negotiate(sogo),
            Some(ProtocolVersion::V14_1)
        );
        let o365 = ["2.5,12.0,12.1", "14.0,14.1,16.0,16.1"]; // repeated header
        assert_eq!(
            ProtocolVersion::negotiate(o365),
            Some(ProtocolVersion::V16_1)
        );
        let unordered = ["16.1, 12.1 ,14.0"];
        assert_eq!(
            ProtocolVersion::negotiate(unordered),
            Some(ProtocolVersion::V16_1)
        );
        assert_eq!(ProtocolVersion::negotiate(["2.5,12.0"]), None);
        assert!(ProtocolVersion::V16_0.is_16() && !ProtocolVersion::V14_1.is_16());
    }

    #[test]
    fn heartbeat_and_window_bounds() {
        assert!(HeartbeatInterval::new(59).is_err());
        assert_eq!(HeartbeatInterval::new(480).unwrap().seconds(), 480);
        assert!(HeartbeatInterval::new(3541).is_err());
        assert_eq!(HeartbeatInterval::clamped(30, 60, 3540).seconds(), 60);
        assert_eq!(
            HeartbeatInterval::within(300, 5, 300).unwrap().seconds(),
            300
        );
        assert!(WindowSize::new(0).is_err() && WindowSize::new(513).is_err());
        assert_eq!(WindowSize::default().get(), 100);
        assert_eq!(WindowSize::MAX.get(), 512);
    }

    #[test]
    fn device_ids() {
        let id = DeviceId::generate().unwrap();
        assert_eq!(id.as_str().len(), 32);
        assert_ne!(id, DeviceId::generate().unwrap());
        assert!("TESTDEV1".parse::<DeviceId>().is_ok());
        assert!("bad-id".parse::<DeviceId>().is_err());
        assert!("a".repeat(33).parse::<DeviceId>().is_err());
        assert_eq!("4294967295".parse::<PolicyKey>().unwrap().0, u32::MAX);
        assert!("-1".parse::<PolicyKey>().is_err());
    }
}

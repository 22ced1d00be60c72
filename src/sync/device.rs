//! Telling the server what this device is, once per store: `DeviceInformation` (model, OS,
//! user agent; MS-ASCMD 2.2.3.45). On 14.1 and later it rides in the first Provision request
//! (MS-ASPROV 3.1.5.1.1), but a server without a policy never asks for one, and 12.1/14.0
//! have no DeviceInformation in Provision: there the client sends it in a Settings command
//! (MS-ASCMD 2.2.1.18, 3.1.5.2). easync does that after the first FolderSync, and the store
//! remembers it so that no later run sends it again. Device access rules of Exchange match
//! on these fields: they must say what is really running.

use crate::http::{HttpError, Session};
use crate::proto::ProtocolVersion;
use crate::proto::settings::{DeviceInformation, Settings, SettingsStatus};
use crate::store::Store;

use super::{SyncError, Transport};

/// What to do about the device's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Describe {
    /// The server has it (remembered in the store).
    Done,
    /// The first Provision on 14.1+ carried it: only remember that.
    Remember,
    /// Send it in a Settings command.
    Send,
}

/// Decides, from the store's memory, the version and whether this device holds a policy key
/// (a Provision on 14.1+ described the device).
pub fn plan(described: bool, version: ProtocolVersion, provisioned: bool) -> Describe {
    if described {
        Describe::Done
    } else if provisioned && version >= ProtocolVersion::V14_1 {
        Describe::Remember
    } else {
        Describe::Send
    }
}

/// Describes the device once, after a FolderSync of `session`.
/// A server whose OPTIONS does not list Settings is not sent it (remembered all the same).
pub async fn describe_once(session: &mut Session, db: &mut Store) -> Result<(), SyncError> {
    if session.offers("Settings") == Some(false) && db.device_described_at()?.is_none() {
        tracing::info!("the server does not offer Settings: the device is not described");
        return Ok(db.set_device_described()?);
    }
    let (version, provisioned) = (session.version(), session.policy_key().is_some());
    describe(session, db, version, provisioned).await
}

/// [`describe_once`] over any transport. A refusal of the Settings command is remembered too
/// (a server that does not take it would refuse it on every run); only a temporary failure
/// or one that needs a person (a device rule, the sign-in) stops the run.
pub async fn describe(
    t: &mut impl Transport,
    db: &mut Store,
    version: ProtocolVersion,
    provisioned: bool,
) -> Result<(), SyncError> {
    match plan(db.device_described_at()?.is_some(), version, provisioned) {
        Describe::Done => return Ok(()),
        Describe::Remember => {}
        Describe::Send => {
            let ask = Settings {
                device_information: Some(DeviceInformation::easync()),
                ..Settings::default()
            };
            match t.execute(&ask).await {
                Ok(resp) => report(&resp.status, &resp.device_information_status),
                Err(e) if must_stop(&e) => return Err(e.into()),
                Err(e) => tracing::warn!(
                    "the server refused the device's description (Settings): {e}; not sent again"
                ),
            }
        }
    }
    Ok(db.set_device_described()?)
}

fn must_stop(e: &HttpError) -> bool {
    e.is_temporary() || e.needs_attention()
}

fn report(status: &Option<SettingsStatus>, device: &Option<SettingsStatus>) {
    match (status, device) {
        (Some(SettingsStatus::Success) | None, Some(SettingsStatus::Success) | None) => {
            tracing::info!("the server was told the device's model and user agent (Settings)");
        }
        (s, d) => tracing::warn!(
            status = ?s,
            device_information = ?d,
            "the server did not take the device's description (Settings); not sent again"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProtocolVersion::*;

    #[test]
    fn sent_where_provision_could_not_carry_it() {
        assert_eq!(plan(true, V12_1, false), Describe::Done);
        assert_eq!(
            plan(false, V12_1, true),
            Describe::Send,
            "no DeviceInformation in 12.1 Provision"
        );
        assert_eq!(plan(false, V14_0, true), Describe::Send, "nor in 14.0");
        assert_eq!(
            plan(false, V16_1, false),
            Describe::Send,
            "no policy, no Provision"
        );
        assert_eq!(plan(false, V14_1, true), Describe::Remember);
        assert_eq!(plan(false, V16_1, true), Describe::Remember);
    }
}

//! Provision (MS-ASCMD 2.2.1.14, MS-ASPROV): fetch the security policy and acknowledge it, in
//! two phases; also carries a server's remote-wipe request, which easync reports and never acts
//! on against local data.

use wbxml::Element;
use wbxml::tags::provision as pv;

use super::read::Reader;
use super::settings::DeviceInformation;
use super::status::status_enum;
use super::write::Writer;
use super::{Command, PolicyKey, ProtoError, ProtocolVersion};

/// The policy type of EAS 12.0 and later (MS-ASPROV 2.2.2.43).
pub const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";

status_enum! {
    /// Provision `Status` (MS-ASPROV 2.2.2.54.2).
    ProvisionStatus {
        Success = 1 => "success",
        ProtocolError = 2 => "protocol error in the request",
        ServerError = 3 => "server error; retry",
    }
}

status_enum! {
    /// Policy `Status` (MS-ASPROV 2.2.2.54.1).
    PolicyStatus {
        Success = 1 => "success",
        NoPolicy = 2 => "there is no policy for this client",
        UnknownPolicyType = 3 => "unknown PolicyType",
        PolicyDataCorrupt = 4 => "the policy data on the server is corrupt",
        WrongPolicyKey = 5 => "the client acknowledged the wrong policy key",
    }
}

/// The client's answer to a policy (the `Status` it sends in phase 2, MS-ASPROV 2.2.2.54.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAck {
    /// The policy was applied.
    Applied = 1,
    /// Applied in part.
    Partial = 2,
    /// Not applied.
    NotApplied = 3,
    /// Applied by a third party.
    ThirdParty = 4,
}

/// The Provision request.
#[derive(Debug, Clone, PartialEq)]
pub enum Provision {
    /// Phase 1: ask for the policy (with the device described, required on 14.1+).
    Request {
        device_information: Option<Box<DeviceInformation>>,
    },
    /// Phase 2: acknowledge the policy with the temporary key of phase 1.
    Acknowledge {
        policy_key: PolicyKey,
        status: PolicyAck,
    },
    /// Acknowledge a remote-wipe request (1 = wipe done, 2 = failed). easync only ever sends 2.
    RemoteWipeAck { status: u8 },
}

/// The Provision response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProvisionResponse {
    pub status: Option<ProvisionStatus>,
    pub policy_status: Option<PolicyStatus>,
    pub policy_type: Option<String>,
    /// The temporary key (phase 1) or the final key (phase 2).
    pub policy_key: Option<PolicyKey>,
    /// The policy settings (`EASProvisionDoc`), kept as sent.
    pub policy: Option<Element<'static>>,
    /// The server asks the device to wipe itself (never honoured against local data).
    pub remote_wipe: bool,
    /// 16.1: the server asks to wipe this account's data only.
    pub account_only_remote_wipe: bool,
}

impl Command for Provision {
    const NAME: &'static str = "Provision";
    const IDEMPOTENT: bool = true;
    type Response = ProvisionResponse;

    fn encode(&self, version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        let mut w = Writer::new(Self::NAME);
        w.start(pv::PROVISION)?;
        match self {
            Provision::Request { device_information } => {
                if version >= ProtocolVersion::V14_1
                    && let Some(d) = device_information
                {
                    d.write_set(&mut w)?;
                }
                w.start(pv::POLICIES)?;
                w.start(pv::POLICY)?;
                w.leaf(pv::POLICY_TYPE, POLICY_TYPE)?;
                w.end()?;
                w.end()?;
            }
            Provision::Acknowledge { policy_key, status } => {
                w.start(pv::POLICIES)?;
                w.start(pv::POLICY)?;
                w.leaf(pv::POLICY_TYPE, POLICY_TYPE)?;
                w.leaf(pv::POLICY_KEY, &policy_key.to_string())?;
                w.leaf(pv::STATUS, &(*status as u8).to_string())?;
                w.end()?;
                w.end()?;
            }
            Provision::RemoteWipeAck { status } => {
                w.start(pv::REMOTE_WIPE)?;
                w.leaf(pv::STATUS, &status.to_string())?;
                w.end()?;
            }
        }
        w.end()?;
        w.finish()
    }

    fn decode(
        &self,
        body: &[u8],
        _version: ProtocolVersion,
    ) -> Result<ProvisionResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(pv::PROVISION)?;
        let mut resp = ProvisionResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                pv::STATUS => resp.status = Some(r.parse(&el)?),
                pv::POLICIES => {
                    while let Some(p) = r.child()? {
                        match p.tag {
                            pv::POLICY => read_policy(&mut r, &mut resp)?,
                            _ => r.skip(&p)?,
                        }
                    }
                }
                pv::REMOTE_WIPE => {
                    r.skip(&el)?;
                    resp.remote_wipe = true;
                }
                pv::ACCOUNT_ONLY_REMOTE_WIPE => {
                    r.skip(&el)?;
                    resp.account_only_remote_wipe = true;
                }
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }
}

fn read_policy(r: &mut Reader<'_>, resp: &mut ProvisionResponse) -> Result<(), ProtoError> {
    while let Some(c) = r.child()? {
        match c.tag {
            pv::POLICY_TYPE => resp.policy_type = Some(r.string(&c)?),
            pv::STATUS => resp.policy_status = Some(r.parse(&c)?),
            pv::POLICY_KEY => resp.policy_key = Some(r.parse(&c)?),
            pv::DATA => {
                while let Some(d) = r.child()? {
                    resp.policy = Some(r.capture(&d)?);
                }
            }
            _ => r.skip(&c)?,
        }
    }
    Ok(())
}

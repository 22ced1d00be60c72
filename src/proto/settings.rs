//! Settings (MS-ASCMD 2.2.1.18): device information, user information and out-of-office.

use wbxml::tags::settings as st;

use super::classes::{List, class, item, string_item};
use super::read::Reader;
use super::status::status_enum;
use super::write::Writer;
use super::{Command, ProtoError, ProtocolVersion};

status_enum! {
    /// Settings `Status` (MS-ASCMD 2.2.3.177.15).
    SettingsStatus {
        Success = 1 => "success",
        ProtocolError = 2 => "protocol error",
        AccessDenied = 3 => "access denied",
        ServerUnavailable = 4 => "the server is unavailable",
        InvalidArguments = 5 => "invalid arguments",
        ConflictingArguments = 6 => "conflicting arguments",
        DeniedByPolicy = 7 => "denied by policy",
    }
}

class! {
    /// The device's description, sent in `DeviceInformation`/`Set` (MS-ASCMD 2.2.3.52); also
    /// embedded in the first Provision request on 14.1+ (MS-ASPROV 3.1.5.1.1).
    DeviceInformation {
        model: String = st::MODEL,
        imei: String = st::IMEI,
        friendly_name: String = st::FRIENDLY_NAME,
        os: String = st::OS,
        os_language: String = st::OS_LANGUAGE,
        phone_number: String = st::PHONE_NUMBER,
        user_agent: String = st::USER_AGENT,
        enable_outbound_sms: bool = st::ENABLE_OUTBOUND_SMS,
        mobile_operator: String = st::MOBILE_OPERATOR,
    }
}

/// The `User-Agent` of every request (MS-ASHTTP 2.2.1.1.2), and the `UserAgent` of
/// DeviceInformation: the same words, so device rules matching either see the same client.
pub const USER_AGENT: &str = concat!("easync/", env!("CARGO_PKG_VERSION"));

impl DeviceInformation {
    /// What easync says about itself.
    pub fn easync() -> Self {
        Self {
            model: Some("easync".into()),
            friendly_name: Some("easync".into()),
            // What runs here, e.g. "linux x86_64": device rules may match on it.
            os: Some(format!(
                "{} {}",
                std::env::consts::OS,
                std::env::consts::ARCH
            )),
            user_agent: Some(USER_AGENT.into()),
            ..Self::default()
        }
    }

    /// Writes `<DeviceInformation><Set>…</Set></DeviceInformation>`.
    pub fn write_set(&self, w: &mut Writer) -> Result<(), ProtoError> {
        use super::classes::Field as _;
        w.start(st::DEVICE_INFORMATION)?;
        self.write(w, st::SET)?;
        w.end()
    }
}

string_item!(
    /// `SmtpAddress` (MS-ASCMD 2.2.3.166).
    SmtpAddress = st::SMTP_ADDRESS
);

class! {
    /// `EmailAddresses` of the user or an account (MS-ASCMD 2.2.3.59).
    EmailAddresses {
        primary_smtp_address: String = st::PRIMARY_SMTP_ADDRESS,
    }
}

class! {
    /// An `Account` of the user (14.1+, MS-ASCMD 2.2.3.3).
    Account {
        account_id: String = st::ACCOUNT_ID,
        account_name: String = st::ACCOUNT_NAME,
        user_display_name: String = st::USER_DISPLAY_NAME,
        send_disabled: bool = st::SEND_DISABLED,
        email_addresses: EmailAddresses = st::EMAIL_ADDRESSES,
    }
}
item!(Account = st::ACCOUNT);

class! {
    /// `UserInformation`/`Get` (MS-ASCMD 2.2.3.80.x): the user's addresses and accounts.
    UserInformation {
        /// Up to 14.0: the addresses directly (SmtpAddress children are kept in `extra`).
        email_addresses: EmailAddresses = st::EMAIL_ADDRESSES,
        /// 14.1+: one entry per account.
        accounts: List<Account> = st::ACCOUNTS,
    }
}

class! {
    /// One `OofMessage` (MS-ASCMD 2.2.3.119): a reply for one audience.
    OofMessage {
        applies_to_internal: bool = st::APPLIES_TO_INTERNAL,
        applies_to_external_known: bool = st::APPLIES_TO_EXTERNAL_KNOWN,
        applies_to_external_unknown: bool = st::APPLIES_TO_EXTERNAL_UNKNOWN,
        enabled: bool = st::ENABLED,
        reply_message: String = st::REPLY_MESSAGE,
        body_type: String = st::BODY_TYPE,
    }
}
item!(OofMessage = st::OOF_MESSAGE);

class! {
    /// Out-of-office settings (`Oof`/`Get` in responses, `Oof`/`Set` in requests,
    /// MS-ASCMD 2.2.3.117). `OofState`: 0 off, 1 on, 2 on for a time window.
    OofSettings {
        oof_state: u8 = st::OOF_STATE,
        start_time: String = st::START_TIME,
        end_time: String = st::END_TIME,
    }
}

/// What a Settings request asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub device_information: Option<DeviceInformation>,
    pub user_information: bool,
    /// Ask for the out-of-office settings, with the body type of the messages (`Text`/`HTML`).
    pub oof_get: Option<String>,
    /// Change the out-of-office settings (not idempotent in spirit, but setting the same
    /// values twice is harmless).
    pub oof_set: Option<(OofSettings, Vec<OofMessage>)>,
}

/// The Settings response.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SettingsResponse {
    pub status: Option<SettingsStatus>,
    pub device_information_status: Option<SettingsStatus>,
    pub user_information_status: Option<SettingsStatus>,
    pub user_information: Option<UserInformation>,
    pub oof_status: Option<SettingsStatus>,
    pub oof: Option<OofSettings>,
    pub oof_messages: Vec<OofMessage>,
}

impl Command for Settings {
    const NAME: &'static str = "Settings";
    const IDEMPOTENT: bool = true;
    type Response = SettingsResponse;

    fn encode(&self, _version: ProtocolVersion) -> Result<Vec<u8>, ProtoError> {
        use super::classes::Field as _;
        let mut w = Writer::new(Self::NAME);
        w.start(st::SETTINGS)?;
        if let Some(body_type) = &self.oof_get {
            w.start(st::OOF)?;
            w.start(st::GET)?;
            w.leaf(st::BODY_TYPE, body_type)?;
            w.end()?;
            w.end()?;
        }
        if let Some((settings, messages)) = &self.oof_set {
            w.start(st::OOF)?;
            w.start(st::SET)?;
            settings.write_fields(&mut w)?;
            for m in messages {
                m.write(&mut w, st::OOF_MESSAGE)?;
            }
            w.end()?;
            w.end()?;
        }
        if let Some(d) = &self.device_information {
            d.write_set(&mut w)?;
        }
        if self.user_information {
            w.start(st::USER_INFORMATION)?;
            w.empty(st::GET)?;
            w.end()?;
        }
        w.end()?;
        w.finish()
    }

    fn decode(
        &self,
        body: &[u8],
        _version: ProtocolVersion,
    ) -> Result<SettingsResponse, ProtoError> {
        let mut r = Reader::new(Self::NAME, body)?;
        r.root(st::SETTINGS)?;
        let mut resp = SettingsResponse::default();
        while let Some(el) = r.child()? {
            match el.tag {
                st::STATUS => resp.status = Some(r.parse(&el)?),
                st::DEVICE_INFORMATION => resp.device_information_status = status_only(&mut r)?,
                st::USER_INFORMATION => {
                    while let Some(c) = r.child()? {
                        match c.tag {
                            st::STATUS => resp.user_information_status = Some(r.parse(&c)?),
                            st::GET => {
                                resp.user_information = Some(UserInformation::read_fields(&mut r)?)
                            }
                            _ => r.skip(&c)?,
                        }
                    }
                }
                st::OOF => read_oof(&mut r, &mut resp)?,
                _ => r.skip(&el)?,
            }
        }
        r.finish()?;
        Ok(resp)
    }
}

fn status_only(r: &mut Reader<'_>) -> Result<Option<SettingsStatus>, ProtoError> {
    let mut status = None;
    while let Some(c) = r.child()? {
        match c.tag {
            st::STATUS => status = Some(r.parse(&c)?),
            _ => r.skip(&c)?,
        }
    }
    Ok(status)
}

fn read_oof(r: &mut Reader<'_>, resp: &mut SettingsResponse) -> Result<(), ProtoError> {
    use super::classes::Field as _;
    while let Some(c) = r.child()? {
        match c.tag {
            st::STATUS => resp.oof_status = Some(r.parse(&c)?),
            st::GET => {
                let mut settings = OofSettings::default();
                while let Some(g) = r.child()? {
                    match g.tag {
                        st::OOF_STATE => settings.oof_state = Some(r.parse(&g)?),
                        st::START_TIME => settings.start_time = Some(r.string(&g)?),
                        st::END_TIME => settings.end_time = Some(r.string(&g)?),
                        st::OOF_MESSAGE => resp.oof_messages.push(OofMessage::read(r, &g)?),
                        _ => settings.extra.push(r.capture(&g)?),
                    }
                }
                resp.oof = Some(settings);
            }
            _ => r.skip(&c)?,
        }
    }
    Ok(())
}

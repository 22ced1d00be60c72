//! The session: one account's connection to one server (MS-ASHTTP). It negotiates the
//! version, sends commands, provisions when the server asks (HTTP 449, in-band 141–144),
//! follows 451 redirects (bounded, loop-detected), and turns throttling (503, 110/111) into a
//! typed retry-after error. The caller persists [`Session::url`] and [`Session::policy_key`].
//! Every URL it sends credentials to — the configured one and each 451 target — passes
//! [`origin::check`]: https, or plain http only to loopback or with `allow_insecure_http`.

use std::time::Duration;

use super::response::{check_wbxml, in_band_error, is_multipart_response, text_hint};
use super::{HttpError, SessionConfig, client, origin, query, wirelog};
use crate::proto::provision::{PolicyAck, PolicyStatus, Provision};
use crate::proto::read::leading_status;
use crate::proto::settings::DeviceInformation;
use crate::proto::{Command, CommonStatus, PolicyKey, ProtocolVersion};

/// Added to a long poll's heartbeat for the HTTP timeout (servers answer a little after it).
pub const LONG_POLL_MARGIN: Duration = Duration::from_secs(30);

/// Most 451 redirects followed for one command.
pub const MAX_REDIRECTS: usize = 3;

mod auth;

/// What OPTIONS told about the server (MS-ASHTTP 2.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerOptions {
    /// `MS-ASProtocolVersions`, as offered.
    pub versions: Vec<String>,
    /// `MS-ASProtocolCommands`, as a set (the header may repeat).
    pub commands: std::collections::BTreeSet<String>,
}

/// A connection to one account on one server.
#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    config: SessionConfig,
    url: String,
    version: ProtocolVersion,
    policy_key: Option<PolicyKey>,
    /// `MS-ASProtocolCommands` when OPTIONS was asked (no configured version).
    commands: Option<std::collections::BTreeSet<String>>,
}

impl Session {
    /// Builds the HTTP client and settles the protocol version: the configured one, or the
    /// highest one both sides speak (an OPTIONS request).
    pub async fn connect(config: SessionConfig) -> Result<Self, HttpError> {
        origin::check(
            &config.url,
            config.tls.allow_insecure_http,
            "the server URL",
        )?;
        let http = client::build(&config.tls, &config.user_agent)?;
        let mut session = Self {
            http,
            url: config.url.trim_end_matches('/').to_string(),
            version: config.version.unwrap_or(ProtocolVersion::V14_1),
            policy_key: config.policy_key,
            commands: None,
            config,
        };
        if session.config.version.is_none() {
            let options = session.options().await?;
            session.version =
                ProtocolVersion::negotiate(options.versions.iter().map(String::as_str))
                    .ok_or_else(|| HttpError::NoCommonVersion {
                        offered: options.versions.join(","),
                    })?;
            session.commands = Some(options.commands);
        }
        Ok(session)
    }

    /// The URL in use (changed by 451 redirects: persist it).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// Whether the server lists `command` in `MS-ASProtocolCommands`; `None` when this
    /// session did not ask (a configured version skips OPTIONS).
    pub fn offers(&self, command: &str) -> Option<bool> {
        self.commands.as_ref().map(|c| c.contains(command))
    }

    /// The policy key in use (changed by provisioning: persist it).
    pub fn policy_key(&self) -> Option<PolicyKey> {
        self.policy_key
    }

    /// OPTIONS: the versions and commands the server supports.
    pub async fn options(&mut self) -> Result<ServerOptions, HttpError> {
        let mut reauthorized = false;
        let resp = loop {
            let req = self.http.request(reqwest::Method::OPTIONS, &self.url);
            let req = self.authorize(req).await?;
            let resp = req
                .timeout(self.config.timeout)
                .send()
                .await
                .map_err(|e| self.network("OPTIONS", self.config.timeout, e))?;
            if resp.status().as_u16() == 401 && self.reauthorize(&mut reauthorized) {
                continue;
            }
            break resp;
        };
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(self.status_error("OPTIONS", status, resp.headers(), ""));
        }
        let values = |name: &str| -> Vec<String> {
            resp.headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        };
        Ok(ServerOptions {
            versions: values("MS-ASProtocolVersions"),
            commands: values("MS-ASProtocolCommands").into_iter().collect(),
        })
    }

    /// Sends a command. The timeout is the configured one, or for a long poll (Ping, Sync with
    /// a heartbeat) the heartbeat plus [`LONG_POLL_MARGIN`].
    pub async fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Response, HttpError> {
        let timeout = match cmd.long_poll() {
            Some(heartbeat) => heartbeat + LONG_POLL_MARGIN,
            None => self.config.timeout,
        };
        self.execute_with_timeout(cmd, timeout).await
    }

    /// Sends a command; long polls (Ping, Sync with a heartbeat) pass heartbeat + margin.
    pub async fn execute_with_timeout<C: Command>(
        &mut self,
        cmd: &C,
        timeout: Duration,
    ) -> Result<C::Response, HttpError> {
        let mut provisioned = false;
        let mut reauthorized = false;
        let mut visited = vec![self.url.clone()];
        loop {
            let body = cmd.encode(self.version)?;
            let resp = self
                .post(
                    C::NAME,
                    body,
                    timeout,
                    C::IDEMPOTENT,
                    cmd.accept_multipart(),
                )
                .await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| self.network(C::NAME, timeout, e))?;
            wirelog::body("←", C::NAME, Some(status), &bytes);
            match status {
                200 => {}
                449 if !provisioned && C::NAME != "Provision" => {
                    Box::pin(self.provision()).await?;
                    provisioned = true;
                    continue;
                }
                449 => {
                    return Err(HttpError::Provisioning {
                        command: C::NAME,
                        status: "HTTP 449 again after provisioning".into(),
                    });
                }
                451 => {
                    self.redirect(&headers, &mut visited)?;
                    continue;
                }
                // The server did not run the command: safe to send again, even SendMail.
                401 if self.reauthorize(&mut reauthorized) => continue,
                // Exchange blocks a device with HTTP 403 and Status 129 in the body.
                403 if let Some(code) = leading_status(&bytes)
                    .filter(|c| super::error::DEVICE_STATUSES.contains(c)) =>
                {
                    return Err(HttpError::DeviceAccess {
                        command: C::NAME,
                        status: code,
                        device_id: self.config.device_id.to_string(),
                    });
                }
                _ => return Err(self.status_error(C::NAME, status, &headers, &text_hint(&bytes))),
            }
            if bytes.is_empty() {
                return C::empty_response()
                    .filter(|_| cmd.empty_allowed())
                    .ok_or_else(|| HttpError::EmptyResponse {
                        command: C::NAME,
                        device_id: self.config.device_id.to_string(),
                    });
            }
            if !is_multipart_response(&headers) {
                check_wbxml(C::NAME, &headers, &bytes)?;
            }
            if let Some(common) = leading_status(&bytes).and_then(CommonStatus::from_code) {
                if common.needs_provisioning() && !provisioned && C::NAME != "Provision" {
                    Box::pin(self.provision()).await?;
                    provisioned = true;
                    continue;
                }
                return Err(in_band_error(
                    C::NAME,
                    common,
                    self.config.device_id.as_str(),
                ));
            }
            return Ok(cmd.decode(&bytes, self.version)?);
        }
    }

    /// Two-phase provisioning (MS-ASPROV 3.1.5.1): ask for the policy (with the device
    /// described on 14.1+), acknowledge it with the temporary key, keep the final key. A
    /// remote-wipe request is reported, never carried out.
    pub async fn provision(&mut self) -> Result<(), HttpError> {
        self.policy_key = None;
        let ask = Provision::Request {
            device_information: Some(Box::new(DeviceInformation::easync())),
        };
        let first = self.execute(&ask).await?;
        if first.remote_wipe || first.account_only_remote_wipe {
            return Err(HttpError::RemoteWipeRequested);
        }
        match first.policy_status {
            // No policy for this client (SOGo): nothing to acknowledge, no key.
            Some(PolicyStatus::NoPolicy) => return Ok(()),
            Some(PolicyStatus::Success) | None => {}
            Some(other) => {
                return Err(HttpError::Provisioning {
                    command: "Provision",
                    status: other.to_string(),
                });
            }
        }
        let Some(temporary) = first.policy_key else {
            return Ok(());
        };
        self.policy_key = Some(temporary);
        let ack = Provision::Acknowledge {
            policy_key: temporary,
            status: PolicyAck::Applied,
        };
        let second = self.execute(&ack).await?;
        if second.remote_wipe {
            return Err(HttpError::RemoteWipeRequested);
        }
        self.policy_key = second.policy_key.or(Some(temporary));
        tracing::info!("provisioned; policy key updated");
        Ok(())
    }

    async fn post(
        &self,
        command: &'static str,
        body: Vec<u8>,
        timeout: Duration,
        idempotent: bool,
        multipart: bool,
    ) -> Result<reqwest::Response, HttpError> {
        wirelog::body("→", command, None, &body);
        let mut attempt = 0;
        let packed = self.packed_query(command);
        loop {
            let url = match &packed {
                Some(q) => format!("{}?{q}", self.url),
                None => self.command_url(command),
            };
            let req = self
                .http
                .post(url)
                .header("Content-Type", "application/vnd.ms-sync.wbxml")
                .timeout(timeout)
                .body(body.clone());
            let mut req = self.authorize(req).await?;
            // With the packed query, version and policy key travel inside it.
            if packed.is_none() {
                req = req.header("MS-ASProtocolVersion", self.version.as_str());
                if let Some(key) = self.policy_key {
                    req = req.header("X-MS-PolicyKey", key.to_string());
                }
            }
            if multipart {
                req = req.header("MS-ASAcceptMultiPart", "T");
            }
            match req.send().await {
                Ok(resp) => return Ok(resp),
                // A pooled connection the server had already closed fails with a reset (SOGo
                // does this between requests). An idempotent command is sent once more on a
                // fresh connection; a command that changes server state is never sent twice.
                Err(e) if idempotent && !e.is_timeout() && attempt == 0 => {
                    tracing::debug!(command, error = %e, "request failed; retrying once");
                    attempt += 1;
                }
                Err(e) => return Err(self.network(command, timeout, e)),
            }
        }
    }

    fn packed_query(&self, command: &str) -> Option<String> {
        if !self.config.base64_query {
            return None;
        }
        query::encode(
            command,
            self.version,
            &self.config.device_id,
            &self.config.device_type,
            self.policy_key,
        )
    }

    fn command_url(&self, command: &str) -> String {
        let enc = |s: &str| {
            let mut out = String::new();
            for b in s.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        out.push(b as char)
                    }
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
            out
        };
        format!(
            "{}?Cmd={}&User={}&DeviceId={}&DeviceType={}",
            self.url,
            command,
            enc(&self.config.user),
            enc(self.config.device_id.as_str()),
            enc(&self.config.device_type)
        )
    }
}

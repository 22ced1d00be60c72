//! What the watch loop does with a Ping's answer (MS-ASCMD 2.2.1.13: sync the folders that
//! changed, follow the server's bounds) and with a Ping that failed.

use std::time::Duration;

use super::Watcher;
use super::pause::device_wait;
use crate::http::HttpError;
use crate::sync::hierarchy;
use crate::sync::push::{self, PingAction};

impl Watcher {
    pub(super) async fn answer(&mut self, action: PingAction) -> anyhow::Result<bool> {
        match action {
            PingAction::Again => {
                self.heartbeat.expired_cleanly();
                self.db.set_ping_heartbeat(self.heartbeat.seconds())?;
                Ok(false)
            }
            PingAction::Sync(ids) => {
                self.heartbeat.answered();
                if self.sync(Some(ids), "push").await? {
                    return Ok(true);
                }
                if !self.synced {
                    // The server still has the changes: the next Ping says so; not at once.
                    self.heartbeat.failed();
                    return self.pause(self.retry_wait(self.heartbeat.failures())).await;
                }
                Ok(false)
            }
            PingAction::Heartbeat(limit) => {
                tracing::info!(limit, "the server bounds the heartbeat (Ping status 5)");
                self.heartbeat.server_bound(limit);
                self.db.set_ping_heartbeat(self.heartbeat.seconds())?;
                Ok(false)
            }
            PingAction::Shrink(max) => {
                tracing::warn!(
                    max,
                    "the server watches at most {max} folders (Ping status 6)"
                );
                self.watched.truncate(max);
                Ok(false)
            }
            PingAction::FolderSync => {
                hierarchy::sync(&mut self.session, &mut self.db).await?;
                self.derive_watched()?;
                Ok(false)
            }
            PingAction::Resend | PingAction::BackOff => {
                self.heartbeat.failed();
                self.pause(push::backoff(self.heartbeat.failures())).await
            }
        }
    }

    pub(super) async fn failed(&mut self, e: HttpError, after: Duration) -> anyhow::Result<bool> {
        if e.is_device_rule() {
            // An administrator must act: hammering the server changes nothing.
            self.blocked += 1;
            self.events.error(&e.to_string());
            let wait = device_wait(self.blocked);
            tracing::error!("Ping: {e}; trying again in {} s", wait.as_secs());
            return self.pause(wait).await;
        }
        if e.needs_attention() {
            return Err(e.into());
        }
        self.events.error(&e.to_string());
        let wait = match &e {
            HttpError::RetryAfter {
                delay,
                stated: true,
                ..
            } => *delay,
            HttpError::Timeout { .. } | HttpError::Network { .. } => {
                self.heartbeat.died(after);
                self.db.set_ping_heartbeat(self.heartbeat.seconds())?;
                push::backoff(self.heartbeat.failures())
            }
            _ => {
                self.heartbeat.failed();
                push::backoff(self.heartbeat.failures())
            }
        };
        tracing::warn!("Ping: {e}; again in {:.1} s", wait.as_secs_f64());
        self.pause(wait).await
    }
}

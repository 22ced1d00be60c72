//! How the watch loop waits: a pause that still answers signals, and how long to wait after
//! failures (the usual backoff, or long while device rules block this device).

use std::time::Duration;

use super::signals::Sig;
use super::{MAX_DELAY, Watcher};
use crate::sync::push;

/// The wait after the `n`-th failure in a row caused by device rules: a minute, doubling, at
/// most half an hour (approval of a quarantined device takes minutes to hours).
pub(super) fn device_wait(n: u32) -> Duration {
    crate::sync::retry::exponential(
        Duration::from_secs(60),
        n.saturating_sub(1),
        Duration::from_secs(1800),
    )
}

impl Watcher {
    /// Waits (at most [`MAX_DELAY`]: a server-stated delay must not overflow the clock),
    /// answering signals; true when asked to stop.
    pub(super) async fn pause(&mut self, d: Duration) -> anyhow::Result<bool> {
        let deadline = tokio::time::Instant::now() + d.min(MAX_DELAY);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return Ok(false),
                s = self.signals.next() => match s {
                    Sig::Stop => return Ok(true),
                    Sig::Reload => self.reload()?,
                    Sig::SyncNow => {
                        if self.sync(None, "signal").await? {
                            return Ok(true);
                        }
                        if self.synced {
                            return Ok(false); // synced now: no need to wait any longer
                        }
                    }
                },
            }
        }
    }

    /// How long to wait after the `failures`-th failure in a row: long while the device
    /// rules block this device, else the usual backoff.
    pub(super) fn retry_wait(&self, failures: u32) -> Duration {
        if self.blocked > 0 {
            device_wait(self.blocked)
        } else {
            push::backoff(failures)
        }
    }
}

//! The signals `easync watch` answers: SIGTERM and SIGINT stop it (exit 0; a transaction in
//! progress completes, the next request is not sent), SIGHUP reloads the configuration,
//! SIGUSR1 syncs now. A SIGHUP or SIGUSR1 that arrives during a sync never cuts it short: it is
//! [`Queued`] and handled once the sync is over (any number of SIGUSR1s make one more sync).

use tokio::signal::unix::{Signal, SignalKind, signal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Stop,
    Reload,
    SyncNow,
}

pub struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
    usr1: Signal,
}

impl Signals {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
        })
    }

    /// The next signal. Cancel-safe: a signal is never lost when another branch of a
    /// `select!` wins.
    pub async fn next(&mut self) -> Sig {
        tokio::select! {
            _ = self.term.recv() => Sig::Stop,
            _ = self.int.recv() => Sig::Stop,
            _ = self.hup.recv() => Sig::Reload,
            _ = self.usr1.recv() => Sig::SyncNow,
        }
    }
}

/// Reload and sync-now requests that arrived while a sync ran.
#[derive(Debug, Default)]
pub struct Queued {
    reload: bool,
    sync_now: bool,
}

impl Queued {
    /// Keeps a signal for later (a stop is never queued: it is acted on at once).
    pub fn push(&mut self, sig: Sig) {
        match sig {
            Sig::Reload => self.reload = true,
            Sig::SyncNow => self.sync_now = true,
            Sig::Stop => {}
        }
    }

    /// The next one to handle: a reload first (the sync then uses the new configuration).
    pub fn take(&mut self) -> Option<Sig> {
        if std::mem::take(&mut self.reload) {
            Some(Sig::Reload)
        } else if std::mem::take(&mut self.sync_now) {
            Some(Sig::SyncNow)
        } else {
            None
        }
    }
}

//! The signals `easync watch` answers: SIGTERM and SIGINT stop it (exit 0; a transaction in
//! progress completes, the next request is not sent), SIGHUP reloads the configuration,
//! SIGUSR1 syncs now.

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

    /// The next signal.
    pub async fn next(&mut self) -> Sig {
        tokio::select! {
            _ = self.term.recv() => Sig::Stop,
            _ = self.int.recv() => Sig::Stop,
            _ = self.hup.recv() => Sig::Reload,
            _ = self.usr1.recv() => Sig::SyncNow,
        }
    }
}

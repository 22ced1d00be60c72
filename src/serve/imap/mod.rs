//! The IMAP side of `easync serve` (IMAP4rev1, RFC 3501, with IDLE RFC 2177, MOVE RFC 6851,
//! UNSELECT RFC 3691, SPECIAL-USE RFC 6154): one task per connection over imap-next's server
//! state machine. A client reads the mirror; its flag changes, moves and expunges go into the
//! journal of local changes (the `watch` loop of the same process sends them); IDLE and NOOP
//! report what changed in the store, which push keeps fresh.

mod command;
mod fetch;
mod fetch_items;
mod mime;
mod names;
mod search;
mod session;
mod structure;
mod view;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

pub use self::mime::MimeSource;
use super::LocalAuth;

/// What every connection shares.
pub struct ImapContext {
    pub auth: LocalAuth,
    pub accounts: HashMap<String, Arc<ImapAccount>>,
}

/// One served account.
pub struct ImapAccount {
    pub name: String,
    pub database: PathBuf,
    /// Where whole messages come from when the mirror keeps only text bodies.
    pub mime: MimeSource,
}

/// Accepts connections on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, ctx: Arc<ImapContext>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("imap: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if let Err(e) = session::run(stream, ctx).await {
                tracing::debug!("imap: {peer}: {e}");
            }
        });
    }
}

/// Binds the IMAP listener (an error names the address and what to do).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| {
        format!(
            "cannot listen for IMAP on {addr}: {e} (another program uses the port? set \
             [serve] imap = \"127.0.0.1:PORT\" or \"off\")"
        )
    })
}

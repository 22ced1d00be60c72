//! `easync serve [ACCOUNT…]`: the mirror behind local IMAP, SMTP submission and CalDAV/
//! CardDAV, for any mail, calendar and contacts program. It runs `easync watch` for each
//! account in the same process, so push keeps what clients see fresh and what they change or
//! send reaches Exchange within seconds.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::config::{Account, Dirs, ServeConfig};
use crate::serve::LocalAuth;
use crate::serve::imap::{ImapAccount, ImapContext, MimeSource};
use crate::serve::smtp::SmtpContext;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The accounts to serve (default: every account of the configuration).
    accounts: Vec<String>,
    /// Print the user names and the local password clients sign in with, then exit.
    #[arg(long)]
    show_password: bool,
    /// Do not run `watch`: serve the mirror as it is (clients' changes wait in the journal
    /// until an `easync sync`).
    #[arg(long)]
    no_watch: bool,
}

impl ServeArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let dirs = Dirs::xdg()?;
        let path = crate::config::config_path(config_file, &dirs);
        let all = crate::config::load(&path, &dirs)?;
        let accounts: Vec<Account> = if self.accounts.is_empty() {
            all.clone()
        } else {
            self.accounts
                .iter()
                .map(|n| crate::config::pick(&all, Some(n), &path).cloned())
                .collect::<Result<_, _>>()?
        };
        if accounts.is_empty() {
            anyhow::bail!(
                "{} defines no account: add one (easync account add)",
                path.display()
            );
        }
        let cfg = crate::config::load_serve(&path, &dirs)?;
        let auth = LocalAuth::load(&cfg.password_file, &accounts).map_err(anyhow::Error::msg)?;
        if self.show_password {
            for a in &accounts {
                println!("user: {} (or {})", a.name, a.email);
            }
            println!("password: {}", auth.expose());
            return Ok(());
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(run(config_file, accounts, cfg, auth, self.no_watch))
    }
}

async fn run(
    config_file: Option<&Path>,
    accounts: Vec<Account>,
    cfg: ServeConfig,
    auth: LocalAuth,
    no_watch: bool,
) -> anyhow::Result<()> {
    let mut imap_accounts = HashMap::new();
    let mut smtp_accounts = HashMap::new();
    for a in &accounts {
        let secret = a
            .auth()
            .await
            .with_context(|| format!("account {}", a.name))?;
        imap_accounts.insert(
            a.name.clone(),
            Arc::new(ImapAccount {
                name: a.name.clone(),
                database: a.database.clone(),
                mime: MimeSource::server(super::connect_options(a), secret),
                folders: Default::default(),
            }),
        );
        smtp_accounts.insert(a.name.clone(), (a.database.clone(), a.email.clone()));
    }
    let mut listening = Vec::new();
    if let Some(addr) = cfg.imap {
        let l = crate::serve::imap::bind(addr)
            .await
            .map_err(anyhow::Error::msg)?;
        listening.push(format!("IMAP on {}", l.local_addr()?));
        let ctx = Arc::new(ImapContext {
            auth: auth.clone(),
            accounts: imap_accounts,
        });
        tokio::spawn(crate::serve::imap::serve(l, ctx));
    }
    if let Some(addr) = cfg.smtp {
        let l = crate::serve::smtp::bind(addr)
            .await
            .map_err(anyhow::Error::msg)?;
        listening.push(format!("SMTP submission on {}", l.local_addr()?));
        let ctx = Arc::new(SmtpContext {
            auth: auth.clone(),
            accounts: smtp_accounts,
        });
        tokio::spawn(crate::serve::smtp::serve(l, ctx));
    }
    if let Some(addr) = cfg.dav {
        let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot listen for CalDAV/CardDAV on {addr}: {e} (another program uses the port? \
                 set [serve] dav = \"127.0.0.1:PORT\" or \"off\")"
            )
        })?;
        listening.push(format!("CalDAV/CardDAV on http://{}/", l.local_addr()?));
        let router = crate::serve::dav::router(crate::serve::dav::DavState {
            accounts: accounts
                .iter()
                .map(|a| (a.name.clone(), a.database.clone()))
                .collect(),
            auth: auth.clone(),
        });
        tokio::spawn(async move {
            if let Err(e) = axum::serve(l, router).await {
                tracing::warn!("dav: {e}");
            }
        });
    }
    let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    eprintln!(
        "easync serve: {} for {}; sign in as the account's name or address with the password in {}",
        if listening.is_empty() {
            "nothing to serve".to_string()
        } else {
            listening.join(", ")
        },
        names.join(", "),
        auth.file().display()
    );
    if no_watch {
        tokio::signal::ctrl_c().await.ok();
        return Ok(());
    }
    let watches = accounts
        .iter()
        .map(|a| super::watch::run_for(config_file, &a.name));
    for r in futures_util::future::join_all(watches).await {
        r?;
    }
    Ok(())
}

//! Hooks: programs run after changes, one at a time per account, on their own task so Pings
//! go on meanwhile. Changes are gathered for the debounce time (a burst of 100 new mails is one
//! `on_new_mail` call per folder), then each folder's hooks run — `on_new_mail`, `on_change`,
//! `on_delete` — and `post_sync` once. A hook gets its argv (no shell), the environment
//! `EASYNC_ACCOUNT`, `EASYNC_FOLDER`, `EASYNC_EVENT`, `EASYNC_COUNT`, and a JSON description on
//! stdin; its output is logged; one still running after `hook_timeout` is killed.

use std::collections::BTreeMap;
use std::process::Stdio;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::config::WatchPrefs;
use crate::store::{ItemEvent, ItemEventKind};

pub enum HookMsg {
    Changes(Vec<ItemEvent>),
    Reload(WatchPrefs),
}

/// Starts the hook task; send it changes.
pub fn spawn(account: String, prefs: WatchPrefs) -> mpsc::UnboundedSender<HookMsg> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(account, prefs, rx));
    tx
}

async fn run(account: String, mut prefs: WatchPrefs, mut rx: mpsc::UnboundedReceiver<HookMsg>) {
    let mut pending: Vec<ItemEvent> = Vec::new();
    while let Some(msg) = rx.recv().await {
        match msg {
            HookMsg::Reload(p) => prefs = p,
            HookMsg::Changes(items) => pending.extend(items),
        }
        if pending.is_empty() {
            continue;
        }
        // Debounce: gather what arrives within the window.
        let deadline = tokio::time::Instant::now() + prefs.debounce;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            match msg {
                HookMsg::Reload(p) => prefs = p,
                HookMsg::Changes(items) => pending.extend(items),
            }
        }
        let batch = std::mem::take(&mut pending);
        run_batch(&account, &prefs, &batch).await;
    }
}

fn event_name(kind: ItemEventKind) -> &'static str {
    match kind {
        ItemEventKind::New => "new_mail",
        ItemEventKind::Changed => "change",
        ItemEventKind::Deleted => "delete",
    }
}

async fn run_batch(account: &str, prefs: &WatchPrefs, batch: &[ItemEvent]) {
    let mut by_folder: BTreeMap<(&str, ItemEventKind), Vec<&ItemEvent>> = BTreeMap::new();
    for item in batch {
        by_folder
            .entry((item.folder.as_str(), item.kind))
            .or_default()
            .push(item);
    }
    for ((folder, kind), items) in &by_folder {
        let hook = prefs
            .hooks
            .iter()
            .find(|h| h.folder.eq_ignore_ascii_case(folder) || items[0].folder_id == h.folder);
        let argv = hook.and_then(|h| match kind {
            ItemEventKind::New => h.on_new_mail.as_ref(),
            ItemEventKind::Changed => h.on_change.as_ref(),
            ItemEventKind::Deleted => h.on_delete.as_ref(),
        });
        if let Some(argv) = argv {
            let input = json!({"account": account, "folder": folder, "event": event_name(*kind),
                "count": items.len(), "items": items});
            run_hook(
                argv,
                account,
                folder,
                event_name(*kind),
                items.len(),
                &input,
                prefs,
            )
            .await;
        }
    }
    if let Some(argv) = &prefs.post_sync {
        let count = |k| batch.iter().filter(|i| i.kind == k).count();
        let input = json!({"account": account, "event": "post_sync", "count": batch.len(),
            "new": count(ItemEventKind::New), "changed": count(ItemEventKind::Changed),
            "deleted": count(ItemEventKind::Deleted)});
        run_hook(argv, account, "", "post_sync", batch.len(), &input, prefs).await;
    }
}

/// Logs what a hook prints, line by line.
async fn log_lines<R: tokio::io::AsyncRead + Unpin>(
    stream: Option<R>,
    name: &'static str,
    hook: String,
) {
    let Some(stream) = stream else { return };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::info!(target: "easync::hook", hook = %hook, "{name}: {line}");
    }
}

/// Runs one hook to its end (or its timeout), logging its output.
async fn run_hook(
    argv: &[String],
    account: &str,
    folder: &str,
    event: &str,
    count: usize,
    input: &serde_json::Value,
    prefs: &WatchPrefs,
) {
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env("EASYNC_ACCOUNT", account)
        .env("EASYNC_FOLDER", folder)
        .env("EASYNC_EVENT", event)
        .env("EASYNC_COUNT", count.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(hook = %argv[0], "cannot run the {event} hook: {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(format!("{input}\n").as_bytes()).await;
    }
    let out = tokio::spawn(log_lines(child.stdout.take(), "stdout", argv[0].clone()));
    let err = tokio::spawn(log_lines(child.stderr.take(), "stderr", argv[0].clone()));
    match tokio::time::timeout(prefs.hook_timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => tracing::warn!(hook = %argv[0], "the {event} hook failed: {status}"),
        Ok(Err(e)) => tracing::warn!(hook = %argv[0], "the {event} hook: {e}"),
        Err(_) => {
            tracing::warn!(hook = %argv[0], "the {event} hook ran longer than {:?}: killed", prefs.hook_timeout);
            let _ = child.kill().await;
            // A grandchild may still hold the pipes open: stop reading them.
            out.abort();
            err.abort();
        }
    }
    let _ = out.await;
    let _ = err.await;
}

//! `easync watch --json`: one JSON object per line on stdout, for people who pipe easync into
//! their own tools. Types: `new`, `changed`, `deleted` (one per item: account, folder, id,
//! class; subject and sender only with details), `sync` (one per sync: why, counts), `error`.

use serde_json::{Value, json};

use crate::store::ItemEvent;

/// Where events go: stdout as JSON lines when asked for, nowhere otherwise.
pub struct Events {
    json: bool,
    account: String,
}

impl Events {
    pub fn new(json: bool, account: &str) -> Self {
        Self {
            json,
            account: account.to_string(),
        }
    }

    fn emit(&self, mut v: Value) {
        if !self.json {
            return;
        }
        v["account"] = json!(self.account);
        let _ = super::super::write_stdout(format!("{v}\n").as_bytes());
    }

    pub fn items(&self, items: &[ItemEvent]) {
        for item in items {
            self.emit(serde_json::to_value(item).unwrap_or(Value::Null));
        }
    }

    /// A sync finished: why it ran (`catch-up`, `push`, `signal`, `resume`, `poll`) and what it did.
    pub fn synced(&self, reason: &str, items: &[ItemEvent]) {
        let count = |k| items.iter().filter(|i| i.kind == k).count();
        use crate::store::ItemEventKind::{Changed, Deleted, New};
        self.emit(json!({"type": "sync", "reason": reason, "new": count(New), "changed": count(Changed), "deleted": count(Deleted)}));
    }

    pub fn error(&self, message: &str) {
        self.emit(json!({"type": "error", "message": message}));
    }
}

//! Progress bars for `easync sync` on a terminal: one per folder, items done out of the server's
//! estimate (a spinner when there is none). indicatif hides them by itself when stderr is not a
//! terminal, so nothing animated reaches pipes, logs or systemd; the summary goes to stdout.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::store::StepCounts;

pub struct Progress {
    multi: MultiProgress,
}

impl Progress {
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
        }
    }

    /// Whether bars are drawn (stderr is a terminal); estimates are only worth asking for then.
    pub fn visible(&self) -> bool {
        !self.multi.is_hidden()
    }

    /// A bar for one folder; `estimate` is the number of changes the server announced.
    pub fn folder(&self, name: &str, estimate: Option<u64>) -> ProgressBar {
        let bar = match estimate {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{prefix:>24} [{bar:30}] {pos}/{len} items, {per_sec} ({eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{prefix:>24} {spinner} {pos} items, {per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let bar = self.multi.add(bar.with_prefix(name.to_string()));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

/// Advances a folder's bar by the items of one committed step.
pub fn advance(bar: &ProgressBar, c: &StepCounts) {
    let n = c.added + c.changed + c.deleted + c.soft_deleted;
    // An estimate is the server's guess: grow the bar rather than overflow it.
    if let Some(len) = bar.length().filter(|&len| bar.position() + n as u64 > len) {
        bar.set_length(len.max(bar.position() + n as u64));
    }
    bar.inc(n as u64);
}

//! The checks' outcomes as they are printed: one line each (`ok`, `warn`, `FAIL`, `skip`),
//! what to do under a failure or a warning, and with `--json` one JSON object per line.

use serde::Serialize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    /// Worth knowing, not wrong (the lock held by a running watch, a small clock skew).
    Warn,
    Fail,
    /// Not run: what it needs failed first.
    Skip,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Outcome,
    pub detail: String,
    /// What to do (failures and warnings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The exit code this failure stands for.
    #[serde(skip)]
    pub code: u8,
}

/// The checks so far, printed as they come.
#[derive(Debug, Default)]
pub struct Report {
    json: bool,
    checks: Vec<Check>,
}

impl Report {
    /// A report printed as text, or as JSON lines.
    pub fn new(json: bool) -> Self {
        Self {
            json,
            checks: Vec::new(),
        }
    }

    pub fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.push(check, Outcome::Ok, detail.into(), None, 0);
    }

    pub fn warn(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(check, Outcome::Warn, detail.into(), Some(fix.into()), 0);
    }

    pub fn fail(&mut self, check: &'static str, detail: impl Into<String>, fix: (String, u8)) {
        self.push(check, Outcome::Fail, detail.into(), Some(fix.0), fix.1);
    }

    pub fn skip(&mut self, check: &'static str, why: impl Into<String>) {
        self.push(check, Outcome::Skip, why.into(), None, 0);
    }

    /// How many checks failed.
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Outcome::Fail)
            .count()
    }

    fn push(
        &mut self,
        check: &'static str,
        status: Outcome,
        detail: String,
        fix: Option<String>,
        code: u8,
    ) {
        let c = Check {
            check,
            status,
            detail,
            fix,
            code,
        };
        let line = if self.json {
            serde_json::to_string(&c).unwrap_or_default() + "\n"
        } else {
            text(&c)
        };
        let _ = crate::cli::write_stdout(line.as_bytes());
        self.checks.push(c);
    }

    /// The summary line; the exit code of the first failure (0 when none failed).
    pub fn finish(&self) -> u8 {
        let failed: Vec<&Check> = self
            .checks
            .iter()
            .filter(|c| c.status == Outcome::Fail)
            .collect();
        if !self.json {
            let summary = match failed.len() {
                0 => "no problem found\n".to_string(),
                1 => format!("1 problem found ({})\n", failed[0].check),
                n => format!(
                    "{n} problems found ({}); fix the first one first\n",
                    failed
                        .iter()
                        .map(|c| c.check)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let _ = crate::cli::write_stdout(summary.as_bytes());
        }
        failed.first().map_or(0, |c| c.code)
    }
}

/// `name  status  detail`, then `→ fix` indented under the detail.
fn text(c: &Check) -> String {
    let status = match c.status {
        Outcome::Ok => "ok",
        Outcome::Warn => "warn",
        Outcome::Fail => "FAIL",
        Outcome::Skip => "skip",
    };
    let mut out = format!("{:<13} {status:<5} {}\n", c.check, c.detail);
    if let Some(fix) = &c.fix {
        out.push_str(&format!("{:<19} → {fix}\n", ""));
    }
    out
}

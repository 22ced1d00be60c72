//! `easync man [DIR]`: the manual pages, generated from the clap definition (clap_mangen) —
//! `easync.1` on stdout, or `easync.1` and one page per subcommand (`easync-sync.1`,
//! `easync-mail-search.1`…) written into DIR. `easync.1` adds what `--help` has no room for:
//! exit status, environment, files.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, CommandFactory};

use super::exit_codes::EXIT_CODES;

/// Write the manual pages: easync.1 on stdout, or every page into a directory.
///
/// `easync man | man -l -`; `easync man ~/.local/share/man/man1` installs them for `man easync`
/// and `man easync-sync`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write easync.1 and a page per subcommand here (created if needed).
    dir: Option<PathBuf>,
}

impl ManArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let Some(dir) = self.dir else {
            return super::write_stdout(&main_page()?);
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let written = write_pages(&dir)?;
        super::write_stdout(format!("wrote {written} pages to {}\n", dir.display()).as_bytes())
    }
}

/// The DESCRIPTION of easync.1.
const DESCRIPTION: &str = "easync mirrors an Exchange mailbox (mail, contacts, calendars, \
tasks) over Exchange ActiveSync into a SQLite database, exports it as a Maildir (mutt, notmuch) \
and vdirs (khal, khard, todoman), sends your changes back, sends mail as sendmail does, and \
stays connected for pushed changes. Start with `easync account add`, then `easync sync`; \
`easync doctor` checks what usually goes wrong. Each subcommand has its own page \
(easync-sync(1)…) and its own --help.";

/// The command tree as the pages describe it (no `help` subcommand, names resolved).
fn command() -> clap::Command {
    let mut cmd = super::Cli::command()
        .disable_help_subcommand(true)
        .long_about(DESCRIPTION);
    cmd.build();
    cmd
}

/// easync.1: clap's sections, then EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO.
pub fn main_page() -> anyhow::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    out.extend_from_slice(extra_sections().as_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// Every page into `dir`; how many.
fn write_pages(dir: &Path) -> anyhow::Result<usize> {
    let path = dir.join("easync.1");
    std::fs::write(&path, main_page()?).with_context(|| format!("writing {}", path.display()))?;
    let mut count = 1;
    for sub in visible(&command()) {
        count += write_subpages(sub, dir)?;
    }
    Ok(count)
}

fn visible(cmd: &clap::Command) -> Vec<clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect()
}

fn write_subpages(cmd: clap::Command, dir: &Path) -> anyhow::Result<usize> {
    let mut count = 0;
    for sub in visible(&cmd) {
        count += write_subpages(sub, dir)?;
    }
    let send = cmd.get_name() == "send";
    let man = clap_mangen::Man::new(cmd);
    let path = dir.join(man.get_filename());
    let page = if send { send_page(&man)? } else { page(&man)? };
    std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    Ok(count + 1)
}

fn page(man: &clap_mangen::Man) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    man.render(&mut out)?;
    Ok(out)
}

/// easync send reads its arguments as sendmail does: its description is its own `--help`,
/// kept as laid out (no filling).
fn send_page(man: &clap_mangen::Man) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    out.extend_from_slice(b".SH DESCRIPTION\n.nf\n");
    for line in super::send_args::HELP.lines() {
        out.extend_from_slice(format!("{}\n", roff(line)).as_bytes());
    }
    out.extend_from_slice(b".fi\n");
    man.render_options_section(&mut out)?;
    Ok(out)
}

/// Text for roff: backslashes and hyphens escaped, no line starting with a control character.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.' | '\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// A section of tagged paragraphs.
fn section(title: &str, items: &[(String, &str)]) -> String {
    let mut out = format!(".SH \"{title}\"\n");
    for (tag, text) in items {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(tag), roff(text)));
    }
    out
}

fn extra_sections() -> String {
    let codes: Vec<(String, &str)> = EXIT_CODES
        .iter()
        .map(|(code, text)| (code.to_string(), *text))
        .collect();
    let env = [
        (
            "EASYNC_CONFIG".to_string(),
            "the configuration file, when -c is not given",
        ),
        (
            "XDG_CONFIG_HOME".to_string(),
            "where easync/config.toml is looked for (default ~/.config)",
        ),
        (
            "XDG_STATE_HOME".to_string(),
            "where the databases go (default ~/.local/state)",
        ),
    ];
    let files = [
        (
            "~/.config/easync/config.toml".to_string(),
            "the configuration: one [account.NAME] table per account (docs/configuration.md)",
        ),
        (
            "~/.local/state/easync/NAME.sqlite".to_string(),
            "the account's mirror: folders, items, the journal of local changes, the outbox (docs/schema.md)",
        ),
        (
            "~/.local/state/easync/NAME.lock".to_string(),
            "held while a command writes the account's database",
        ),
    ];
    let mut out = section("EXIT STATUS", &codes);
    out.push_str(&section("ENVIRONMENT", &env));
    out.push_str(&section("FILES", &files));
    out.push_str(".SH \"SEE ALSO\"\n");
    out.push_str(&roff(
        "mbsync(1), vdirsyncer(1), khal(1), khard(1), notmuch(1), mutt(1), msmtp(1); the \
         documents in the source tree's docs/ directory: configuration.md, commands.md, \
         troubleshooting.md.",
    ));
    out.push('\n');
    out
}

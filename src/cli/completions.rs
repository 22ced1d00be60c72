//! `easync completions SHELL`: the shell completion script, generated from the clap definition
//! (clap_complete), on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print the completion script for a shell.
///
/// bash: `easync completions bash > ~/.local/share/bash-completion/completions/easync`;
/// zsh: `easync completions zsh > ~/.zfunc/_easync` (with `fpath+=~/.zfunc` before
/// `compinit`); fish: `easync completions fish > ~/.config/fish/completions/easync.fish`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish (also elvish, powershell).
    shell: Shell,
}

impl CompletionsArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        super::write_stdout(&script(self.shell))
    }
}

/// The script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "easync", &mut out);
    out
}

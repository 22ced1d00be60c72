//! `easync wbxml decode|encode`: the tool for reading captured EAS traffic.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum WbxmlCommand {
    /// Print a WBXML document as XML (namespaces are the EAS code pages).
    Decode(DecodeArgs),
    /// Encode an XML document (as printed by `decode`) to canonical WBXML.
    Encode(EncodeArgs),
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The WBXML file, or - for standard input.
    input: PathBuf,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The XML file, or - for standard input.
    input: PathBuf,
    /// Write the WBXML here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

impl WbxmlCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        match self {
            Self::Decode(args) => args.execute(),
            Self::Encode(args) => args.execute(),
        }
    }
}

impl DecodeArgs {
    fn execute(self) -> anyhow::Result<()> {
        let bytes = read_input(&self.input)?;
        let name = self.input.display();
        let root = wbxml::Element::decode(&bytes).map_err(|err| {
            let hint = if bytes.first() == Some(&b'<') {
                " (the input starts with '<': it is XML or an HTML error page, not WBXML)"
            } else {
                ""
            };
            anyhow::anyhow!("decoding {name}: {err}{hint}")
        })?;
        super::write_stdout(wbxml::xml::to_xml(&root).as_bytes())
    }
}

impl EncodeArgs {
    fn execute(self) -> anyhow::Result<()> {
        let bytes = read_input(&self.input)?;
        let name = self.input.display();
        let text =
            std::str::from_utf8(&bytes).with_context(|| format!("{name} is not UTF-8 text"))?;
        let root = wbxml::xml::from_xml(text).with_context(|| format!("reading {name}"))?;
        let encoded = root.encode().with_context(|| format!("encoding {name}"))?;
        match &self.output {
            Some(path) => {
                fs::write(path, &encoded).with_context(|| format!("writing {}", path.display()))?
            }
            None => {
                let mut out = io::stdout().lock();
                if out.is_terminal() {
                    bail!(
                        "refusing to write binary WBXML to a terminal; redirect it or use -o FILE"
                    );
                }
                out.write_all(&encoded)
                    .context("writing to standard output")?;
            }
        }
        Ok(())
    }
}

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        return Ok(buf);
    }
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

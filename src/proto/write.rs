//! Request encoding helpers over the canonical WBXML encoder.

use wbxml::{Element, Encoder, Tag};

use super::ProtoError;

/// Writes one request document for one command.
pub struct Writer {
    enc: Encoder,
    command: &'static str,
}

impl Writer {
    pub fn new(command: &'static str) -> Self {
        Self {
            enc: Encoder::new(),
            command,
        }
    }

    fn map<T>(&self, r: Result<T, wbxml::EncodeError>) -> Result<T, ProtoError> {
        r.map_err(|source| ProtoError::Encode {
            command: self.command,
            error: source,
        })
    }

    /// Opens an element.
    pub fn start(&mut self, tag: Tag) -> Result<(), ProtoError> {
        let r = self.enc.start(tag);
        self.map(r)
    }

    /// Closes the innermost element.
    pub fn end(&mut self) -> Result<(), ProtoError> {
        let r = self.enc.end();
        self.map(r)
    }

    /// `<tag>text</tag>`.
    pub fn leaf(&mut self, tag: Tag, text: &str) -> Result<(), ProtoError> {
        let r = self.enc.leaf(tag, text);
        self.map(r)
    }

    /// `<tag>value</tag>` when there is a value.
    pub fn opt_leaf(
        &mut self,
        tag: Tag,
        value: Option<impl std::fmt::Display>,
    ) -> Result<(), ProtoError> {
        match value {
            Some(v) => self.leaf(tag, &v.to_string()),
            None => Ok(()),
        }
    }

    /// `<tag/>`.
    pub fn empty(&mut self, tag: Tag) -> Result<(), ProtoError> {
        let r = self.enc.empty(tag);
        self.map(r)
    }

    /// `<tag>` with OPAQUE content.
    pub fn opaque_leaf(&mut self, tag: Tag, data: &[u8]) -> Result<(), ProtoError> {
        self.start(tag)?;
        let r = self.enc.opaque(data);
        self.map(r)?;
        self.end()
    }

    /// A kept subtree, written back as it came.
    pub fn element(&mut self, e: &Element<'_>) -> Result<(), ProtoError> {
        let r = e.write(&mut self.enc);
        self.map(r)
    }

    /// The finished document.
    pub fn finish(self) -> Result<Vec<u8>, ProtoError> {
        let command = self.command;
        self.enc.finish().map_err(|source| ProtoError::Encode {
            command,
            error: source,
        })
    }
}

//! Typed decoding over the pull decoder: walk an element's children, read text, parse numbers,
//! keep unknown subtrees. No intermediate tree is built for what the types know.
//!
//! Text is read leniently: the decoder hands over text that is not UTF-8 as bytes
//! ([`wbxml::Decoder::allow_invalid_utf8`]), and it is decoded with the charset fallback of
//! [`super::charset`] — STR_I, STR_T or OPAQUE alike, so no element's text fails a response.

use std::borrow::Cow;
use std::str::FromStr;

use wbxml::{Decoder, Element, Event, Node, StartTag, Tag};

use super::ProtoError;
use super::charset;

/// A position of a [`Reader`] in its body ([`Reader::checkpoint`]).
#[derive(Debug, Clone)]
pub struct Checkpoint<'a>(Decoder<'a>);

/// A reader over one response body, for one command.
pub struct Reader<'a> {
    dec: Decoder<'a>,
    command: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads the header of `body`, the response of `command`.
    pub fn new(command: &'static str, body: &'a [u8]) -> Result<Self, ProtoError> {
        let dec = Decoder::new(body)
            .map_err(|source| ProtoError::Wbxml {
                command,
                error: source,
            })?
            .allow_invalid_utf8();
        Ok(Self { dec, command })
    }

    /// The command this reader decodes, for errors.
    pub fn command(&self) -> &'static str {
        self.command
    }

    fn next(&mut self) -> Result<Option<Event<'a>>, ProtoError> {
        let command = self.command;
        self.dec.next().map_err(|source| ProtoError::Wbxml {
            command,
            error: source,
        })
    }

    /// Reads the root start tag and checks that it is `expected`.
    pub fn root(&mut self, expected: Tag) -> Result<StartTag, ProtoError> {
        match self.next()? {
            Some(Event::Start(s)) if s.tag == expected => Ok(s),
            Some(Event::Start(s)) => Err(ProtoError::UnexpectedRoot {
                command: self.command,
                expected,
                found: s.tag,
            }),
            // Only reachable by calling root() twice: the decoder yields the root first.
            _ => Err(ProtoError::Wbxml {
                command: self.command,
                error: wbxml::DecodeError::Truncated {
                    what: "the root element",
                    offset: self.dec.offset(),
                },
            }),
        }
    }

    /// The next child element of the element being read, or `None` at its end. Text or opaque
    /// data between child elements is ignored; attributes (legacy only) are skipped.
    pub fn child(&mut self) -> Result<Option<StartTag>, ProtoError> {
        loop {
            match self.next()? {
                Some(Event::Start(s)) => return Ok(Some(s)),
                Some(Event::End(_)) | None => return Ok(None),
                Some(_) => {}
            }
        }
    }

    /// The text content of the element `start` (just read), up to its end. Nested elements are
    /// skipped; an empty element gives `""`. Text or opaque data that is not UTF-8 is decoded
    /// with the charset fallback ([`charset::decode`]), so reading text never fails on its
    /// bytes.
    pub fn text(&mut self, _start: &StartTag) -> Result<Cow<'a, str>, ProtoError> {
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next()? {
                Some(Event::Text(t)) if text.is_empty() => text = Cow::Borrowed(t),
                Some(Event::Text(t)) => text.to_mut().push_str(t),
                Some(Event::Entity(c)) => text.to_mut().push(c),
                Some(Event::Opaque(d) | Event::RawText(d)) => match charset::decode(d) {
                    Cow::Borrowed(t) if text.is_empty() => text = Cow::Borrowed(t),
                    t => text.to_mut().push_str(&t),
                },
                Some(Event::Start(nested)) => self.skip(&nested)?,
                Some(Event::Attribute(_)) => {}
                Some(Event::End(_)) | None => return Ok(text),
            }
        }
    }

    /// The text of `start` as an owned string.
    pub fn string(&mut self, start: &StartTag) -> Result<String, ProtoError> {
        self.text(start).map(Cow::into_owned)
    }

    /// The opaque content of `start` (OPAQUE, or text taken as bytes), up to its end.
    pub fn opaque(&mut self, _start: &StartTag) -> Result<Vec<u8>, ProtoError> {
        let mut data = Vec::new();
        loop {
            match self.next()? {
                Some(Event::Opaque(d) | Event::RawText(d)) => data.extend_from_slice(d),
                Some(Event::Text(t)) => data.extend_from_slice(t.as_bytes()),
                Some(Event::Entity(c)) => data.extend_from_slice(c.to_string().as_bytes()),
                Some(Event::Start(nested)) => self.skip(&nested)?,
                Some(Event::Attribute(_)) => {}
                Some(Event::End(_)) | None => return Ok(data),
            }
        }
    }

    /// The text of `start` parsed as `T` (numbers, ids, enums).
    pub fn parse<T: FromStr>(&mut self, start: &StartTag) -> Result<T, ProtoError> {
        let text = self.text(start)?;
        text.trim()
            .parse()
            .map_err(|_| self.bad(start, &text, "not a valid value here"))
    }

    /// A boolean element: `1`/`0`, or presence alone for empty elements (`<MoreAvailable/>`).
    pub fn flag(&mut self, start: &StartTag) -> Result<bool, ProtoError> {
        let text = self.text(start)?;
        flag_value(&text).ok_or_else(|| self.bad(start, text.trim(), "expected 0 or 1"))
    }

    /// Skips the element `start` and everything in it.
    pub fn skip(&mut self, _start: &StartTag) -> Result<(), ProtoError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Some(Event::Start(_)) => depth += 1,
                Some(Event::End(_)) => depth -= 1,
                None => break,
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The element `start` with everything in it, as an owned tree (for elements the types do
    /// not know, kept so an item can be written back whole).
    pub fn capture(&mut self, start: &StartTag) -> Result<Element<'static>, ProtoError> {
        self.capture_tree(start, false)
    }

    /// [`Reader::capture`] that goes on past the errors the decoder can resume after
    /// ([`Decoder::resumable`]: a bad ENTITY, an STR_T outside the table), each kept as U+FFFD:
    /// for keeping an item that could not be typed as near as possible to what was received.
    pub fn capture_lossy(&mut self, start: &StartTag) -> Result<Element<'static>, ProtoError> {
        self.capture_tree(start, true)
    }

    fn capture_tree(
        &mut self,
        start: &StartTag,
        lossy: bool,
    ) -> Result<Element<'static>, ProtoError> {
        let mut stack = vec![Element::new(start.tag)];
        loop {
            let event = match self.dec.next() {
                Ok(event) => event,
                Err(error) if lossy && self.dec.resumable(&error) => {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(Node::Text(Cow::Borrowed("\u{FFFD}")));
                    }
                    continue;
                }
                Err(error) => {
                    return Err(ProtoError::Wbxml {
                        command: self.command,
                        error,
                    });
                }
            };
            let node = match event {
                Some(Event::Start(s)) => {
                    stack.push(Element::new(s.tag));
                    continue;
                }
                Some(Event::Attribute(a)) => {
                    if let Some(top) = stack.last_mut() {
                        top.attributes.push(wbxml::Attr {
                            page: a.page,
                            token: a.token,
                            value: Cow::Owned(a.value.into_owned()),
                        });
                    }
                    continue;
                }
                Some(Event::Text(t)) => Node::Text(Cow::Owned(t.to_string())),
                Some(Event::Entity(c)) => Node::Text(Cow::Owned(c.to_string())),
                Some(Event::Opaque(d)) => Node::Opaque(Cow::Owned(d.to_vec())),
                // Kept as the characters it was read as, so it is written back as UTF-8 text.
                Some(Event::RawText(d)) => Node::Text(Cow::Owned(charset::decode(d).into_owned())),
                Some(Event::End(_)) | None => {
                    let done = stack
                        .pop()
                        .expect("the stack holds the element being closed");
                    if stack.is_empty() {
                        return Ok(done);
                    }
                    Node::Element(done)
                }
            };
            if let Some(top) = stack.last_mut() {
                top.children.push(node);
            }
        }
    }

    /// Where the reader is now, to come back to with [`Reader::rewind`] (e.g. to keep an item
    /// whole after its typed reading failed).
    pub fn checkpoint(&self) -> Checkpoint<'a> {
        Checkpoint(self.dec.clone())
    }

    /// Goes back to `to`: the events after it are read again.
    pub fn rewind(&mut self, to: Checkpoint<'a>) {
        self.dec = to.0;
    }

    /// Checks that the document ends here (after the root element's end).
    pub fn finish(mut self) -> Result<(), ProtoError> {
        while self.next()?.is_some() {}
        Ok(())
    }

    /// An invalid-value error for `start`.
    pub fn bad(&self, start: &StartTag, value: &str, reason: &'static str) -> ProtoError {
        ProtoError::BadValue {
            command: self.command,
            element: start.tag,
            value: value.to_string(),
            offset: start.offset,
            reason,
        }
    }

    /// A missing-element error.
    pub fn missing(&self, parent: &StartTag, missing: Tag) -> ProtoError {
        ProtoError::Missing {
            command: self.command,
            parent: parent.tag,
            missing,
            offset: parent.offset,
        }
    }
}

/// The value of a boolean element's text: `1`/`true`, `0`/`false`, or empty (presence alone).
pub fn flag_value(text: &str) -> Option<bool> {
    match text.trim() {
        "" | "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// The value of a `Status` element among the first children of the root, if there is one
/// before any other child: where every command puts the common statuses (110/111, 141–145,
/// MS-ASCMD 2.2.2), so the HTTP layer can act on them before typed decoding.
pub fn leading_status(body: &[u8]) -> Option<u16> {
    let mut dec = Decoder::new(body).ok()?;
    let Ok(Some(Event::Start(_root))) = dec.next() else {
        return None;
    };
    loop {
        match dec.next().ok()?? {
            Event::Start(s) if s.tag.name() == Some("Status") => {
                let mut text = String::new();
                while let Ok(Some(ev)) = dec.next() {
                    match ev {
                        Event::Text(t) => text.push_str(t),
                        Event::End(_) => break,
                        _ => return None,
                    }
                }
                return text.trim().parse().ok();
            }
            Event::Start(_) | Event::End(_) => return None,
            _ => {}
        }
    }
}

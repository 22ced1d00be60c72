//! The zero-copy pull decoder (WAP-192-WBXML 1.3 section 5, with the EAS profile of
//! MS-ASWBXML 2.1.2: tags, code pages, inline strings and opaque data).
//!
//! [`Decoder::next`] yields [`Event`]s borrowing from the input. Every `Start` is matched by an
//! `End` (also for elements without content), so consumers need no special case. Memory is
//! bounded by the nesting limit: the decoder keeps only the stack of open elements.

use std::borrow::Cow;

use crate::codepages::{self, AttrStartDef, TagDef};
use crate::error::DecodeError;
use crate::header::{Cursor, Header, read_header, table_bytes, table_str, utf8};
use crate::token::{self, Tag};

/// Limits that keep hostile input from costing unbounded work or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting accepted (EAS documents nest about 12 deep).
    pub max_depth: usize,
    /// Largest input accepted, in bytes.
    pub max_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_len: 256 << 20,
        }
    }
}

/// A start tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartTag {
    pub tag: Tag,
    /// Attributes follow as [`Event::Attribute`] events.
    pub has_attributes: bool,
    /// The element has content in the encoding (an empty element does not).
    pub has_content: bool,
    /// Byte offset of the tag token.
    pub offset: usize,
}

impl StartTag {
    /// The code page entry, or `None` for a token the tables do not know.
    pub fn def(&self) -> Option<&'static TagDef> {
        self.tag.def()
    }
}

/// An attribute: start token plus its value (the token's value prefix included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Attribute code page.
    pub page: u8,
    /// Attribute start token.
    pub token: u8,
    /// The full value.
    pub value: Cow<'a, str>,
}

impl Attribute<'_> {
    /// The table entry, or `None` for an unknown attribute start token.
    pub fn def(&self) -> Option<&'static AttrStartDef> {
        codepages::attr_start(self.page, self.token)
    }
}

/// One decoding event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    Start(StartTag),
    Attribute(Attribute<'a>),
    /// Text from STR_I or STR_T, UTF-8 validated.
    Text(&'a str),
    /// Text from STR_I or STR_T that is not valid UTF-8, as the bytes received (without the
    /// terminating NUL). Only a decoder made with [`Decoder::allow_invalid_utf8`] yields it;
    /// any other fails with [`DecodeError::InvalidUtf8`].
    RawText(&'a [u8]),
    /// A character from ENTITY.
    Entity(char),
    Opaque(&'a [u8]),
    End(Tag),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Root,
    Content,
    /// An element without content is open: its End comes next.
    PendingEnd,
    /// Attributes follow; then content.
    AttributesThenContent,
    /// Attributes follow; then the End of an element without content.
    AttributesThenEnd,
    AfterRoot,
    Done,
}

/// The state after a start tag, indexed by its attribute and content bits (`token >> 6`).
const STATE_AFTER_START: [State; 4] = [
    State::PendingEnd,
    State::Content,
    State::AttributesThenEnd,
    State::AttributesThenContent,
];

#[derive(Debug, Clone, Copy)]
struct Open {
    tag: Tag,
    offset: usize,
}

/// The pull decoder. Create with [`Decoder::new`], then call [`Decoder::next`] until `None`.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    cur: Cursor<'a>,
    header: Header<'a>,
    page: u8,
    attr_page: u8,
    state: State,
    stack: Vec<Open>,
    /// Attributes seen on the current start tag (duplicates have no XML form).
    attrs_seen: Vec<(u8, u8)>,
    limits: Limits,
    /// Yield invalid UTF-8 text as [`Event::RawText`] instead of failing.
    raw_text: bool,
}

/// Most attributes accepted on one element (EAS uses one, on legacy AirNotify only).
const MAX_ATTRIBUTES: usize = 32;

impl<'a> Decoder<'a> {
    /// Reads the header with the default limits.
    pub fn new(input: &'a [u8]) -> Result<Self, DecodeError> {
        Self::with_limits(input, Limits::default())
    }

    /// Reads the header with the given limits.
    pub fn with_limits(input: &'a [u8], limits: Limits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_len {
            return Err(DecodeError::TooLarge {
                len: input.len(),
                limit: limits.max_len,
            });
        }
        let mut cur = Cursor { buf: input, pos: 0 };
        let header = read_header(&mut cur)?;
        Ok(Self {
            cur,
            header,
            page: 0,
            attr_page: 0,
            state: State::Root,
            stack: Vec::with_capacity(16),
            attrs_seen: Vec::new(),
            limits,
            raw_text: false,
        })
    }

    /// Makes element text (STR_I, STR_T) that is not valid UTF-8 come out as
    /// [`Event::RawText`] instead of failing the document with [`DecodeError::InvalidUtf8`].
    ///
    /// MS-ASWBXML 2.1.2 fixes the charset to UTF-8, but real servers pass through what they
    /// hold: a mail body in windows-1252 must not cost the client the whole response. The
    /// caller decides what such text means. Attribute values stay strict (EAS uses none in
    /// content), and so does every decoder not asked for this (`easync wbxml decode`, the tree,
    /// the XML bridge, the fuzz target).
    pub fn allow_invalid_utf8(mut self) -> Self {
        self.raw_text = true;
        self
    }

    /// Whether decoding can go on after `err`, returned by the last [`Decoder::next`]: the
    /// token in error was element content and was consumed whole, so the next call reads the
    /// token after it. True for an ENTITY that is not a Unicode scalar value or is NUL, and an
    /// STR_T index outside the string table; false for everything else (truncation, unknown
    /// tokens, limits, errors in attributes), after which the input cannot be trusted.
    pub fn resumable(&self, err: &DecodeError) -> bool {
        self.state == State::Content
            && matches!(
                err,
                DecodeError::InvalidEntity { .. }
                    | DecodeError::NulCharacter { what: "ENTITY", .. }
                    | DecodeError::BadStringReference { .. }
            )
    }

    /// The document header.
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// Byte offset of the next token.
    pub fn offset(&self) -> usize {
        self.cur.pos
    }

    /// Current nesting depth (open elements).
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The next event, `Ok(None)` after the root element has ended and the input is consumed.
    #[allow(clippy::should_implement_trait)] // fallible; an Iterator would hide the Result shape
    #[inline(always)]
    pub fn next(&mut self) -> Result<Option<Event<'a>>, DecodeError> {
        if self.state == State::Content {
            return self.content();
        }
        self.next_outside_content()
    }

    fn next_outside_content(&mut self) -> Result<Option<Event<'a>>, DecodeError> {
        match self.state {
            State::Content => self.content(),
            State::PendingEnd => Ok(Some(self.end())),
            State::AttributesThenContent => self.attribute(true),
            State::AttributesThenEnd => self.attribute(false),
            State::Root => self.root(),
            State::AfterRoot => self.after_root(),
            State::Done => Ok(None),
        }
    }

    fn root(&mut self) -> Result<Option<Event<'a>>, DecodeError> {
        loop {
            let at = self.cur.pos;
            let b = self.cur.byte("the root element")?;
            match b {
                token::SWITCH_PAGE => self.page = self.cur.byte("SWITCH_PAGE")?,
                b if !token::is_global(b) => return self.start(b, at).map(Some),
                b => return Err(self.unexpected(b, at, "where the root element was expected")),
            }
        }
    }

    #[inline(always)]
    fn content(&mut self) -> Result<Option<Event<'a>>, DecodeError> {
        loop {
            let at = self.cur.pos;
            let Some(&b) = self.cur.buf.get(at) else {
                return Err(self.unclosed());
            };
            self.cur.pos += 1;
            // The common tokens first, as plain compares (cheaper than a jump table here).
            if b == token::STR_I {
                if self.raw_text {
                    return self.lenient_str_i().map(Some);
                }
                return Ok(Some(Event::Text(self.cur.c_str("inline string (STR_I)")?)));
            }
            if !token::is_global(b) {
                return self.start(b, at).map(Some);
            }
            if b == token::END {
                return Ok(Some(self.end()));
            }
            if b == token::SWITCH_PAGE {
                self.page = self.cur.byte("SWITCH_PAGE")?;
                continue;
            }
            let event = match b {
                token::OPAQUE => {
                    let len = self.cur.mb_u32("OPAQUE length")?;
                    Event::Opaque(self.cur.take(len, "OPAQUE data")?)
                }
                token::STR_T => {
                    let index = self.cur.mb_u32("STR_T index")?;
                    match table_str(self.header.string_table, index, at) {
                        Ok(t) => Event::Text(t),
                        Err(DecodeError::InvalidUtf8 { .. }) if self.raw_text => {
                            Event::RawText(table_bytes(self.header.string_table, index, at)?)
                        }
                        Err(e) => return Err(e),
                    }
                }
                token::ENTITY => Event::Entity(self.entity(at)?),
                b => return Err(self.unexpected(b, at, "in element content")),
            };
            return Ok(Some(event));
        }
    }

    /// STR_I for a decoder that allows invalid UTF-8: text, or the bytes when they are not.
    #[inline(always)]
    fn lenient_str_i(&mut self) -> Result<Event<'a>, DecodeError> {
        Ok(match self.cur.c_text("inline string (STR_I)")? {
            Ok(t) => Event::Text(t),
            Err(bytes) => Event::RawText(bytes),
        })
    }

    #[inline(always)]
    fn start(&mut self, b: u8, at: usize) -> Result<Event<'a>, DecodeError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(DecodeError::TooDeep {
                limit: self.limits.max_depth,
                offset: at,
            });
        }
        let tag = Tag::new(self.page, b & 0x3F);
        let has_attributes = b & token::HAS_ATTRIBUTES != 0;
        let has_content = b & token::HAS_CONTENT != 0;
        self.stack.push(Open { tag, offset: at });
        if has_attributes {
            self.attrs_seen.clear();
        }
        self.state = STATE_AFTER_START[usize::from(b >> 6)];
        Ok(Event::Start(StartTag {
            tag,
            has_attributes,
            has_content,
            offset: at,
        }))
    }

    #[inline(always)]
    fn end(&mut self) -> Event<'a> {
        // Invariant: End is only produced while an element is open (Content/PendingEnd states
        // are entered by `start` after a push, and left here when the stack empties).
        let open = self.stack.pop().map_or(Tag::new(0, 0), |o| o.tag);
        self.state = if self.stack.is_empty() {
            State::AfterRoot
        } else {
            State::Content
        };
        Event::End(open)
    }

    fn after_root(&mut self) -> Result<Option<Event<'a>>, DecodeError> {
        let rest = self.cur.buf.len() - self.cur.pos;
        if rest != 0 {
            return Err(DecodeError::TrailingData {
                len: rest,
                offset: self.cur.pos,
            });
        }
        self.state = State::Done;
        Ok(None)
    }

    /// One attribute of the current start tag; END of the list moves on to content.
    fn attribute(&mut self, has_content: bool) -> Result<Option<Event<'a>>, DecodeError> {
        loop {
            let at = self.cur.pos;
            match self.cur.byte("attribute list")? {
                token::SWITCH_PAGE => self.attr_page = self.cur.byte("SWITCH_PAGE")?,
                token::END => {
                    self.state = if has_content {
                        State::Content
                    } else {
                        State::PendingEnd
                    };
                    return self.next();
                }
                b if b < 0x80 && !token::is_global(b) => {
                    let page = self.attr_page;
                    self.note_attribute(page, b, at)?;
                    let prefix = codepages::attr_start(page, b).map_or("", |d| d.value_prefix);
                    let value = self.attr_value(prefix)?;
                    return Ok(Some(Event::Attribute(Attribute {
                        page,
                        token: b,
                        value,
                    })));
                }
                b => return Err(self.unexpected(b, at, "where an attribute start was expected")),
            }
        }
    }

    /// The value parts after an attribute start, up to the next attribute start or END.
    fn attr_value(&mut self, prefix: &'static str) -> Result<Cow<'a, str>, DecodeError> {
        let mut value: Cow<'a, str> = Cow::Borrowed(prefix);
        loop {
            let at = self.cur.pos;
            let Some(&b) = self.cur.buf.get(at) else {
                return Err(DecodeError::Truncated {
                    what: "attribute list",
                    offset: at,
                });
            };
            let part: Cow<'a, str> = match b {
                token::END => return Ok(value),
                b if b < 0x80 && !token::is_global(b) => return Ok(value),
                token::SWITCH_PAGE => {
                    self.cur.pos += 2;
                    self.attr_page = *self.cur.buf.get(at + 1).ok_or(DecodeError::Truncated {
                        what: "SWITCH_PAGE",
                        offset: at + 1,
                    })?;
                    continue;
                }
                token::STR_I => {
                    self.cur.pos += 1;
                    Cow::Borrowed(self.cur.c_str("attribute value (STR_I)")?)
                }
                token::STR_T => {
                    self.cur.pos += 1;
                    let index = self.cur.mb_u32("STR_T index")?;
                    Cow::Borrowed(table_str(self.header.string_table, index, at)?)
                }
                token::ENTITY => {
                    self.cur.pos += 1;
                    Cow::Owned(self.entity(at)?.to_string())
                }
                token::OPAQUE => {
                    self.cur.pos += 1;
                    let len = self.cur.mb_u32("OPAQUE length")?;
                    let data = self.cur.take(len, "OPAQUE data")?;
                    if data.contains(&0) {
                        return Err(DecodeError::NulCharacter {
                            what: "attribute value (OPAQUE)",
                            offset: at,
                        });
                    }
                    Cow::Borrowed(utf8(data, "attribute value (OPAQUE)", at)?)
                }
                b if !token::is_global(b) => {
                    return Err(DecodeError::UnknownAttrValue {
                        page: self.attr_page,
                        token: b,
                        offset: at,
                    });
                }
                b => return Err(self.unexpected(b, at, "in an attribute value")),
            };
            if value.is_empty() {
                value = part;
            } else {
                value.to_mut().push_str(&part);
            }
        }
    }

    fn note_attribute(&mut self, page: u8, token: u8, at: usize) -> Result<(), DecodeError> {
        if self.attrs_seen.contains(&(page, token)) {
            return Err(DecodeError::DuplicateAttribute {
                page,
                token,
                offset: at,
            });
        }
        if self.attrs_seen.len() >= MAX_ATTRIBUTES {
            return Err(DecodeError::TooManyAttributes {
                limit: MAX_ATTRIBUTES,
                offset: at,
            });
        }
        self.attrs_seen.push((page, token));
        Ok(())
    }

    fn entity(&mut self, at: usize) -> Result<char, DecodeError> {
        let code = self.cur.mb_u32("ENTITY")?;
        if code == 0 {
            return Err(DecodeError::NulCharacter {
                what: "ENTITY",
                offset: at,
            });
        }
        char::from_u32(code).ok_or(DecodeError::InvalidEntity { code, offset: at })
    }

    #[cold]
    #[inline(never)]
    fn unclosed(&self) -> DecodeError {
        match self.stack.last() {
            Some(open) => DecodeError::Unclosed {
                tag: open.tag,
                opened_at: open.offset,
                offset: self.cur.pos,
            },
            None => DecodeError::Truncated {
                what: "document",
                offset: self.cur.pos,
            },
        }
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, b: u8, at: usize, context: &'static str) -> DecodeError {
        if let Some(name) = token::unsupported_global(b) {
            return DecodeError::UnsupportedToken {
                name,
                token: b,
                offset: at,
            };
        }
        DecodeError::Unexpected {
            token: b,
            context,
            offset: at,
        }
    }
}

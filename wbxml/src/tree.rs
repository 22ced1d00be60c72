//! A small element tree, for tests, debugging and the XML bridge. The hot paths (typed
//! decoding of Sync responses) use the pull [`Decoder`](crate::Decoder) directly.
//!
//! Text and opaque data borrow from the decoded input (`Cow::Borrowed`), so decoding a tree
//! copies no content; [`Element::into_owned`] detaches a tree from its input.

use std::borrow::Cow;

use crate::decoder::{Decoder, Event, Limits};
use crate::encoder::{AttrRef, Encoder};
use crate::error::{DecodeError, EncodeError};
use crate::token::Tag;

/// An attribute of an element (only legacy AirNotify documents have any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr<'a> {
    pub page: u8,
    pub token: u8,
    /// The full value (including the value prefix of the start token).
    pub value: Cow<'a, str>,
}

/// A child of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Element(Element<'a>),
    Text(Cow<'a, str>),
    Opaque(Cow<'a, [u8]>),
}

/// An element with its attributes and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub tag: Tag,
    pub attributes: Vec<Attr<'a>>,
    pub children: Vec<Node<'a>>,
}

impl<'a> Element<'a> {
    /// An empty element.
    pub fn new(tag: Tag) -> Self {
        Self {
            tag,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds a child element (builder style).
    pub fn with(mut self, child: Element<'a>) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Adds a text child (builder style).
    pub fn with_text(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// Adds an opaque child (builder style).
    pub fn with_opaque(mut self, data: impl Into<Cow<'a, [u8]>>) -> Self {
        self.children.push(Node::Opaque(data.into()));
        self
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element<'a>> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this page and name.
    pub fn child(&self, page: u8, name: &str) -> Option<&Element<'a>> {
        let tag = Tag::by_name(page, name)?;
        self.elements().find(|e| e.tag == tag)
    }

    /// All text children concatenated.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// A copy that owns all its text and data.
    pub fn into_owned(self) -> Element<'static> {
        Element {
            tag: self.tag,
            attributes: self
                .attributes
                .into_iter()
                .map(|a| Attr {
                    page: a.page,
                    token: a.token,
                    value: Cow::Owned(a.value.into_owned()),
                })
                .collect(),
            children: self
                .children
                .into_iter()
                .map(|c| match c {
                    Node::Element(e) => Node::Element(e.into_owned()),
                    Node::Text(t) => Node::Text(Cow::Owned(t.into_owned())),
                    Node::Opaque(d) => Node::Opaque(Cow::Owned(d.into_owned())),
                })
                .collect(),
        }
    }

    /// Decodes a whole document into its root element, with the default limits.
    pub fn decode(input: &'a [u8]) -> Result<Element<'a>, DecodeError> {
        Self::decode_with_limits(input, Limits::default())
    }

    /// Decodes a whole document into its root element.
    ///
    /// Children of all open elements wait on one shared stack and move into an exactly sized
    /// vector when their element ends: one allocation per element with children.
    pub fn decode_with_limits(input: &'a [u8], limits: Limits) -> Result<Element<'a>, DecodeError> {
        let mut dec = Decoder::with_limits(input, limits)?;
        let mut open: Vec<(Element<'a>, usize)> = Vec::with_capacity(16);
        let mut pending: Vec<Node<'a>> = Vec::with_capacity(64);
        let mut root = None;
        while let Some(event) = dec.next()? {
            // The decoder guarantees balanced Start/End and content only inside an element.
            match event {
                Event::Start(s) => open.push((Element::new(s.tag), pending.len())),
                Event::Text(t) => pending.push(Node::Text(Cow::Borrowed(t))),
                Event::End(_) => {
                    let Some((mut done, first)) = open.pop() else {
                        break;
                    };
                    done.children = pending.split_off(first);
                    if open.is_empty() {
                        root = Some(done); // the decoder still checks what follows it
                    } else {
                        pending.push(Node::Element(done));
                    }
                }
                // RawText comes only from a decoder that allows invalid UTF-8, which this is not.
                Event::Opaque(d) | Event::RawText(d) => {
                    pending.push(Node::Opaque(Cow::Borrowed(d)))
                }
                Event::Entity(c) => pending.push(Node::Text(Cow::Owned(c.to_string()))),
                Event::Attribute(a) => {
                    if let Some((top, _)) = open.last_mut() {
                        top.attributes.push(Attr {
                            page: a.page,
                            token: a.token,
                            value: a.value,
                        });
                    }
                }
            }
        }
        root.ok_or(DecodeError::Truncated {
            what: "the root element",
            offset: input.len(),
        })
    }

    /// Encodes this element as the root of a canonical document.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut enc = Encoder::new();
        self.write(&mut enc)?;
        enc.finish()
    }

    /// Writes this element into an encoder.
    pub fn write(&self, enc: &mut Encoder) -> Result<(), EncodeError> {
        let attrs: Vec<AttrRef<'_>> = self
            .attributes
            .iter()
            .map(|a| AttrRef {
                page: a.page,
                token: a.token,
                value: &a.value,
            })
            .collect();
        enc.start_with_attributes(self.tag, &attrs)?;
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(enc)?,
                Node::Text(t) => enc.text(t)?,
                Node::Opaque(d) => enc.opaque(d)?,
            }
        }
        enc.end()
    }
}

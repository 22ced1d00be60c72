//! A small owned element tree, for tests, debugging and the XML bridge. The hot paths (typed
//! decoding of Sync responses) use the pull [`Decoder`](crate::Decoder) directly.

use crate::decoder::{Decoder, Event, Limits};
use crate::encoder::{AttrRef, Encoder};
use crate::error::{DecodeError, EncodeError};
use crate::token::Tag;

/// An attribute of an element (only legacy AirNotify documents have any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub page: u8,
    pub token: u8,
    /// The full value (including the value prefix of the start token).
    pub value: String,
}

/// A child of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
    Opaque(Vec<u8>),
}

/// An element with its attributes and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub tag: Tag,
    pub attributes: Vec<Attr>,
    pub children: Vec<Node>,
}

impl Element {
    /// An empty element.
    pub fn new(tag: Tag) -> Self {
        Self {
            tag,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds a child element (builder style).
    pub fn with(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Adds a text child (builder style).
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// Adds an opaque child (builder style).
    pub fn with_opaque(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.children.push(Node::Opaque(data.into()));
        self
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this page and name.
    pub fn child(&self, page: u8, name: &str) -> Option<&Element> {
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

    /// Decodes a whole document into its root element, with the default limits.
    pub fn decode(input: &[u8]) -> Result<Element, DecodeError> {
        Self::decode_with_limits(input, Limits::default())
    }

    /// Decodes a whole document into its root element.
    pub fn decode_with_limits(input: &[u8], limits: Limits) -> Result<Element, DecodeError> {
        let mut dec = Decoder::with_limits(input, limits)?;
        let mut stack: Vec<Element> = Vec::with_capacity(16);
        let mut root = None;
        while let Some(event) = dec.next()? {
            // The decoder guarantees balanced Start/End and content only inside an element.
            match event {
                Event::Start(s) => stack.push(Element::new(s.tag)),
                Event::Attribute(a) => {
                    if let Some(top) = stack.last_mut() {
                        top.attributes.push(Attr {
                            page: a.page,
                            token: a.token,
                            value: a.value.into_owned(),
                        });
                    }
                }
                Event::Text(t) => push(&mut stack, Node::Text(t.to_owned())),
                Event::Entity(c) => push(&mut stack, Node::Text(c.to_string())),
                Event::Opaque(d) => push(&mut stack, Node::Opaque(d.to_vec())),
                Event::End(_) => {
                    if let Some(done) = stack.pop() {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(Node::Element(done)),
                            None => root = Some(done),
                        }
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

fn push(stack: &mut [Element], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

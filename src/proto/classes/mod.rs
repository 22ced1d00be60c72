//! The classes of `ApplicationData` (MS-ASEMAIL, MS-ASCNTC, MS-ASCAL, MS-ASTASK, MS-ASNOTE,
//! MS-ASAIRS), declared as tables: each struct lists its elements in spec order with their
//! tags; the `class!` macro generates decoding (from the pull reader, no tree) and encoding. Elements a
//! struct does not name are kept in `extra` and written back, so an item received can be sent
//! back whole (a Sync Change replaces the whole item on the server).

pub mod airsyncbase;
pub mod calendar;
pub mod contacts;
pub mod email;
pub mod notes;
pub mod tasks;
pub mod timezone;

use wbxml::{Element, StartTag, Tag};

use super::ProtoError;
use super::read::Reader;
use super::write::Writer;

/// A value that is read from and written to one element.
pub trait Field: Sized {
    /// Reads the element `start` (just opened) up to its end.
    fn read(r: &mut Reader<'_>, start: &StartTag) -> Result<Self, ProtoError>;
    /// Writes the value as the element `tag`.
    fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError>;
    /// Reads the element as [`Field::read`] does, or — when its content is no value of this
    /// type — gives the element back as received, for the class to keep in `extra` (and write
    /// back) while the field stays `None`. Numbers and flags override it: real servers send
    /// `<Importance/>`, an empty `EstimatedDataSize` or a word where MS-ASDTYPE says a number,
    /// and one such element must not cost the item.
    fn read_or_keep(
        r: &mut Reader<'_>,
        start: &StartTag,
    ) -> Result<Result<Self, Element<'static>>, ProtoError> {
        Self::read(r, start).map(Ok)
    }
}

/// The element `start` with the text it held, as kept when that text is no value of its
/// field's type (nested elements, which no such field has, are not kept).
fn kept(start: &StartTag, text: &str) -> Element<'static> {
    let e = Element::new(start.tag);
    if text.is_empty() {
        return e;
    }
    e.with_text(text.to_string())
}

impl Field for String {
    fn read(r: &mut Reader<'_>, start: &StartTag) -> Result<Self, ProtoError> {
        r.string(start)
    }
    fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError> {
        w.leaf(tag, self)
    }
}

/// `0`/`1` elements (an empty element reads as true).
impl Field for bool {
    fn read(r: &mut Reader<'_>, start: &StartTag) -> Result<Self, ProtoError> {
        r.flag(start)
    }
    fn read_or_keep(
        r: &mut Reader<'_>,
        start: &StartTag,
    ) -> Result<Result<Self, Element<'static>>, ProtoError> {
        let text = r.text(start)?;
        Ok(super::read::flag_value(&text).ok_or_else(|| kept(start, &text)))
    }
    fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError> {
        w.leaf(tag, if *self { "1" } else { "0" })
    }
}

macro_rules! numeric_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn read(r: &mut Reader<'_>, start: &StartTag) -> Result<Self, ProtoError> {
                r.parse(start)
            }
            fn read_or_keep(
                r: &mut Reader<'_>,
                start: &StartTag,
            ) -> Result<Result<Self, Element<'static>>, ProtoError> {
                let text = r.text(start)?;
                Ok(text.trim().parse().map_err(|_| kept(start, &text)))
            }
            fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError> {
                w.leaf(tag, &self.to_string())
            }
        }
    )*};
}
numeric_field!(u8, u16, u32, u64, i32);

/// Opaque (binary) elements: ConversationId, ConversationIndex, Picture data…
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Opaque(pub Vec<u8>);

impl Field for Opaque {
    fn read(r: &mut Reader<'_>, start: &StartTag) -> Result<Self, ProtoError> {
        r.opaque(start).map(Opaque)
    }
    fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError> {
        w.opaque_leaf(tag, &self.0)
    }
}

/// An empty element whose presence is the value (`<email2:Send/>`, MS-ASEMAIL 2.2.2.70).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Present;

impl Field for Present {
    fn read(r: &mut Reader<'_>, start: &StartTag) -> Result<Self, ProtoError> {
        r.skip(start).map(|()| Present)
    }
    fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError> {
        w.empty(tag)
    }
}

/// An element that stands for itself in a list (`<Categories><Category>…`): it knows its tag.
pub trait Item: Field {
    const TAG: Tag;
}

/// A container of repeated items, e.g. `<Attachments>` of `<Attachment>`. Children that are not
/// the item's tag are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T> {
    pub items: Vec<T>,
    pub extra: Vec<Element<'static>>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            extra: Vec::new(),
        }
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        Self {
            items,
            extra: Vec::new(),
        }
    }
}

impl<T: Item> Field for List<T> {
    fn read(r: &mut Reader<'_>, _start: &StartTag) -> Result<Self, ProtoError> {
        let mut list = Self::default();
        while let Some(c) = r.child()? {
            if c.tag == T::TAG {
                list.items.push(T::read(r, &c)?);
            } else {
                list.extra.push(r.capture(&c)?);
            }
        }
        Ok(list)
    }
    fn write(&self, w: &mut Writer, tag: Tag) -> Result<(), ProtoError> {
        w.start(tag)?;
        for item in &self.items {
            item.write(w, T::TAG)?;
        }
        for e in &self.extra {
            w.element(e)?;
        }
        w.end()
    }
}

/// A string item of a list, with its tag (`Category`, `Child`, `Attendee` email…).
macro_rules! string_item {
    ($(#[$doc:meta])* $name:ident = $tag:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name(pub String);

        impl $crate::proto::classes::Field for $name {
            fn read(
                r: &mut $crate::proto::read::Reader<'_>,
                start: &wbxml::StartTag,
            ) -> Result<Self, $crate::proto::ProtoError> {
                r.string(start).map(Self)
            }
            fn write(
                &self,
                w: &mut $crate::proto::write::Writer,
                tag: wbxml::Tag,
            ) -> Result<(), $crate::proto::ProtoError> {
                w.leaf(tag, &self.0)
            }
        }

        impl $crate::proto::classes::Item for $name {
            const TAG: wbxml::Tag = $tag;
        }
    };
}
pub(crate) use string_item;

/// Declares a class (or a nested element) as a table of optional fields, in spec order:
/// `field: Type = tag`. Generates the struct (with `extra` for unknown elements, and for
/// elements whose content is no value of their field's type, see [`Field::read_or_keep`]), [`Field`]
/// (read from the pull reader, write in table order) and `read_fields`/`write_fields` for use
/// as the content of `ApplicationData`.
macro_rules! class {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$fdoc:meta])* $field:ident : $ty:ty = $tag:path ),* $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: Option<$ty>, )*
            /// Elements this table does not name, kept as received.
            pub extra: Vec<wbxml::Element<'static>>,
        }

        impl $name {
            /// Reads the children of the element just opened, up to its end.
            pub fn read_fields(
                r: &mut $crate::proto::read::Reader<'_>,
            ) -> Result<Self, $crate::proto::ProtoError> {
                use $crate::proto::classes::Field as _;
                let mut v = Self::default();
                while let Some(c) = r.child()? {
                    match c.tag {
                        $( $tag => match <$ty>::read_or_keep(r, &c)? {
                            Ok(x) => v.$field = Some(x),
                            Err(odd) => v.extra.push(odd),
                        }, )*
                        _ => v.extra.push(r.capture(&c)?),
                    }
                }
                Ok(v)
            }

            /// Takes every element `change` carries and keeps the rest (MS-ASCMD 2.2.3.24: a
            /// server's Change holds the properties that were modified). Unknown elements are
            /// replaced by tag.
            pub fn merge(&mut self, change: Self) {
                $( if change.$field.is_some() { self.$field = change.$field; } )*
                let tags: Vec<wbxml::Tag> = change.extra.iter().map(|e| e.tag).collect();
                self.extra.retain(|e| !tags.contains(&e.tag));
                self.extra.extend(change.extra);
            }

            /// Writes the fields (without an enclosing element).
            pub fn write_fields(
                &self,
                w: &mut $crate::proto::write::Writer,
            ) -> Result<(), $crate::proto::ProtoError> {
                use $crate::proto::classes::Field as _;
                $( if let Some(v) = &self.$field { v.write(w, $tag)?; } )*
                for e in &self.extra {
                    w.element(e)?;
                }
                Ok(())
            }
        }

        impl $crate::proto::classes::Field for $name {
            fn read(
                r: &mut $crate::proto::read::Reader<'_>,
                _start: &wbxml::StartTag,
            ) -> Result<Self, $crate::proto::ProtoError> {
                Self::read_fields(r)
            }
            fn write(
                &self,
                w: &mut $crate::proto::write::Writer,
                tag: wbxml::Tag,
            ) -> Result<(), $crate::proto::ProtoError> {
                w.start(tag)?;
                self.write_fields(w)?;
                w.end()
            }
        }
    };
}
pub(crate) use class;

/// Declares that a class-table struct is a list item with this tag.
macro_rules! item {
    ($name:ident = $tag:path) => {
        impl $crate::proto::classes::Item for $name {
            const TAG: wbxml::Tag = $tag;
        }
    };
}
pub(crate) use item;

/// The class of the items of a collection (MS-ASCMD 2.2.3.27.x `Class`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemClass {
    Email,
    Contacts,
    Calendar,
    Tasks,
    Notes,
    Sms,
}

impl ItemClass {
    /// The `Class` element value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Contacts => "Contacts",
            Self::Calendar => "Calendar",
            Self::Tasks => "Tasks",
            Self::Notes => "Notes",
            Self::Sms => "SMS",
        }
    }

    /// The class named by a `Class` element.
    pub fn from_name(s: &str) -> Option<Self> {
        [
            Self::Email,
            Self::Contacts,
            Self::Calendar,
            Self::Tasks,
            Self::Notes,
            Self::Sms,
        ]
        .into_iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The content of an item (`ApplicationData`), typed by class.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplicationData {
    Email(Box<email::Email>),
    Contact(Box<contacts::Contact>),
    Event(Box<calendar::Event>),
    Task(Box<tasks::Task>),
    Note(Box<notes::Note>),
    /// A class easync does not type (SMS), kept whole.
    Other(Element<'static>),
}

impl ApplicationData {
    /// Reads the children of `<ApplicationData>` (just opened) as an item of `class`.
    pub fn read(
        r: &mut Reader<'_>,
        start: &StartTag,
        class: Option<ItemClass>,
    ) -> Result<Self, ProtoError> {
        Ok(match class {
            Some(ItemClass::Email) => Self::Email(Box::new(email::Email::read_fields(r)?)),
            Some(ItemClass::Contacts) => {
                Self::Contact(Box::new(contacts::Contact::read_fields(r)?))
            }
            Some(ItemClass::Calendar) => Self::Event(Box::new(calendar::Event::read_fields(r)?)),
            Some(ItemClass::Tasks) => Self::Task(Box::new(tasks::Task::read_fields(r)?)),
            Some(ItemClass::Notes) => Self::Note(Box::new(notes::Note::read_fields(r)?)),
            Some(ItemClass::Sms) | None => Self::Other(r.capture(start)?),
        })
    }

    /// Types elements received inside another container (ItemOperations, Search and Find
    /// `Properties`) as an item of `class`.
    pub fn from_elements<'e>(
        command: &'static str,
        elements: impl IntoIterator<Item = &'e Element<'e>>,
        class: Option<ItemClass>,
    ) -> Result<Self, ProtoError> {
        let mut data = Element::new(wbxml::tags::air_sync::APPLICATION_DATA);
        data.children = elements
            .into_iter()
            .map(|e| wbxml::Node::Element(e.clone()))
            .collect();
        let bytes = data.encode().map_err(|source| ProtoError::Encode {
            command,
            error: source,
        })?;
        let mut r = Reader::new(command, &bytes)?;
        let root = r.root(wbxml::tags::air_sync::APPLICATION_DATA)?;
        Self::read(&mut r, &root, class)
    }

    /// Types a stored `<ApplicationData>` (as [`Self::write`] wrote it) again.
    pub fn decode(
        context: &'static str,
        bytes: &[u8],
        class: Option<ItemClass>,
    ) -> Result<Self, ProtoError> {
        let mut r = Reader::new(context, bytes)?;
        let root = r.root(wbxml::tags::air_sync::APPLICATION_DATA)?;
        Self::read(&mut r, &root, class)
    }

    /// The class of this content.
    pub fn class(&self) -> Option<ItemClass> {
        Some(match self {
            Self::Email(_) => ItemClass::Email,
            Self::Contact(_) => ItemClass::Contacts,
            Self::Event(_) => ItemClass::Calendar,
            Self::Task(_) => ItemClass::Tasks,
            Self::Note(_) => ItemClass::Notes,
            Self::Other(_) => return None,
        })
    }

    /// Merges a Change of the same class field by field ([`email::Email::merge`] and its
    /// siblings); content of another class replaces this one.
    pub fn merge(&mut self, change: Self) {
        match (self, change) {
            (Self::Email(a), Self::Email(b)) => a.merge(*b),
            (Self::Contact(a), Self::Contact(b)) => a.merge(*b),
            (Self::Event(a), Self::Event(b)) => a.merge(*b),
            (Self::Task(a), Self::Task(b)) => a.merge(*b),
            (Self::Note(a), Self::Note(b)) => a.merge(*b),
            (this, other) => *this = other,
        }
    }

    /// Writes `<ApplicationData>` with this content.
    pub fn write(&self, w: &mut Writer) -> Result<(), ProtoError> {
        use wbxml::tags::air_sync::APPLICATION_DATA;
        if let Self::Other(e) = self {
            return w.element(e);
        }
        w.start(APPLICATION_DATA)?;
        match self {
            Self::Email(e) => e.write_fields(w)?,
            Self::Contact(c) => c.write_fields(w)?,
            Self::Event(e) => e.write_fields(w)?,
            Self::Task(t) => t.write_fields(w)?,
            Self::Note(n) => n.write_fields(w)?,
            Self::Other(_) => {}
        }
        w.end()
    }
}

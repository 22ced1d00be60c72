//! AirSyncBase elements shared by the classes (MS-ASAIRS 2.2.2): bodies, attachments and, on
//! 16.x, locations.

use wbxml::tags::{air_sync_base as asb, email2};

use super::{List, class, item};

class! {
    /// `Body` (MS-ASAIRS 2.2.2.9): the item's body as the server chose to send it.
    Body {
        /// `Type` (2.2.2.41.1): 1 plain text, 2 HTML, 3 RTF, 4 MIME.
        body_type: u8 = asb::TYPE,
        /// `EstimatedDataSize` (2.2.2.23.1): the full size in bytes.
        estimated_data_size: u32 = asb::ESTIMATED_DATA_SIZE,
        /// `Truncated` (2.2.2.39.1): whether `data` is cut.
        truncated: bool = asb::TRUNCATED,
        /// `Data` (2.2.2.20.1).
        data: String = asb::DATA,
        /// `Part` is ItemOperations-only; `Preview` (2.2.2.34.1): up to 255 characters.
        preview: String = asb::PREVIEW,
    }
}

class! {
    /// `BodyPart` (MS-ASAIRS 2.2.2.10): a conversation-trimmed body (14.1+).
    BodyPart {
        status: u8 = asb::STATUS,
        body_type: u8 = asb::TYPE,
        estimated_data_size: u32 = asb::ESTIMATED_DATA_SIZE,
        truncated: bool = asb::TRUNCATED,
        data: String = asb::DATA,
        preview: String = asb::PREVIEW,
    }
}

class! {
    /// `Attachment` (MS-ASAIRS 2.2.2.7).
    Attachment {
        display_name: String = asb::DISPLAY_NAME,
        /// `FileReference` (2.2.2.24.1): the id to fetch it with ItemOperations.
        file_reference: String = asb::FILE_REFERENCE,
        /// `Method` (2.2.2.31): 1 normal, 5 embedded message, 6 OLE.
        method: u8 = asb::METHOD,
        estimated_data_size: u32 = asb::ESTIMATED_DATA_SIZE,
        content_id: String = asb::CONTENT_ID,
        content_location: String = asb::CONTENT_LOCATION,
        is_inline: bool = asb::IS_INLINE,
        /// `email2:UmAttDuration` (MS-ASEMAIL 2.2.2.77): voice-mail length in seconds.
        um_att_duration: u32 = email2::UM_ATT_DURATION,
        um_att_order: u32 = email2::UM_ATT_ORDER,
        /// `ClientId` (16.x, 2.2.2.16): set when the client adds an attachment.
        client_id: String = asb::CLIENT_ID,
        /// `Content` (16.x, 2.2.2.17): the attachment data the client adds.
        content: super::Opaque = asb::CONTENT,
    }
}
item!(Attachment = asb::ATTACHMENT);

/// `Attachments` (MS-ASAIRS 2.2.2.8).
pub type Attachments = List<Attachment>;

class! {
    /// `Location` (16.x, MS-ASAIRS 2.2.2.27): a structured event location.
    Location {
        display_name: String = asb::DISPLAY_NAME,
        annotation: String = asb::ANNOTATION,
        street: String = asb::STREET,
        city: String = asb::CITY,
        state: String = asb::STATE,
        country: String = asb::COUNTRY,
        postal_code: String = asb::POSTAL_CODE,
        /// Degrees, as the decimal text the server sent.
        latitude: String = asb::LATITUDE,
        longitude: String = asb::LONGITUDE,
        accuracy: String = asb::ACCURACY,
        altitude: String = asb::ALTITUDE,
        altitude_accuracy: String = asb::ALTITUDE_ACCURACY,
        location_uri: String = asb::LOCATION_URI,
    }
}

//! The Notes class (MS-ASNOTE 2.2.2).

use wbxml::tags::{air_sync_base as asb, notes as n};

use super::airsyncbase::Body;
use super::{List, class, string_item};

string_item!(
    /// `Category` (MS-ASNOTE 2.2.2.2).
    Category = n::CATEGORY
);

class! {
    /// A note (MS-ASNOTE 2.2.2).
    Note {
        subject: String = n::SUBJECT,
        body: Body = asb::BODY,
        message_class: String = n::MESSAGE_CLASS,
        last_modified_date: String = n::LAST_MODIFIED_DATE,
        categories: List<Category> = n::CATEGORIES,
    }
}

//! The Contacts class (MS-ASCNTC 2.2.2), with the Contacts2 elements.

use wbxml::tags::{air_sync_base as asb, contacts as c, contacts2 as c2};

use super::airsyncbase::Body;
use super::{List, class, string_item};

string_item!(
    /// `Category` (MS-ASCNTC 2.2.2.15).
    Category = c::CATEGORY
);
string_item!(
    /// `Child` (MS-ASCNTC 2.2.2.16): a child's name.
    Child = c::CHILD
);

class! {
    /// A contact (MS-ASCNTC 2.2.2). Dates are `YYYY-MM-DDTHH:MM:SS.MSSZ`; `picture` is the
    /// base64 text of the photo (at most 48 KB by the spec; servers send more).
    Contact {
        anniversary: String = c::ANNIVERSARY,
        assistant_name: String = c::ASSISTANT_NAME,
        assistant_phone_number: String = c::ASSISTANT_PHONE_NUMBER,
        birthday: String = c::BIRTHDAY,
        body: Body = asb::BODY,
        native_body_type: u8 = asb::NATIVE_BODY_TYPE,
        business2_phone_number: String = c::BUSINESS2_PHONE_NUMBER,
        business_address_city: String = c::BUSINESS_ADDRESS_CITY,
        business_address_country: String = c::BUSINESS_ADDRESS_COUNTRY,
        business_address_postal_code: String = c::BUSINESS_ADDRESS_POSTAL_CODE,
        business_address_state: String = c::BUSINESS_ADDRESS_STATE,
        business_address_street: String = c::BUSINESS_ADDRESS_STREET,
        business_fax_number: String = c::BUSINESS_FAX_NUMBER,
        business_phone_number: String = c::BUSINESS_PHONE_NUMBER,
        car_phone_number: String = c::CAR_PHONE_NUMBER,
        categories: List<Category> = c::CATEGORIES,
        children: List<Child> = c::CHILDREN,
        company_name: String = c::COMPANY_NAME,
        department: String = c::DEPARTMENT,
        email1_address: String = c::EMAIL1_ADDRESS,
        email2_address: String = c::EMAIL2_ADDRESS,
        email3_address: String = c::EMAIL3_ADDRESS,
        file_as: String = c::FILE_AS,
        first_name: String = c::FIRST_NAME,
        home2_phone_number: String = c::HOME2_PHONE_NUMBER,
        home_address_city: String = c::HOME_ADDRESS_CITY,
        home_address_country: String = c::HOME_ADDRESS_COUNTRY,
        home_address_postal_code: String = c::HOME_ADDRESS_POSTAL_CODE,
        home_address_state: String = c::HOME_ADDRESS_STATE,
        home_address_street: String = c::HOME_ADDRESS_STREET,
        home_fax_number: String = c::HOME_FAX_NUMBER,
        home_phone_number: String = c::HOME_PHONE_NUMBER,
        job_title: String = c::JOB_TITLE,
        last_name: String = c::LAST_NAME,
        middle_name: String = c::MIDDLE_NAME,
        mobile_phone_number: String = c::MOBILE_PHONE_NUMBER,
        office_location: String = c::OFFICE_LOCATION,
        other_address_city: String = c::OTHER_ADDRESS_CITY,
        other_address_country: String = c::OTHER_ADDRESS_COUNTRY,
        other_address_postal_code: String = c::OTHER_ADDRESS_POSTAL_CODE,
        other_address_state: String = c::OTHER_ADDRESS_STATE,
        other_address_street: String = c::OTHER_ADDRESS_STREET,
        pager_number: String = c::PAGER_NUMBER,
        radio_phone_number: String = c::RADIO_PHONE_NUMBER,
        spouse: String = c::SPOUSE,
        suffix: String = c::SUFFIX,
        title: String = c::TITLE,
        web_page: String = c::WEB_PAGE,
        yomi_company_name: String = c::YOMI_COMPANY_NAME,
        yomi_first_name: String = c::YOMI_FIRST_NAME,
        yomi_last_name: String = c::YOMI_LAST_NAME,
        picture: String = c::PICTURE,
        /// `Alias` (2.2.2.2): GAL/RecipientInformationCache only.
        alias: String = c::ALIAS,
        /// `WeightedRank` (2.2.2.77): RecipientInformationCache only.
        weighted_rank: u32 = c::WEIGHTED_RANK,
        customer_id: String = c2::CUSTOMER_ID,
        government_id: String = c2::GOVERNMENT_ID,
        im_address: String = c2::IM_ADDRESS,
        im_address2: String = c2::IM_ADDRESS2,
        im_address3: String = c2::IM_ADDRESS3,
        manager_name: String = c2::MANAGER_NAME,
        company_main_phone: String = c2::COMPANY_MAIN_PHONE,
        account_name: String = c2::ACCOUNT_NAME,
        nick_name: String = c2::NICK_NAME,
        mms: String = c2::MMS,
    }
}

//! The mirrored contacts as an address book (`easync contacts query`): the names and
//! addresses of each, and the search over them.

use super::{Store, StoreError};

/// One mirrored contact: what an address lookup shows and matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactCard {
    pub item_id: i64,
    pub file_as: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub nickname: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    /// Its addresses as the server sent them (`bob@example.org` or `"Bob" <bob@example.org>`).
    pub emails: Vec<String>,
}

impl ContactCard {
    /// "First Middle Last", else FileAs, else the nickname.
    pub fn name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.first_name, &self.middle_name, &self.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        if !parts.is_empty() {
            return Some(parts.join(" "));
        }
        self.file_as.clone().or_else(|| self.nickname.clone())
    }

    /// Whether `needle` (lower-cased) is in its name, FileAs, nickname, company or an address.
    pub fn matches(&self, needle: &str) -> bool {
        let fields = [&self.file_as, &self.nickname, &self.company];
        let name = self.name().unwrap_or_default();
        std::iter::once(name.as_str())
            .chain(fields.into_iter().filter_map(|f| f.as_deref()))
            .chain(self.emails.iter().map(String::as_str))
            .any(|text| text.to_lowercase().contains(needle))
    }
}

impl Store {
    /// Every mirrored contact the server still has (soft-deleted 2 is left out, as exports do),
    /// by FileAs.
    pub fn contact_cards(&self) -> Result<Vec<ContactCard>, StoreError> {
        let sql = "SELECT c.item_id, c.file_as, c.first_name, c.middle_name, c.last_name, \
                   c.nickname, c.company, c.job_title, c.emails FROM contacts c \
                   JOIN items i ON i.id = c.item_id WHERE i.soft_deleted < 2 \
                   ORDER BY coalesce(c.file_as, c.last_name, c.first_name, ''), c.item_id";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let emails: Option<String> = r.get(8)?;
                Ok(ContactCard {
                    item_id: r.get(0)?,
                    file_as: r.get(1)?,
                    first_name: r.get(2)?,
                    middle_name: r.get(3)?,
                    last_name: r.get(4)?,
                    nickname: r.get(5)?,
                    company: r.get(6)?,
                    job_title: r.get(7)?,
                    emails: emails
                        .and_then(|j| serde_json::from_str(&j).ok())
                        .unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Contacts matching `text` (case-insensitive substring of a name, FileAs, nickname,
    /// company or address).
    pub fn contacts_matching(&self, text: &str) -> Result<Vec<ContactCard>, StoreError> {
        let needle = text.trim().to_lowercase();
        let mut cards = self.contact_cards()?;
        cards.retain(|c| c.matches(&needle));
        Ok(cards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_matching() {
        let c = ContactCard {
            first_name: Some("Zoë".into()),
            last_name: Some("Åkesson".into()),
            company: Some("Example AG".into()),
            emails: vec!["\"Zoë\" <ZOE@example.test>".into()],
            ..ContactCard::default()
        };
        assert_eq!(c.name().as_deref(), Some("Zoë Åkesson"));
        for needle in ["zoë åk", "example ag", "zoe@", "åkesson"] {
            assert!(c.matches(needle), "{needle}");
        }
        assert!(!c.matches("bob"));
        let only = ContactCard {
            file_as: Some("Help desk".into()),
            ..ContactCard::default()
        };
        assert_eq!(only.name().as_deref(), Some("Help desk"));
    }
}

//! Field-by-field validation of what people type, with messages as i18n keys so a
//! form can come back with the user's input and a message beside each wrong field.

use std::collections::BTreeMap;

/// One field's problem: the message key and, for length limits, the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub key: &'static str,
    pub max: Option<usize>,
}

impl FieldError {
    pub const fn new(key: &'static str) -> Self {
        FieldError { key, max: None }
    }
}

/// Problems by form field name (the `name=` of the input).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<&'static str, FieldError>);

impl FieldErrors {
    pub const fn empty() -> Self {
        FieldErrors(BTreeMap::new())
    }
    pub fn add(&mut self, field: &'static str, error: FieldError) {
        // The first problem found is the one worth telling.
        self.0.entry(field).or_insert(error);
    }
    pub fn get(&self, field: &str) -> Option<FieldError> {
        self.0.get(field).copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.keys().copied()
    }
    /// Ok(value) when nothing was wrong.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }
}

pub const REQUIRED: FieldError = FieldError::new("error-required");
pub const BAD_CHOICE: FieldError = FieldError::new("error-choice");
pub const BAD_PHONE: FieldError = FieldError::new("error-phone");
pub const BAD_EMAIL: FieldError = FieldError::new("error-email");
pub const BAD_DATE: FieldError = FieldError::new("error-date");
pub const FUTURE_DATE: FieldError = FieldError::new("error-date-future");
pub const CONTACT_NEEDED: FieldError = FieldError::new("error-contact-needed");

/// Reads form fields into domain values, collecting every problem on the way.
#[derive(Default)]
pub struct Checker {
    pub errors: FieldErrors,
}

impl Checker {
    /// Trimmed text, required, at most `max` characters.
    pub fn required(&mut self, field: &'static str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.errors.add(field, REQUIRED);
        }
        self.check_len(field, value, max);
        value.to_owned()
    }

    /// Trimmed text or None, at most `max` characters.
    pub fn optional(&mut self, field: &'static str, value: &str, max: usize) -> Option<String> {
        let value = value.trim();
        self.check_len(field, value, max);
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn check_len(&mut self, field: &'static str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.errors.add(field, FieldError { key: "error-too-long", max: Some(max) });
        }
        if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            self.errors.add(field, FieldError::new("error-control-chars"));
        }
    }

    /// One of a closed set of codes.
    pub fn choice<T>(
        &mut self,
        field: &'static str,
        value: &str,
        parse: impl Fn(&str) -> Result<T, super::text_enum::UnknownCode>,
    ) -> Option<T> {
        let value = value.trim();
        if value.is_empty() {
            self.errors.add(field, REQUIRED);
            return None;
        }
        parse(value).map_err(|_| self.errors.add(field, BAD_CHOICE)).ok()
    }

    /// A phone number: digits with an optional leading + and separators, 5 to 20 digits.
    pub fn phone(&mut self, field: &'static str, value: &str) -> Option<String> {
        let value = self.optional(field, value, 30)?;
        if is_phone(&value) {
            Some(value)
        } else {
            self.errors.add(field, BAD_PHONE);
            None
        }
    }

    /// An email address, lower-cased so one person has one account.
    pub fn email(&mut self, field: &'static str, value: &str) -> Option<String> {
        let value = self.optional(field, value, 254)?;
        if email_address::EmailAddress::is_valid(&value) && value.contains('.') {
            Some(value.to_lowercase())
        } else {
            self.errors.add(field, BAD_EMAIL);
            None
        }
    }

    /// An ISO date (as `<input type=date>` sends it), not after `today`.
    pub fn past_date(
        &mut self,
        field: &'static str,
        value: &str,
        today: chrono::NaiveDate,
    ) -> Option<chrono::NaiveDate> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(date) if date > today => {
                self.errors.add(field, FUTURE_DATE);
                None
            }
            Ok(date) if date.year_ce().1 < 1970 => {
                self.errors.add(field, BAD_DATE);
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                self.errors.add(field, BAD_DATE);
                None
            }
        }
    }
}

use chrono::Datelike;

pub fn is_phone(value: &str) -> bool {
    let body = value.strip_prefix('+').unwrap_or(value);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')')) && (5..=20).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for good in ["13800138000", "+86 138-0013-8000", "(010) 6552 9988", "+1 415 555 0100"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in ["", "1234", "phone", "138001380001234567890123", "+86+138", "138\u{0}0013"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn checker_collects_problems_and_keeps_the_first_per_field() {
        let mut c = Checker::default();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(c.required("title", "  ", 10), "");
        c.required("name", "一二三四五六七八九十十", 10);
        c.email("email", "not-an-email");
        assert_eq!(c.email("email2", "Li.Lei@Example.COM"), Some("li.lei@example.com".into()));
        c.past_date("purchase_date", "2026-11-24", today);
        c.past_date("other_date", "2026-13-01", today);
        assert_eq!(c.past_date("ok", "2026-11-23", today), chrono::NaiveDate::from_ymd_opt(2026, 11, 23));
        c.choice("urgency", "bogus", crate::domain::Urgency::parse);
        let e = c.errors;
        assert_eq!(e.get("title"), Some(REQUIRED));
        assert_eq!(e.get("name").map(|f| f.max), Some(Some(10)));
        assert_eq!(e.get("email"), Some(BAD_EMAIL));
        assert_eq!(e.get("email2"), None);
        assert_eq!(e.get("purchase_date"), Some(FUTURE_DATE));
        assert_eq!(e.get("other_date"), Some(BAD_DATE));
        assert_eq!(e.get("urgency"), Some(BAD_CHOICE));
    }
}

//! Cause categories (问题原因) that supervisors add: the form, and the code a
//! category is stored and reported under (typed, or derived from the English name).

use super::validate::{Checker, FieldError, FieldErrors};
use serde::Deserialize;

pub const CODE_MAX: usize = 40;
pub const NAME_MAX: usize = 50;
/// The code may only hold `a-z`, `0-9` and `_` (the table checks the same).
pub const BAD_CODE: FieldError = FieldError::new("cause-error-code");
/// No code typed, and none can be made from the English name.
pub const CODE_NEEDED: FieldError = FieldError::new("cause-error-code-needed");

/// `^[a-z0-9_]{1,40}$`, as the table's check constraint.
pub fn is_code(code: &str) -> bool {
    (1..=CODE_MAX).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A code from an English name: lower case, every run of other characters one
/// `_`, at most 40 characters ("Water damage (user)" → `water_damage_user`).
/// None if the name has no ASCII letter or digit.
pub fn derive_code(name_en: &str) -> Option<String> {
    let mut code = String::new();
    for c in name_en.chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c.to_ascii_lowercase());
        } else if !code.is_empty() && !code.ends_with('_') {
            code.push('_');
        }
    }
    code.truncate(CODE_MAX);
    let code = code.trim_end_matches('_').to_owned();
    (!code.is_empty()).then_some(code)
}

/// The add form as sent (renaming sends only the names).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CauseInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A category that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseDraft {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl CauseInput {
    /// A new category: its code as typed, or derived from the English name when left empty.
    pub fn parse(&self) -> Result<CauseDraft, FieldErrors> {
        let mut c = Checker::default();
        let (name_zh, name_en) = self.names(&mut c);
        let typed = self.code.trim();
        let code = if typed.is_empty() {
            derive_code(&name_en).unwrap_or_else(|| {
                if !name_en.is_empty() {
                    c.errors.add("code", CODE_NEEDED);
                }
                String::new()
            })
        } else {
            if !is_code(typed) {
                c.errors.add("code", BAD_CODE);
            }
            typed.to_owned()
        };
        c.errors.into_result(|| CauseDraft { code, name_zh, name_en })
    }

    /// New names for a category (its code never changes: reports count by it).
    pub fn parse_names(&self) -> Result<(String, String), FieldErrors> {
        let mut c = Checker::default();
        let names = self.names(&mut c);
        c.errors.into_result(|| names)
    }

    fn names(&self, c: &mut Checker) -> (String, String) {
        (c.required("name_zh", &self.name_zh, NAME_MAX), c.required("name_en", &self.name_en, NAME_MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_derived_from_the_english_name() {
        assert_eq!(derive_code("Water damage (user)").as_deref(), Some("water_damage_user"));
        assert_eq!(derive_code("  Firmware  v2.1 ").as_deref(), Some("firmware_v2_1"));
        assert_eq!(derive_code("Café crème").as_deref(), Some("caf_cr_me"));
        assert_eq!(derive_code("进水"), None);
        assert_eq!(derive_code("---"), None);
        let long = derive_code(&"ab ".repeat(30)).unwrap();
        assert!(long.len() <= CODE_MAX && is_code(&long) && !long.ends_with('_'), "{long}");
    }

    #[test]
    fn typed_codes_must_fit_the_pattern() {
        for good in ["water_damage", "a", "x2", &"a".repeat(40)] {
            assert!(is_code(good), "{good}");
        }
        for bad in ["", "Water", "water-damage", "进水", "a b", &"a".repeat(41)] {
            assert!(!is_code(bad), "{bad}");
        }
    }

    #[test]
    fn the_form_names_each_problem() {
        let ok = CauseInput { code: String::new(), name_zh: "进水".into(), name_en: "Water damage".into() };
        assert_eq!(ok.parse().map(|d| d.code), Ok("water_damage".to_owned()));
        let typed = CauseInput { code: " wet ".into(), ..ok.clone() };
        assert_eq!(typed.parse().map(|d| d.code), Ok("wet".to_owned()));

        let bad = CauseInput { code: "Wet!".into(), name_zh: String::new(), name_en: "x".into() };
        let errors = bad.parse().unwrap_err();
        assert_eq!(errors.get("code"), Some(BAD_CODE));
        assert_eq!(errors.get("name_zh").map(|e| e.key), Some("error-required"));

        let underivable = CauseInput { code: String::new(), name_zh: "进水".into(), name_en: "—".into() };
        assert_eq!(underivable.parse().unwrap_err().get("code"), Some(CODE_NEEDED));
        let nameless = CauseInput::default().parse().unwrap_err();
        assert_eq!(nameless.get("code"), None, "the missing name is the problem to tell");
        assert!(nameless.get("name_en").is_some());
        assert_eq!(
            CauseInput { name_zh: "x".into(), ..CauseInput::default() }.parse_names().unwrap_err().fields().count(),
            1
        );
    }
}

//! The product catalogue's form: a model code, its names, product line and
//! warranty months, parsed into a `ProductDraft` or field problems.

use super::validate::{Checker, FieldError, FieldErrors, REQUIRED};
use serde::Deserialize;

pub const NAME_NEEDED: FieldError = FieldError::new("catalogue-error-name-needed");
pub const BAD_MONTHS: FieldError = FieldError::new("catalogue-error-months");
pub const DUPLICATE_MODEL: FieldError = FieldError::new("catalogue-error-duplicate");

/// The longest warranty accepted: 50 years.
pub const MAX_WARRANTY_MONTHS: u32 = 600;

/// The form as submitted: strings, so a bad value can be shown back.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProductInput {
    pub model_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub product_line: String,
    pub warranty_months: String,
}

/// A catalogue entry that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    pub model_code: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub product_line: Option<String>,
    pub warranty_months: u32,
}

impl ProductInput {
    pub fn parse(&self) -> Result<ProductDraft, FieldErrors> {
        let mut c = Checker::default();
        let model_code = c.required("model_code", &self.model_code, 64);
        let name_zh = c.optional("name_zh", &self.name_zh, 100);
        let name_en = c.optional("name_en", &self.name_en, 100);
        // One name is enough (many models have only a Chinese or only an English name).
        if self.name_zh.trim().is_empty() && self.name_en.trim().is_empty() {
            c.errors.add("name_zh", NAME_NEEDED);
        }
        let product_line = c.optional("product_line", &self.product_line, 64);
        let months = self.warranty_months.trim();
        let warranty_months = if months.is_empty() {
            c.errors.add("warranty_months", REQUIRED);
            None
        } else {
            // Whole months only: "-3", "1.5", "十二" and "99999" are all refused.
            match months.parse::<u32>() {
                Ok(m) if m <= MAX_WARRANTY_MONTHS => Some(m),
                _ => {
                    c.errors.add("warranty_months", BAD_MONTHS);
                    None
                }
            }
        };
        match warranty_months {
            Some(warranty_months) if c.errors.is_empty() => {
                Ok(ProductDraft { model_code, name_zh, name_en, product_line, warranty_months })
            }
            _ => Err(c.errors),
        }
    }
}

/// The model code a ticket's free-text model is looked up by: trimmed; the
/// store compares it without regard to case.
pub fn lookup_key(product_model: &str) -> &str {
    product_model.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(model: &str, zh: &str, en: &str, months: &str) -> ProductInput {
        ProductInput {
            model_code: model.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            product_line: " 厨电 ".into(),
            warranty_months: months.into(),
        }
    }

    #[test]
    fn a_good_product_is_trimmed() {
        let draft = input("  DW-600 ", "洗碗机", "", " 24 ").parse().expect("valid");
        assert_eq!(
            draft,
            ProductDraft {
                model_code: "DW-600".into(),
                name_zh: Some("洗碗机".into()),
                name_en: None,
                product_line: Some("厨电".into()),
                warranty_months: 24,
            }
        );
        assert_eq!(input("X", "", "Robot", "0").parse().map(|d| d.warranty_months), Ok(0));
    }

    #[test]
    fn bad_input_names_each_field() {
        let errors = input("", "", "", "-3").parse().expect_err("invalid");
        assert_eq!(errors.get("model_code"), Some(REQUIRED));
        assert_eq!(errors.get("name_zh"), Some(NAME_NEEDED));
        assert_eq!(errors.get("warranty_months"), Some(BAD_MONTHS));
        for months in ["abc", "1.5", "601", "十二", "+-1"] {
            let errors = input("A1", "名", "", months).parse().expect_err(months);
            assert_eq!(errors.get("warranty_months"), Some(BAD_MONTHS), "{months}");
        }
        let errors = input("A1", "名", "", "  ").parse().expect_err("empty months");
        assert_eq!(errors.get("warranty_months"), Some(REQUIRED));
        let long = "M".repeat(65);
        let errors = input(&long, "名", "", "12").parse().expect_err("long code");
        assert_eq!(errors.get("model_code").map(|e| e.max), Some(Some(64)));
    }

    #[test]
    fn lookup_key_trims() {
        assert_eq!(lookup_key("  dw-600\u{3000}"), "dw-600");
    }
}

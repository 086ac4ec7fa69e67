//! Reply templates (快捷回复, "macros"): the placeholders they may use, their
//! expansion for one ticket, and the form supervisors keep them with.

use super::validate::{Checker, FieldError, FieldErrors};
use serde::Deserialize;

/// The placeholders a reply template may use, as written in its text.
pub const PLACEHOLDERS: [&str; 4] = ["{customer_name}", "{ticket_number}", "{product}", "{agent_name}"];

/// What the placeholders stand for on one ticket.
#[derive(Debug, Clone, Copy)]
pub struct MacroValues<'a> {
    /// The ticket's contact person.
    pub customer_name: &'a str,
    pub ticket_number: &'a str,
    /// The product model on the ticket.
    pub product: &'a str,
    /// The staff member inserting the reply.
    pub agent_name: &'a str,
}

impl<'a> MacroValues<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        match name {
            "customer_name" => Some(self.customer_name),
            "ticket_number" => Some(self.ticket_number),
            "product" => Some(self.product),
            "agent_name" => Some(self.agent_name),
            _ => None,
        }
    }
}

/// `text` with each known `{placeholder}` replaced by its value, in one pass:
/// an unknown placeholder (or any other brace) stays as written, and braces
/// inside a value are never expanded again.
pub fn expand(text: &str, values: &MacroValues<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let known = after.find('}').and_then(|close| values.get(&after[..close]).map(|value| (close, value)));
        match known {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                // Keep the brace and look again right after it: "{{product}}" → "{X200}".
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first `{word}` in `text` that looks like a placeholder (lower-case
/// letters, digits, `_`) but is none of ours — most likely a typo. Other
/// braces (prose, JSON, Chinese text) are not placeholders.
pub fn unknown_placeholder(text: &str) -> Option<&str> {
    let probe = MacroValues { customer_name: "", ticket_number: "", product: "", agent_name: "" };
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}') {
            let name = &after[..close];
            let looks_like_one =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if looks_like_one && probe.get(name).is_none() {
                return Some(&rest[open..open + close + 2]);
            }
        }
        rest = after;
    }
    None
}

pub const NAME_MAX: usize = 60;
/// Below the 5000 of a reply, so the expanded text still fits.
pub const BODY_MAX: usize = 4000;
pub const UNKNOWN_PLACEHOLDER: FieldError = FieldError::new("macro-error-placeholder");

/// The reply-template form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MacroInput {
    pub name: String,
    pub body_zh: String,
    pub body_en: String,
}

/// A reply template that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroDraft {
    pub name: String,
    pub body_zh: String,
    pub body_en: String,
}

impl MacroInput {
    pub fn parse(&self) -> Result<MacroDraft, FieldErrors> {
        let mut c = Checker::default();
        let name = c.required("name", &self.name, NAME_MAX);
        let body = |c: &mut Checker, field: &'static str, text: &str| {
            let body = c.required(field, text, BODY_MAX);
            if unknown_placeholder(&body).is_some() {
                c.errors.add(field, UNKNOWN_PLACEHOLDER);
            }
            body
        };
        let body_zh = body(&mut c, "body_zh", &self.body_zh);
        let body_en = body(&mut c, "body_en", &self.body_en);
        c.errors.into_result(|| MacroDraft { name, body_zh, body_en })
    }
}

impl MacroDraft {
    pub fn to_input(&self) -> MacroInput {
        MacroInput { name: self.name.clone(), body_zh: self.body_zh.clone(), body_en: self.body_en.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: MacroValues<'static> = MacroValues {
        customer_name: "王芳",
        ticket_number: "AS20261123-000042",
        product: "DW-600 洗碗机",
        agent_name: "李雷",
    };

    #[test]
    fn every_placeholder_is_filled_in() {
        let text = "{customer_name} {ticket_number} {product} {agent_name}";
        assert_eq!(expand(text, &VALUES), "王芳 AS20261123-000042 DW-600 洗碗机 李雷");
        for p in PLACEHOLDERS {
            assert!(!expand(p, &VALUES).contains('{'), "{p} is known");
        }
    }

    #[test]
    fn chinese_text_around_placeholders_is_kept() {
        let text = "{customer_name}您好！您的工单{ticket_number}（{product}）已处理完毕。——{agent_name}";
        assert_eq!(expand(text, &VALUES), "王芳您好！您的工单AS20261123-000042（DW-600 洗碗机）已处理完毕。——李雷");
        assert_eq!(expand("", &VALUES), "");
        assert_eq!(expand("没有占位符", &VALUES), "没有占位符");
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_stay_as_written() {
        assert_eq!(expand("Hi {nickname}, {customer_name}", &VALUES), "Hi {nickname}, 王芳");
        assert_eq!(expand("{ customer_name }", &VALUES), "{ customer_name }");
        assert_eq!(expand("{CUSTOMER_NAME}", &VALUES), "{CUSTOMER_NAME}");
        assert_eq!(expand("open { and {product", &VALUES), "open { and {product");
        assert_eq!(expand("close } then {product}", &VALUES), "close } then DW-600 洗碗机");
        assert_eq!(expand("{{product}}", &VALUES), "{DW-600 洗碗机}");
        assert_eq!(expand("{}{product}", &VALUES), "{}DW-600 洗碗机");
    }

    #[test]
    fn braces_in_values_are_not_expanded_again() {
        let sneaky = MacroValues { customer_name: "{ticket_number}", product: "{{agent_name}}", ..VALUES };
        assert_eq!(expand("{customer_name}/{product}/{agent_name}", &sneaky), "{ticket_number}/{{agent_name}}/李雷");
    }

    #[test]
    fn typos_of_placeholders_are_found_but_prose_braces_are_not() {
        assert_eq!(unknown_placeholder("您好 {custmer_name}"), Some("{custmer_name}"));
        assert_eq!(unknown_placeholder("{product} {order_no}"), Some("{order_no}"));
        for fine in ["{customer_name}{product}", "JSON {\"a\": 1}", "{ 空格 }", "{客户}", "{}", "{Name}", "a { b"] {
            assert_eq!(unknown_placeholder(fine), None, "{fine}");
        }
    }

    #[test]
    fn the_form_needs_a_name_and_both_texts() {
        let good =
            MacroInput { name: " 已解决 ".into(), body_zh: "{customer_name}您好".into(), body_en: "Hi".into() };
        assert_eq!(good.parse().map(|d| d.name), Ok("已解决".to_owned()));
        let errors = MacroInput { name: String::new(), body_zh: "x".repeat(BODY_MAX + 1), body_en: "Hi {nmae}".into() }
            .parse()
            .unwrap_err();
        assert_eq!(errors.get("name").map(|e| e.key), Some("error-required"));
        assert_eq!(errors.get("body_zh").map(|e| e.key), Some("error-too-long"));
        assert_eq!(errors.get("body_en"), Some(UNKNOWN_PLACEHOLDER));
    }
}

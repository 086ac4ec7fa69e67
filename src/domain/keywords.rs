//! Keyword rules (自动分类): keywords in a new ticket's title or description
//! suggest its type and urgency. Pure: the caller loads the rules; this module
//! parses the rule form and finds the suggestion.

use super::ids::KeywordRuleId;
use super::validate::{BAD_CHOICE, Checker, FieldError, FieldErrors};
use super::{TicketType, Urgency};
use serde::Deserialize;

pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD_CHARS: usize = 50;
pub const MIN_PRIORITY: i32 = 1;
pub const MAX_PRIORITY: i32 = 9999;

pub const TOO_MANY_KEYWORDS: FieldError = FieldError { key: "kwrule-error-too-many", max: Some(MAX_KEYWORDS) };
pub const NOTHING_SUGGESTED: FieldError = FieldError::new("kwrule-error-nothing");
pub const BAD_PRIORITY: FieldError = FieldError::new("kwrule-error-priority");

/// A rule as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Tie-breaker among equal priorities: the older (smaller) rule first.
    pub id: KeywordRuleId,
    pub keywords: Vec<String>,
    pub ticket_type: Option<TicketType>,
    pub urgency: Option<Urgency>,
    /// Smaller first.
    pub priority: i32,
}

/// What the rules suggest, and the keywords that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub ticket_type: Option<TicketType>,
    pub urgency: Option<Urgency>,
    pub keywords: Vec<String>,
}

/// The suggestion for a ticket's text, or None if no rule matches. Rules are
/// tried in priority order; the type comes from the first matching rule that
/// suggests a type, the urgency from the first that suggests an urgency, so a
/// "漏水 → 故障报修" rule and a "冒烟 → 特急" rule both apply to a ticket
/// that mentions both. A keyword matches as a case-insensitive substring of the
/// title or the description (not across the two).
pub fn suggest(rules: &[Rule], title: &str, description: &str) -> Option<Suggestion> {
    let text = format!("{}\n{}", title.to_lowercase(), description.to_lowercase());
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by_key(|r| (r.priority, r.id));
    let mut found = Suggestion { ticket_type: None, urgency: None, keywords: Vec::new() };
    for rule in ordered {
        let wants_type = found.ticket_type.is_none() && rule.ticket_type.is_some();
        let wants_urgency = found.urgency.is_none() && rule.urgency.is_some();
        if !(wants_type || wants_urgency) {
            continue;
        }
        let Some(keyword) = rule.keywords.iter().find(|k| matches(&text, k)) else {
            continue;
        };
        if wants_type {
            found.ticket_type = rule.ticket_type;
        }
        if wants_urgency {
            found.urgency = rule.urgency;
        }
        if !found.keywords.contains(keyword) {
            found.keywords.push(keyword.clone());
        }
        if found.ticket_type.is_some() && found.urgency.is_some() {
            break;
        }
    }
    (found.ticket_type.is_some() || found.urgency.is_some()).then_some(found)
}

fn matches(lowered_text: &str, keyword: &str) -> bool {
    let keyword = keyword.trim().to_lowercase();
    // A blank keyword would match everything; the form never stores one.
    !keyword.is_empty() && lowered_text.contains(&keyword)
}

/// The rule form as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RuleInput {
    /// One keyword a line, or separated by commas, 顿号 or semicolons.
    pub keywords: String,
    /// Empty for "no suggestion".
    pub ticket_type: String,
    pub urgency: String,
    pub priority: String,
}

/// A rule that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDraft {
    pub keywords: Vec<String>,
    pub ticket_type: Option<TicketType>,
    pub urgency: Option<Urgency>,
    pub priority: i32,
}

/// Splits typed keywords: trimmed, blanks dropped, repeats (ignoring case) dropped.
pub fn split_keywords(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in raw.split(['\n', '\r', ',', '，', '、', ';', '；']).map(str::trim).filter(|k| !k.is_empty()) {
        if !out.iter().any(|o| o.to_lowercase() == k.to_lowercase()) {
            out.push(k.to_owned());
        }
    }
    out
}

impl RuleInput {
    pub fn parse(&self) -> Result<RuleDraft, FieldErrors> {
        let mut c = Checker::default();
        // The length and character checks of the whole field, then of each keyword.
        c.required("keywords", &self.keywords, MAX_KEYWORDS * (MAX_KEYWORD_CHARS + 2));
        let keywords = split_keywords(&self.keywords);
        if keywords.len() > MAX_KEYWORDS {
            c.errors.add("keywords", TOO_MANY_KEYWORDS);
        }
        if keywords.iter().any(|k| k.chars().count() > MAX_KEYWORD_CHARS) {
            c.errors.add("keywords", FieldError { key: "error-too-long", max: Some(MAX_KEYWORD_CHARS) });
        }
        if keywords.is_empty() {
            // Only separators typed.
            c.errors.add("keywords", super::validate::REQUIRED);
        }
        let ticket_type = optional_choice(&mut c, "ticket_type", &self.ticket_type, TicketType::parse);
        let urgency = optional_choice(&mut c, "urgency", &self.urgency, Urgency::parse);
        if self.ticket_type.trim().is_empty() && self.urgency.trim().is_empty() {
            c.errors.add("ticket_type", NOTHING_SUGGESTED);
        }
        let priority = match self.priority.trim().parse::<i32>() {
            Ok(p) if (MIN_PRIORITY..=MAX_PRIORITY).contains(&p) => Some(p),
            _ => {
                c.errors.add("priority", BAD_PRIORITY);
                None
            }
        };
        match priority {
            Some(priority) if c.errors.is_empty() => Ok(RuleDraft { keywords, ticket_type, urgency, priority }),
            _ => Err(c.errors),
        }
    }
}

fn optional_choice<T>(
    c: &mut Checker,
    field: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, super::text_enum::UnknownCode>,
) -> Option<T> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    parse(value).map_err(|_| c.errors.add(field, BAD_CHOICE)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, priority: i32, keywords: &[&str], t: Option<TicketType>, u: Option<Urgency>) -> Rule {
        Rule {
            id: KeywordRuleId(id),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            ticket_type: t,
            urgency: u,
            priority,
        }
    }

    fn rules() -> Vec<Rule> {
        vec![
            rule(1, 50, &["漏水", "leak"], Some(TicketType::FaultRepair), None),
            rule(2, 10, &["冒烟", "smoke", "着火"], Some(TicketType::FaultRepair), Some(Urgency::Critical)),
            rule(3, 20, &["退货", "Refund"], Some(TicketType::ReturnExchange), None),
            rule(4, 30, &["尽快", "ASAP"], None, Some(Urgency::Urgent)),
            rule(5, 100, &["发票"], Some(TicketType::ServiceProcess), Some(Urgency::Normal)),
        ]
    }

    #[test]
    fn chinese_substrings_match() {
        let s = suggest(&rules(), "洗碗机底部漏水", "").expect("match");
        assert_eq!(s.ticket_type, Some(TicketType::FaultRepair));
        assert_eq!(s.urgency, None);
        assert_eq!(s.keywords, vec!["漏水".to_owned()]);
        // In the description too, inside a longer word.
        let s = suggest(&rules(), "问题", "申请开具增值税发票抬头").expect("match");
        assert_eq!((s.ticket_type, s.urgency), (Some(TicketType::ServiceProcess), Some(Urgency::Normal)));
    }

    #[test]
    fn english_matches_ignore_case() {
        let s = suggest(&rules(), "Water LEAKING under the sink", "").expect("match");
        assert_eq!(s.ticket_type, Some(TicketType::FaultRepair));
        let s = suggest(&rules(), "", "I want a REFUND asap").expect("match");
        assert_eq!((s.ticket_type, s.urgency), (Some(TicketType::ReturnExchange), Some(Urgency::Urgent)));
        assert_eq!(s.keywords, vec!["Refund".to_owned(), "ASAP".to_owned()]);
    }

    #[test]
    fn priority_order_decides_and_each_field_takes_its_first_match() {
        // "冒烟" (priority 10) beats "漏水" (50) for the type and gives the urgency.
        let s = suggest(&rules(), "漏水后冒烟", "").expect("match");
        assert_eq!((s.ticket_type, s.urgency), (Some(TicketType::FaultRepair), Some(Urgency::Critical)));
        assert_eq!(s.keywords, vec!["冒烟".to_owned()]);
        // "退货" (20) gives the type, "尽快" (30) the urgency; "发票" (100) is too late for both.
        let s = suggest(&rules(), "退货，请尽快处理发票", "").expect("match");
        assert_eq!((s.ticket_type, s.urgency), (Some(TicketType::ReturnExchange), Some(Urgency::Urgent)));
        // The input's order does not matter, only the priority; ties go to the older rule.
        let mut reversed = rules();
        reversed.reverse();
        assert_eq!(suggest(&reversed, "漏水后冒烟", ""), suggest(&rules(), "漏水后冒烟", ""));
        let tied = vec![
            rule(9, 5, &["坏"], Some(TicketType::Complaint), None),
            rule(8, 5, &["坏"], Some(TicketType::FaultRepair), None),
        ];
        assert_eq!(suggest(&tied, "坏了", "").and_then(|s| s.ticket_type), Some(TicketType::FaultRepair));
    }

    #[test]
    fn no_match_is_none() {
        assert_eq!(suggest(&rules(), "怎么连接 Wi-Fi", "路由器换了"), None);
        assert_eq!(suggest(&[], "漏水", "冒烟"), None);
        assert_eq!(suggest(&rules(), "", ""), None);
        // A keyword does not match across the title and description.
        assert_eq!(suggest(&[rule(1, 1, &["ab"], Some(TicketType::Account), None)], "a", "b"), None);
    }

    #[test]
    fn keywords_are_split_on_common_separators() {
        assert_eq!(split_keywords(" 漏水、渗水，Leak; leak\n\n 滴水；"), vec!["漏水", "渗水", "Leak", "滴水"]);
        assert!(split_keywords(" ,，、 ").is_empty());
    }

    fn input(keywords: &str, t: &str, u: &str, p: &str) -> RuleInput {
        RuleInput { keywords: keywords.into(), ticket_type: t.into(), urgency: u.into(), priority: p.into() }
    }

    #[test]
    fn the_rule_form_is_checked() {
        let draft = input("漏水\nleak", "fault_repair", "", "10").parse().expect("valid");
        assert_eq!(draft.keywords, vec!["漏水", "leak"]);
        assert_eq!((draft.ticket_type, draft.urgency, draft.priority), (Some(TicketType::FaultRepair), None, 10));
        assert!(input("x", "", "critical", "1").parse().is_ok());

        let e = input(" , ", "", "", "0").parse().expect_err("invalid");
        assert_eq!(e.get("keywords"), Some(super::super::validate::REQUIRED));
        assert_eq!(e.get("ticket_type"), Some(NOTHING_SUGGESTED));
        assert_eq!(e.get("priority"), Some(BAD_PRIORITY));
        let e = input("x", "bogus", "soon", "abc").parse().expect_err("invalid");
        assert_eq!((e.get("ticket_type"), e.get("urgency")), (Some(BAD_CHOICE), Some(BAD_CHOICE)));
        assert_eq!(e.get("priority"), Some(BAD_PRIORITY));
        let many: Vec<String> = (0..21).map(|i| format!("k{i}")).collect();
        assert_eq!(
            input(&many.join(","), "account", "", "5").parse().expect_err("many").get("keywords"),
            Some(TOO_MANY_KEYWORDS)
        );
        let long = "长".repeat(51);
        assert_eq!(
            input(&long, "account", "", "5").parse().expect_err("long").get("keywords").and_then(|e| e.max),
            Some(MAX_KEYWORD_CHARS)
        );
        assert_eq!(input("x", "account", "", "10000").parse().expect_err("big").get("priority"), Some(BAD_PRIORITY));
    }
}

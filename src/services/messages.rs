//! The text of messages that leave the system (email, SMS), in the reader's
//! language. Built only from the kind of news and facts that everyone on the
//! ticket may know — its number, the promised time, the link — and never from
//! what people wrote (replies, internal notes, dispute texts, reasons), so no
//! staff-only content can reach a customer's inbox, whoever the news is for.

use crate::i18n::{Arg, Lang};
use crate::services::notify::kind;

/// The facts a message may state.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub number: &'a str,
    /// The ticket page, on the public address.
    pub link: String,
    /// The promised first response, in the service's zone (ticket received).
    pub promised: Option<String>,
    /// Where people switch email off.
    pub account_link: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// The one-line news, as the notification centre says it.
fn notice(lang: Lang, kind: &str, facts: &Facts) -> String {
    lang.t_args(&format!("notice-{kind}"), &[("number", Arg::from(facts.number.to_owned()))])
}

/// An email to `name` about `kind`.
pub fn email(lang: Lang, kind: &str, name: &str, facts: &Facts) -> Email {
    let notice = notice(lang, kind, facts);
    let link = || Arg::from(facts.link.clone());
    let mut body = vec![lang.t_args("email-greeting", &[("name", Arg::from(name.to_owned()))]), String::new()];
    body.push(notice.clone());
    if let Some(promised) = facts.promised.as_ref().filter(|_| kind == kind::RECEIVED) {
        body.push(lang.t_args("email-promised", &[("due", Arg::from(promised.clone()))]));
    }
    body.push(String::new());
    // A resolved ticket waits for the customer: the link is where they confirm.
    let link_key = if kind == kind::RESOLVED { "email-confirm-link" } else { "email-link" };
    body.push(lang.t_args(link_key, &[("link", link())]));
    body.extend([String::new(), "-- ".to_owned()]);
    body.push(lang.t_args("email-footer", &[("account", Arg::from(facts.account_link.clone()))]));
    let subject = lang.t_args("email-subject", &[("notice", Arg::from(notice))]);
    Email { subject, body: body.join("\n") }
}

/// A text message about `kind`: the news and the link.
pub fn sms(lang: Lang, kind: &str, facts: &Facts) -> String {
    lang.t_args(
        "sms-text",
        &[("notice", Arg::from(notice(lang, kind, facts))), ("link", Arg::from(facts.link.clone()))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            number: "AS20261123-000042",
            link: "https://service.example.com/tickets/AS20261123-000042".into(),
            promised: Some("2026-11-24 10:00".into()),
            account_link: "https://service.example.com/account".into(),
        }
    }

    #[test]
    fn a_receipt_states_the_number_the_promise_and_the_link_in_the_readers_language() {
        let zh = email(Lang::ZhCn, kind::RECEIVED, "王芳", &facts());
        let en = email(Lang::En, kind::RECEIVED, "Jane", &facts());
        for mail in [&zh, &en] {
            assert!(mail.subject.contains("AS20261123-000042"), "{mail:?}");
            for part in ["AS20261123-000042", "2026-11-24 10:00", "/tickets/AS20261123-000042", "/account"] {
                assert!(mail.body.contains(part), "{part} in {mail:?}");
            }
        }
        assert!(zh.body.contains("王芳") && zh.body.contains("您好"), "{zh:?}");
        assert!(en.body.starts_with("Hello Jane"), "{en:?}");
        assert!(!en.body.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "no Chinese in English: {en:?}");
    }

    #[test]
    fn only_a_receipt_states_the_promise_and_a_resolution_asks_to_confirm() {
        let resolved = email(Lang::En, kind::RESOLVED, "Jane", &facts());
        assert!(!resolved.body.contains("2026-11-24 10:00"));
        assert!(resolved.body.contains("confirm"), "{resolved:?}");
        assert!(sms(Lang::ZhCn, kind::RESOLVED, &facts()).contains("/tickets/AS20261123-000042"));
    }
}

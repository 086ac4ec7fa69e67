//! Ticket templates (工单模板): what supervisors keep to pre-fill the
//! customer's new-ticket form for one type of problem. Customers read them in
//! their own language, so every text has a zh-CN and an en variant.

use super::ticket_form::TicketInput;
use super::validate::{BAD_CHOICE, Checker, FieldError, FieldErrors};
use super::{DesiredOutcome, TicketType, Urgency};
use crate::i18n::Lang;
use serde::Deserialize;

pub const NAME_MAX: usize = 60;
/// The same limits as the ticket form, so a pre-filled form is never too long.
pub const TITLE_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 5000;
/// A text given in one language only would leave the other language's customers without it.
pub const BOTH_LANGUAGES: FieldError = FieldError::new("tpl-error-both-languages");

/// The template form as sent: every field a string, so a bad value can be shown back.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TemplateInput {
    pub name_zh: String,
    pub name_en: String,
    pub ticket_type: String,
    pub urgency: String,
    /// Empty: the customer chooses.
    pub desired_outcome: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
}

/// A ticket template that passed every check. Empty texts pre-fill nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDraft {
    pub name_zh: String,
    pub name_en: String,
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub desired_outcome: Option<DesiredOutcome>,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
}

impl TemplateInput {
    pub fn parse(&self) -> Result<TemplateDraft, FieldErrors> {
        let mut c = Checker::default();
        let name_zh = c.required("name_zh", &self.name_zh, NAME_MAX);
        let name_en = c.required("name_en", &self.name_en, NAME_MAX);
        let ticket_type = c.choice("ticket_type", &self.ticket_type, TicketType::parse);
        let urgency = c.choice("urgency", &self.urgency, Urgency::parse);
        let desired_outcome = match self.desired_outcome.trim() {
            "" => None,
            code => DesiredOutcome::parse(code).map_err(|_| c.errors.add("desired_outcome", BAD_CHOICE)).ok(),
        };
        let (title_zh, title_en) = pair(&mut c, ("title_zh", &self.title_zh), ("title_en", &self.title_en), TITLE_MAX);
        let (description_zh, description_en) = pair(
            &mut c,
            ("description_zh", &self.description_zh),
            ("description_en", &self.description_en),
            DESCRIPTION_MAX,
        );
        match (ticket_type, urgency) {
            (Some(ticket_type), Some(urgency)) if c.errors.is_empty() => Ok(TemplateDraft {
                name_zh,
                name_en,
                ticket_type,
                urgency,
                desired_outcome,
                title_zh,
                title_en,
                description_zh,
                description_en,
            }),
            _ => Err(c.errors),
        }
    }
}

/// A text in both languages, or in neither; the empty one is named if only one is given.
fn pair(c: &mut Checker, zh: (&'static str, &str), en: (&'static str, &str), max: usize) -> (String, String) {
    let zh_text = c.optional(zh.0, zh.1, max).unwrap_or_default();
    let en_text = c.optional(en.0, en.1, max).unwrap_or_default();
    match (zh_text.is_empty(), en_text.is_empty()) {
        (true, false) => c.errors.add(zh.0, BOTH_LANGUAGES),
        (false, true) => c.errors.add(en.0, BOTH_LANGUAGES),
        _ => {}
    }
    (zh_text, en_text)
}

impl TemplateDraft {
    /// The name customers see in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }

    /// Fills the new-ticket form in `lang`: type and urgency always, the
    /// outcome, title and description where the template has them. Contact
    /// details already in the form stay.
    pub fn prefill(&self, lang: Lang, form: &mut TicketInput) {
        let (title, description) = match lang {
            Lang::ZhCn => (&self.title_zh, &self.description_zh),
            Lang::En => (&self.title_en, &self.description_en),
        };
        form.ticket_type = self.ticket_type.code().to_owned();
        form.urgency = self.urgency.code().to_owned();
        if let Some(outcome) = self.desired_outcome {
            form.desired_outcome = outcome.code().to_owned();
        }
        if !title.is_empty() {
            form.title.clone_from(title);
        }
        if !description.is_empty() {
            form.description.clone_from(description);
        }
    }

    /// The template as its edit form shows it.
    pub fn to_input(&self) -> TemplateInput {
        TemplateInput {
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            ticket_type: self.ticket_type.code().to_owned(),
            urgency: self.urgency.code().to_owned(),
            desired_outcome: self.desired_outcome.map(|o| o.code().to_owned()).unwrap_or_default(),
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> TemplateInput {
        TemplateInput {
            name_zh: "洗碗机不进水".into(),
            name_en: "Dishwasher: no water".into(),
            ticket_type: "fault_repair".into(),
            urgency: "urgent".into(),
            desired_outcome: "repair".into(),
            title_zh: "洗碗机不进水".into(),
            title_en: "Dishwasher takes in no water".into(),
            description_zh: "型号：\n故障现象：".into(),
            description_en: "Model:\nWhat happens:".into(),
        }
    }

    #[test]
    fn a_template_prefills_the_form_in_the_readers_language() {
        let draft = good().parse().unwrap();
        let mut form = TicketInput { contact_name: "王芳".into(), ..TicketInput::default() };
        draft.prefill(Lang::ZhCn, &mut form);
        assert_eq!((form.ticket_type.as_str(), form.urgency.as_str()), ("fault_repair", "urgent"));
        assert_eq!((form.title.as_str(), form.desired_outcome.as_str()), ("洗碗机不进水", "repair"));
        assert_eq!(form.contact_name, "王芳", "contact details stay");
        draft.prefill(Lang::En, &mut form);
        assert_eq!(form.title, "Dishwasher takes in no water");
        assert_eq!(form.description, "Model:\nWhat happens:");
        assert_eq!(draft.to_input().parse(), Ok(draft.clone()));
    }

    #[test]
    fn empty_texts_and_outcome_prefill_nothing() {
        let input = TemplateInput {
            desired_outcome: String::new(),
            title_zh: String::new(),
            title_en: " ".into(),
            description_zh: String::new(),
            description_en: String::new(),
            ..good()
        };
        let draft = input.parse().unwrap();
        assert_eq!(draft.desired_outcome, None);
        let mut form = TicketInput { title: "typed".into(), ..TicketInput::default() };
        draft.prefill(Lang::En, &mut form);
        assert_eq!((form.title.as_str(), form.desired_outcome.as_str()), ("typed", ""));
    }

    #[test]
    fn each_problem_is_named() {
        let input = TemplateInput {
            name_zh: String::new(),
            ticket_type: "teleport".into(),
            urgency: String::new(),
            desired_outcome: "money".into(),
            title_en: String::new(),
            description_zh: "长".repeat(DESCRIPTION_MAX + 1),
            ..good()
        };
        let errors = input.parse().unwrap_err();
        let key = |f: &str| errors.get(f).map(|e| e.key);
        assert_eq!(key("name_zh"), Some("error-required"));
        assert_eq!(key("ticket_type"), Some("error-choice"));
        assert_eq!(key("urgency"), Some("error-required"));
        assert_eq!(key("desired_outcome"), Some("error-choice"));
        assert_eq!(key("title_en"), Some("tpl-error-both-languages"));
        assert_eq!(key("description_zh"), Some("error-too-long"));
        assert_eq!(key("name_en"), None);
    }
}

//! The new-ticket form: what a customer (or an agent for them) fills in, parsed
//! into a `TicketDraft` or a list of field problems.

use super::validate::{CONTACT_NEEDED, Checker, FieldErrors};
use super::{DesiredOutcome, TicketType, Urgency};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The form as submitted: every field a string, so a bad value can be shown back.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TicketInput {
    pub ticket_type: String,
    pub urgency: String,
    pub product_model: String,
    pub serial_number: String,
    pub purchase_date: String,
    pub order_number: String,
    pub title: String,
    pub description: String,
    pub desired_outcome: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub address: String,
    pub region: String,
}

/// A ticket's content that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketDraft {
    pub ticket_type: TicketType,
    pub urgency: Urgency,
    pub product_model: String,
    pub serial_number: Option<String>,
    pub purchase_date: Option<NaiveDate>,
    pub order_number: Option<String>,
    pub title: String,
    pub description: String,
    pub desired_outcome: DesiredOutcome,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub address: Option<String>,
    pub region: Option<String>,
}

impl TicketInput {
    /// `today` is the date in the service's time zone (purchase dates may not be later).
    pub fn parse(&self, today: NaiveDate) -> Result<TicketDraft, FieldErrors> {
        let mut c = Checker::default();
        let ticket_type = c.choice("ticket_type", &self.ticket_type, TicketType::parse);
        let urgency = c.choice("urgency", &self.urgency, Urgency::parse);
        let product_model = c.required("product_model", &self.product_model, 100);
        let serial_number = c.optional("serial_number", &self.serial_number, 64);
        let purchase_date = c.past_date("purchase_date", &self.purchase_date, today);
        let order_number = c.optional("order_number", &self.order_number, 64);
        let title = c.required("title", &self.title, 120);
        let description = c.required("description", &self.description, 5000);
        let desired_outcome = c.choice("desired_outcome", &self.desired_outcome, DesiredOutcome::parse);
        let contact_name = c.required("contact_name", &self.contact_name, 50);
        let contact_phone = c.phone("contact_phone", &self.contact_phone);
        let contact_email = c.email("contact_email", &self.contact_email);
        if self.contact_phone.trim().is_empty() && self.contact_email.trim().is_empty() {
            c.errors.add("contact_phone", CONTACT_NEEDED);
        }
        let address = c.optional("address", &self.address, 200);
        let region = c.optional("region", &self.region, 50);
        match (ticket_type, urgency, desired_outcome) {
            (Some(ticket_type), Some(urgency), Some(desired_outcome)) if c.errors.is_empty() => Ok(TicketDraft {
                ticket_type,
                urgency,
                product_model,
                serial_number,
                purchase_date,
                order_number,
                title,
                description,
                desired_outcome,
                contact_name,
                contact_phone,
                contact_email,
                address,
                region,
            }),
            _ => Err(c.errors),
        }
    }
}

/// One field a person changed, with the values before and after (as typed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

impl TicketDraft {
    /// The draft as a form shows it, e.g. to edit it.
    pub fn to_input(&self) -> TicketInput {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        TicketInput {
            ticket_type: self.ticket_type.code().into(),
            urgency: self.urgency.code().into(),
            product_model: self.product_model.clone(),
            serial_number: text(&self.serial_number),
            purchase_date: self.purchase_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            order_number: text(&self.order_number),
            title: self.title.clone(),
            description: self.description.clone(),
            desired_outcome: self.desired_outcome.code().into(),
            contact_name: self.contact_name.clone(),
            contact_phone: text(&self.contact_phone),
            contact_email: text(&self.contact_email),
            address: text(&self.address),
            region: text(&self.region),
        }
    }

    /// What differs from `other`, field by field, for the event log.
    pub fn changes_to(&self, other: &TicketDraft) -> Vec<FieldChange> {
        let (a, b) = (self.to_input(), other.to_input());
        let pairs: [(&'static str, &String, &String); 14] = [
            ("ticket_type", &a.ticket_type, &b.ticket_type),
            ("urgency", &a.urgency, &b.urgency),
            ("product_model", &a.product_model, &b.product_model),
            ("serial_number", &a.serial_number, &b.serial_number),
            ("purchase_date", &a.purchase_date, &b.purchase_date),
            ("order_number", &a.order_number, &b.order_number),
            ("title", &a.title, &b.title),
            ("description", &a.description, &b.description),
            ("desired_outcome", &a.desired_outcome, &b.desired_outcome),
            ("contact_name", &a.contact_name, &b.contact_name),
            ("contact_phone", &a.contact_phone, &b.contact_phone),
            ("contact_email", &a.contact_email, &b.contact_email),
            ("address", &a.address, &b.address),
            ("region", &a.region, &b.region),
        ];
        pairs
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .map(|(field, old, new)| FieldChange { field, old: old.clone(), new: new.clone() })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> TicketInput {
        TicketInput {
            ticket_type: "fault_repair".into(),
            urgency: "urgent".into(),
            product_model: "X200 洗碗机".into(),
            purchase_date: "2025-06-01".into(),
            title: "洗碗机不出水".into(),
            description: "开机后指示灯闪烁，不进水。".into(),
            desired_outcome: "repair".into(),
            contact_name: "王芳".into(),
            contact_phone: "13800138000".into(),
            region: "上海".into(),
            ..TicketInput::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_good_form_parses() {
        let draft = good().parse(today()).unwrap();
        assert_eq!(draft.ticket_type, TicketType::FaultRepair);
        assert_eq!(draft.serial_number, None);
        assert_eq!(draft.region.as_deref(), Some("上海"));
    }

    #[test]
    fn changes_name_each_field_with_old_and_new() {
        let before = good().parse(today()).unwrap();
        let mut input = before.to_input();
        input.urgency = "critical".into();
        input.serial_number = "SN9".into();
        let after = input.parse(today()).unwrap();
        let changes = before.changes_to(&after);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0], FieldChange { field: "urgency", old: "urgent".into(), new: "critical".into() });
        assert_eq!(changes[1], FieldChange { field: "serial_number", old: String::new(), new: "SN9".into() });
        assert!(before.changes_to(&before).is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut TicketInput);
        let cases: Vec<(Spoil, &str, &str)> = vec![
            (|i| i.title.clear(), "title", "error-required"),
            (|i| i.title = "长".repeat(121), "title", "error-too-long"),
            (|i| i.urgency = "whenever".into(), "urgency", "error-choice"),
            (|i| i.ticket_type.clear(), "ticket_type", "error-required"),
            (|i| i.purchase_date = "2030-01-01".into(), "purchase_date", "error-date-future"),
            (|i| i.purchase_date = "yesterday".into(), "purchase_date", "error-date"),
            (|i| i.contact_phone = "12ab".into(), "contact_phone", "error-phone"),
            (|i| i.contact_email = "a@".into(), "contact_email", "error-email"),
            (|i| i.contact_phone.clear(), "contact_phone", "error-contact-needed"),
            (|i| i.description = "a\u{7}b".into(), "description", "error-control-chars"),
        ];
        for (spoil, field, key) in cases {
            let mut input = good();
            spoil(&mut input);
            let errors = input.parse(today()).unwrap_err();
            assert_eq!(errors.get(field).map(|e| e.key), Some(key), "{field}");
        }
    }
}

//! Intake for others (代客建单): an agent files a ticket for a customer who
//! phoned, wrote or came to the store — a customer found by phone or email, or
//! a new customer record without a login — with the channel recorded.

use super::SessionUser;
use super::tickets as ticket_service;
use crate::db::PooledConn;
use crate::domain::account_form::normalize_login;
use crate::domain::ticket_form::TicketInput;
use crate::domain::validate::{BAD_CHOICE, FieldError, FieldErrors, REQUIRED};
use crate::domain::{Channel, Role, UserId};
use crate::error::{AppError, AppResult};
use crate::store::tickets::Ticket;
use crate::store::{Conn, users};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::OptionalExtension;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};

/// Channels an agent takes tickets in by; the web portal is the customer's own.
pub const CHANNELS: &[Channel] = &[Channel::Phone, Channel::Email, Channel::Store, Channel::Social, Channel::App];

/// What `customer` holds when the agent makes a new customer record.
pub const NEW_CUSTOMER: &str = "new";

/// No customer chosen, or one that isn't a customer's record.
const CHOOSE_CUSTOMER: FieldError = FieldError::new("intake-error-customer");
const CUSTOMER_EXISTS: FieldError = FieldError::new("intake-error-customer-exists");

/// The intake form as sent: the ticket form plus whom it is for and how it came in.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct IntakeInput {
    /// A customer id chosen from the lookup, or `new`.
    pub customer: String,
    pub channel: String,
    /// The lookup text, kept so the form shown again still shows the match.
    pub q: String,
    #[serde(flatten)]
    pub ticket: TicketInput,
}

/// Whom the ticket is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerChoice {
    Existing(UserId),
    /// A new record from the contact details, without a login.
    New,
}

/// Reads the customer choice and the channel; a problem goes into `errors`.
pub fn parse_choice(input: &IntakeInput, errors: &mut FieldErrors) -> (Option<CustomerChoice>, Option<Channel>) {
    let customer = match input.customer.trim() {
        "" => {
            errors.add("customer", CHOOSE_CUSTOMER);
            None
        }
        NEW_CUSTOMER => Some(CustomerChoice::New),
        id => match id.parse::<i64>() {
            Ok(id) if id > 0 => Some(CustomerChoice::Existing(UserId(id))),
            _ => {
                errors.add("customer", CHOOSE_CUSTOMER);
                None
            }
        },
    };
    let channel = match Channel::parse(input.channel.trim()) {
        Ok(channel) if CHANNELS.contains(&channel) => Some(channel),
        _ if input.channel.trim().is_empty() => {
            errors.add("channel", REQUIRED);
            None
        }
        _ => {
            errors.add("channel", BAD_CHOICE);
            None
        }
    };
    (customer, channel)
}

/// The customer with this phone or email, if any (staff accounts never match).
pub async fn lookup(conn: &mut Conn, q: &str) -> AppResult<Option<users::User>> {
    let login = normalize_login(q);
    if login.is_empty() || login.chars().count() > 254 {
        return Ok(None);
    }
    Ok(users::find_by_login(conn, &login).await?.filter(|u| u.role == Role::Customer))
}

/// The customer record behind an id from the form, if it is a customer's.
pub async fn find_customer(conn: &mut Conn, id: UserId) -> AppResult<Option<users::User>> {
    Ok(users::find(conn, id).await.optional()?.filter(|u| u.role == Role::Customer))
}

/// Contact details the agent left blank come from the customer record.
fn fill_contact(ticket: &mut TicketInput, customer: &users::User) {
    if ticket.contact_name.trim().is_empty() {
        ticket.contact_name = customer.name.clone();
    }
    if ticket.contact_phone.trim().is_empty() && ticket.contact_email.trim().is_empty() {
        ticket.contact_phone = customer.phone.clone().unwrap_or_default();
        ticket.contact_email = customer.email.clone().unwrap_or_default();
    }
    if ticket.region.trim().is_empty() {
        ticket.region = customer.region.clone().unwrap_or_default();
    }
}

/// Files the ticket for the customer, taken in by `agent`. Nothing is stored
/// unless everything is: the new customer record and the ticket share one transaction.
pub async fn file(
    conn: &mut PooledConn,
    agent: &SessionUser,
    input: &IntakeInput,
    now: DateTime<Utc>,
    tz: Tz,
) -> AppResult<Ticket> {
    if !agent.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let (choice, channel) = parse_choice(input, &mut errors);
    let mut ticket = input.ticket.clone();
    if let Some(CustomerChoice::Existing(id)) = choice {
        match find_customer(conn, id).await? {
            Some(customer) => fill_contact(&mut ticket, &customer),
            None => errors.add("customer", CHOOSE_CUSTOMER),
        }
    }
    let today = now.with_timezone(&tz).date_naive();
    let draft = ticket.parse(today).map_err(|ticket_errors| {
        for field in ticket_errors.fields() {
            if let Some(e) = ticket_errors.get(field) {
                errors.add(field, e);
            }
        }
    });
    let (Some(choice), Some(channel), Ok(draft)) = (choice, channel, draft) else {
        return Err(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let number = ticket_service::take_number(conn, now, tz).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let customer = match choice {
            CustomerChoice::Existing(id) => id,
            CustomerChoice::New => {
                let new = users::NewUser {
                    role: Role::Customer,
                    name: &draft.contact_name,
                    email: draft.contact_email.as_deref(),
                    phone: draft.contact_phone.as_deref(),
                    company: None,
                    // No password: this record cannot sign in.
                    password_hash: None,
                    region: draft.region.as_deref(),
                    skills: &[],
                };
                users::insert(conn, &new).await.map_err(already_exists)?.id
            }
        };
        ticket_service::file_for(conn, number, customer, agent, channel, &draft, now).await
    })
    .await
}

/// A new record whose phone or email someone already has: the agent should
/// find that customer instead.
fn already_exists(e: DieselError) -> AppError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let field =
                if info.constraint_name() == Some("users_phone_key") { "contact_phone" } else { "contact_email" };
            let mut errors = FieldErrors::default();
            errors.add(field, CUSTOMER_EXISTS);
            AppError::Invalid(errors)
        }
        other => AppError::from(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(customer: &str, channel: &str) -> IntakeInput {
        IntakeInput { customer: customer.into(), channel: channel.into(), ..IntakeInput::default() }
    }

    #[test]
    fn customer_and_channel_are_checked() {
        let mut e = FieldErrors::default();
        assert_eq!(
            parse_choice(&input("42", "phone"), &mut e),
            (Some(CustomerChoice::Existing(UserId(42))), Some(Channel::Phone))
        );
        assert_eq!(parse_choice(&input("new", "store"), &mut e), (Some(CustomerChoice::New), Some(Channel::Store)));
        assert!(e.is_empty());
        for (customer, channel, field, key) in [
            ("", "phone", "customer", "intake-error-customer"),
            ("-3", "phone", "customer", "intake-error-customer"),
            ("abc", "phone", "customer", "intake-error-customer"),
            ("new", "", "channel", "error-required"),
            ("new", "web", "channel", "error-choice"),
            ("new", "fax", "channel", "error-choice"),
        ] {
            let mut e = FieldErrors::default();
            parse_choice(&input(customer, channel), &mut e);
            assert_eq!(e.get(field).map(|f| f.key), Some(key), "{customer:?} {channel:?}");
        }
    }

    #[test]
    fn blank_contact_details_come_from_the_record() {
        let customer = users::User {
            id: UserId(1),
            role: Role::Customer,
            name: "王芳".into(),
            email: Some("wf@example.com".into()),
            phone: Some("13800138000".into()),
            company: None,
            password_hash: None,
            region: Some("上海".into()),
            skills: Vec::new(),
            available: true,
            created_at: Utc::now(),
        };
        let mut blank = TicketInput::default();
        fill_contact(&mut blank, &customer);
        assert_eq!((blank.contact_name.as_str(), blank.contact_phone.as_str()), ("王芳", "13800138000"));
        assert_eq!(blank.region, "上海");
        let mut typed =
            TicketInput {
                contact_name: "李先生".into(), contact_email: "li@example.com".into(), ..Default::default()
            };
        fill_contact(&mut typed, &customer);
        assert_eq!((typed.contact_name.as_str(), typed.contact_phone.as_str()), ("李先生", ""), "typed details win");
    }
}

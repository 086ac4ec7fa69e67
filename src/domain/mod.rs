//! Pure rules of the after-sales domain: no I/O here, so everything is unit-tested directly.

pub mod account_form;
pub mod analytics;
pub mod assignment;
pub mod attachment;
pub mod calendar;
pub mod cause;
pub mod ids;
pub mod keywords;
pub mod macros;
pub mod product;
pub mod search;
pub mod sign_in;
pub mod sla;
pub mod sla_settings;
pub mod table;
pub mod text_enum;
pub mod ticket;
pub mod ticket_form;
pub mod ticket_template;
pub mod user;
pub mod validate;
pub mod warranty;
pub mod withdrawal;
pub mod workflow;

pub use ids::{CompensationId, EventId, NotificationId, TicketId, UserId, WithdrawalId};
pub use ticket::{Channel, DesiredOutcome, TicketState, TicketType, Urgency};
pub use user::Role;
pub use workflow::{Action, Actor, Refusal};

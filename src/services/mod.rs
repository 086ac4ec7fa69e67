//! Use cases: each opens a transaction, asks `domain` what is allowed, calls
//! `store`, and writes the event. Handlers call exactly one of these.

pub mod accounts;
pub mod analytics;
pub mod approvals;
pub mod assignment;
pub mod attachments;
pub mod catalogue;
pub mod compensation;
pub mod duplicates;
pub mod exports;
pub mod follow_up;
pub mod intake;
pub mod lifecycle;
pub mod messages;
pub mod notify;
pub mod queue;
pub mod sla;
pub mod sla_settings;
pub mod templates;
pub mod tickets;
pub mod withdrawal;

use crate::domain::{Role, UserId};
use serde::{Deserialize, Serialize};

/// The signed-in person as the session remembers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub role: Role,
    pub name: String,
}

impl SessionUser {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
    pub fn is_supervisor(&self) -> bool {
        self.role == Role::Supervisor
    }
}

impl From<&crate::store::users::User> for SessionUser {
    fn from(u: &crate::store::users::User) -> Self {
        SessionUser { id: u.id, role: u.role, name: u.name.clone() }
    }
}

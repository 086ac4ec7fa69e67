//! People and their roles.

crate::text_enum! {
    /// What a person may do. A supervisor can do everything an agent can.
    Role, "role" {
        Customer => "customer",
        Agent => "agent",
        Supervisor => "supervisor",
    }
}

impl Role {
    /// Staff work the queue; customers use the portal.
    pub fn is_staff(self) -> bool {
        match self {
            Role::Customer => false,
            Role::Agent | Role::Supervisor => true,
        }
    }
}

//! Registration and staff-account forms, parsed into checked values.

use super::Role;
use super::validate::{CONTACT_NEEDED, Checker, FieldError, FieldErrors};
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN: usize = 8;
const PASSWORD_MAX: usize = 128;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountInput {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub company: String,
    pub region: String,
    pub skills: String,
    pub role: String,
    #[serde(skip_serializing)]
    pub password: String,
}

/// A new account that passed every check; the password is still plain text here
/// and is hashed by the accounts service.
#[derive(Debug, Clone)]
pub struct AccountDraft {
    pub role: Role,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub region: Option<String>,
    pub skills: Vec<String>,
    pub password: String,
}

impl AccountInput {
    /// A customer registering themselves (the role field is ignored).
    pub fn parse_customer(&self) -> Result<AccountDraft, FieldErrors> {
        self.parse(Some(Role::Customer))
    }

    /// A staff account made by a supervisor: the role must be agent or supervisor.
    pub fn parse_staff(&self) -> Result<AccountDraft, FieldErrors> {
        self.parse(None)
    }

    fn parse(&self, fixed_role: Option<Role>) -> Result<AccountDraft, FieldErrors> {
        let mut c = Checker::default();
        let role = match fixed_role {
            Some(role) => Some(role),
            None => c.choice("role", &self.role, Role::parse).filter(|r| {
                r.is_staff() || {
                    c.errors.add("role", super::validate::BAD_CHOICE);
                    false
                }
            }),
        };
        let name = c.required("name", &self.name, 50);
        let phone = c.phone("phone", &self.phone);
        let email = c.email("email", &self.email);
        if self.phone.trim().is_empty() && self.email.trim().is_empty() {
            c.errors.add("email", CONTACT_NEEDED);
        }
        let company = c.optional("company", &self.company, 100);
        let region = c.optional("region", &self.region, 50);
        let skills =
            self.skills.split([',', '，']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let len = self.password.chars().count();
        if len < PASSWORD_MIN {
            c.errors.add("password", FieldError { key: "error-password-short", max: Some(PASSWORD_MIN) });
        } else if len > PASSWORD_MAX {
            c.errors.add("password", FieldError { key: "error-too-long", max: Some(PASSWORD_MAX) });
        }
        match role {
            Some(role) if c.errors.is_empty() => {
                Ok(AccountDraft { role, name, phone, email, company, region, skills, password: self.password.clone() })
            }
            _ => Err(c.errors),
        }
    }
}

/// How people sign in: by email (any case) or phone number.
pub fn normalize_login(login: &str) -> String {
    let login = login.trim();
    if login.contains('@') { login.to_lowercase() } else { login.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_registration() {
        let input = AccountInput {
            name: "李雷".into(),
            email: "LiLei@Example.com".into(),
            password: "correct horse".into(),
            role: "supervisor".into(),
            ..Default::default()
        };
        let draft = input.parse_customer().unwrap();
        assert_eq!(draft.role, Role::Customer, "a customer cannot choose a role");
        assert_eq!(draft.email.as_deref(), Some("lilei@example.com"));

        let short = AccountInput { password: "short".into(), ..input.clone() };
        assert_eq!(short.parse_customer().unwrap_err().get("password").map(|e| e.key), Some("error-password-short"));
        let no_contact = AccountInput { email: String::new(), ..input };
        assert!(no_contact.parse_customer().unwrap_err().get("email").is_some());
    }

    #[test]
    fn staff_roles_only() {
        let mut input = AccountInput {
            name: "张工".into(),
            phone: "13900000001".into(),
            password: "password123".into(),
            role: "customer".into(),
            skills: "fault_repair， maintenance".into(),
            ..Default::default()
        };
        assert!(input.parse_staff().unwrap_err().get("role").is_some());
        input.role = "agent".into();
        let draft = input.parse_staff().unwrap();
        assert_eq!(draft.skills, vec!["fault_repair", "maintenance"]);
    }
}

//! Who is signed in, and role extractors: a handler states the role it needs as
//! an argument (`Staff`, `Supervisor`, `Customer`), so no handler can forget it.

use crate::domain::Role;
use crate::error::AppError;
use crate::services::SessionUser;
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

const USER_KEY: &str = "user";
const CSRF_KEY: &str = "csrf";

pub fn current_user(session: &Session) -> Option<SessionUser> {
    session.get::<SessionUser>(USER_KEY).ok().flatten()
}

/// Signs in: a new session (fresh id and CSRF token) holding the user.
pub fn sign_in(session: &Session, user: &SessionUser) -> Result<(), AppError> {
    session.renew();
    session.remove(CSRF_KEY);
    session.insert(USER_KEY, user).map_err(AppError::internal)
}

pub fn sign_out(session: &Session) {
    session.purge();
}

/// The session's CSRF token, made on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return token;
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    // A failure here only means the next form will be refused with a clear message.
    let _ = session.insert(CSRF_KEY, &token);
    token
}

pub fn expected_csrf(session: &Session) -> Option<String> {
    session.get::<String>(CSRF_KEY).ok().flatten()
}

fn extract(req: &HttpRequest, allowed: impl Fn(Role) -> bool) -> Result<SessionUser, AppError> {
    let user = current_user(&req.get_session()).ok_or(AppError::Unauthenticated)?;
    if allowed(user.role) { Ok(user) } else { Err(AppError::Forbidden) }
}

macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, $allowed:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub SessionUser);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Ready<Result<Self, AppError>>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(extract(req, $allowed).map($name))
            }
        }
    };
}

role_extractor!(
    /// Anyone signed in.
    SignedIn,
    |_| true
);
role_extractor!(
    /// A customer on the portal.
    Customer,
    |r| r == Role::Customer
);
role_extractor!(
    /// An agent or a supervisor.
    Staff,
    Role::is_staff
);
role_extractor!(
    /// A supervisor.
    Supervisor,
    |r| r == Role::Supervisor
);

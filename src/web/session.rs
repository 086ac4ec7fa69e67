//! Who is signed in, and role extractors: a handler states the role it needs as
//! an argument (`Staff`, `Supervisor`, `Customer`), so no handler can forget it.
//!
//! The cookie names a server-side session (a row of `sessions`); `check`, a middleware, makes sure on every request
//! that it is still live — not signed out (here or from a copy of the cookie), not idle too long, not too old, its
//! account not disabled — and that the person's role and name are what the account says now. Each instance trusts its
//! last answer for a few seconds (`AFTERSALES_SESSION_CHECK_SECONDS`), so most pages cost no extra query; an ending
//! on this instance forgets the answer at once, one on another instance is seen here within those seconds.

use crate::domain::{Role, UserId};
use crate::error::{AppError, AppResult};
use crate::services::SessionUser;
use crate::startup::AppState;
use crate::store::sessions as store;
use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, web};
use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const USER_KEY: &str = "user";
const CSRF_KEY: &str = "csrf";
const SID_KEY: &str = "sid";
/// Checked sessions remembered at most, per instance (stale ones are dropped when there are more).
const CACHE_SIZE: usize = 50_000;

/// This instance's recent checks of sessions, and how long sessions live.
pub struct Sessions {
    idle_minutes: i32,
    max_days: i32,
    trust: Duration,
    checked: Mutex<HashMap<String, Checked>>,
}

struct Checked {
    at: Instant,
    user: UserId,
    live: Option<SessionUser>,
}

impl Sessions {
    pub fn new(idle_minutes: u32, max_days: u32, check_seconds: u32) -> Sessions {
        Sessions {
            idle_minutes: i32::try_from(idle_minutes).unwrap_or(i32::MAX),
            max_days: i32::try_from(max_days).unwrap_or(i32::MAX),
            trust: Duration::from_secs(check_seconds.into()),
            checked: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Checked>> {
        self.checked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last answer for `sid`, if it is recent enough to trust.
    fn recent(&self, sid: &str) -> Option<Option<SessionUser>> {
        self.cache().get(sid).filter(|c| c.at.elapsed() < self.trust).map(|c| c.live.clone())
    }

    fn remember(&self, sid: &str, user: UserId, live: Option<SessionUser>) {
        let mut cache = self.cache();
        if cache.len() >= CACHE_SIZE {
            cache.retain(|_, c| c.at.elapsed() < self.trust);
        }
        cache.insert(sid.to_owned(), Checked { at: Instant::now(), user, live });
    }

    fn forget(&self, sid: &str) {
        self.cache().remove(sid);
    }

    fn forget_user(&self, user: UserId) {
        self.cache().retain(|_, c| c.user != user);
    }

    /// The person behind `sid` as the account says now, or `None` when the session is over.
    async fn live(&self, state: &AppState, sid: &str, user: UserId) -> AppResult<Option<SessionUser>> {
        if let Some(live) = self.recent(sid) {
            return Ok(live);
        }
        let mut conn = state.pool.get().await?;
        let row = store::touch(&mut conn, sid, self.idle_minutes, self.max_days).await?;
        let live = row.and_then(|r| {
            let role = Role::parse(&r.role).ok()?;
            Some(SessionUser { id: UserId(r.user_id), role, name: r.name })
        });
        self.remember(sid, user, live.clone());
        Ok(live)
    }
}

/// The middleware: a session that is over signs the person out (the CSRF token stays, so a form sent from it gets
/// the sign-in page, not a CSRF refusal); a changed role or name takes effect at once.
pub async fn check<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let session = req.get_session();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let (Some(user), Some(state)) = (current_user(&session), state) {
        let sid = session.get::<String>(SID_KEY).ok().flatten();
        let live = match &sid {
            Some(sid) => state.sessions.live(&state, sid, user.id).await,
            None => Ok(None),
        };
        match live {
            Ok(Some(now)) if now == user => {}
            Ok(Some(now)) => session.insert(USER_KEY, &now).map_err(AppError::internal)?,
            Ok(None) => {
                session.remove(USER_KEY);
                session.remove(SID_KEY);
            }
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

pub fn current_user(session: &Session) -> Option<SessionUser> {
    session.get::<SessionUser>(USER_KEY).ok().flatten()
}

/// Signs in: a new session (a new row, fresh cookie and CSRF token) holding the user.
pub async fn sign_in(state: &AppState, session: &Session, user: &SessionUser) -> AppResult<()> {
    let sid = hex::encode(rand::random::<[u8; 32]>());
    let mut conn = state.pool.get().await?;
    store::create(&mut conn, &sid, user.id).await?;
    session.renew();
    session.remove(CSRF_KEY);
    session.insert(SID_KEY, &sid).map_err(AppError::internal)?;
    session.insert(USER_KEY, user).map_err(AppError::internal)
}

/// Signs out: the session ends in the database too, so a copy of the cookie no longer works.
pub async fn sign_out(state: &AppState, session: &Session) -> AppResult<()> {
    if let Ok(Some(sid)) = session.get::<String>(SID_KEY) {
        let mut conn = state.pool.get().await?;
        store::revoke(&mut conn, &sid).await?;
        state.sessions.forget(&sid);
    }
    session.purge();
    Ok(())
}

/// Ends every session of `user` (on every instance within the check interval; on this one at once).
pub async fn end_all(state: &AppState, conn: &mut crate::store::Conn, user: UserId) -> AppResult<()> {
    store::revoke_all(conn, user).await?;
    state.sessions.forget_user(user);
    Ok(())
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

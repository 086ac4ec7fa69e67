//! Accounts: registration, staff accounts, signing in with rate limiting.

use crate::db::Pool;
use crate::domain::account_form::{AccountDraft, normalize_login};
use crate::domain::sign_in;
use crate::domain::validate::{FieldError, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{known_devices, login_failures, sessions, users};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::Utc;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use std::sync::LazyLock;

/// Password hashes computed at once, at most. Each takes argon2's 19 MiB and a core for tens of milliseconds: a burst
/// of sign-ins waits its turn here instead of taking every core and a block of memory per request.
const HASHING_AT_ONCE: usize = 2;

/// Runs `work` off the async threads, once a hashing turn is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHING_AT_ONCE);
    let _turn = TURNS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

/// Hashes off the async threads: argon2 is deliberately slow.
pub async fn hash_password(password: String) -> AppResult<String> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(AppError::internal)
}

/// Verifies off the async threads. Unknown accounts are checked against a dummy
/// hash so that the answer takes as long as for a real account.
async fn verify_password(password: String, hash: Option<String>) -> AppResult<bool> {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(b"no such account", &salt).map(|h| h.to_string()).unwrap_or_default()
    });
    hashing(move || {
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => (DUMMY.clone(), false),
        };
        let ok = PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && real
    })
    .await
}

/// Creates the account; a taken email or phone comes back as a field error.
pub async fn create(pool: &Pool, draft: AccountDraft) -> AppResult<users::User> {
    let hash = hash_password(draft.password.clone()).await?;
    let mut conn = pool.get().await?;
    let new = users::NewUser {
        role: draft.role,
        name: &draft.name,
        email: draft.email.as_deref(),
        phone: draft.phone.as_deref(),
        company: draft.company.as_deref(),
        password_hash: Some(&hash),
        region: draft.region.as_deref(),
        skills: &draft.skills,
    };
    users::insert(&mut conn, &new).await.map_err(|e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let field = if info.constraint_name() == Some("users_phone_key") { "phone" } else { "email" };
            let mut errors = FieldErrors::default();
            errors.add(field, FieldError::new("error-account-exists"));
            AppError::Invalid(errors)
        }
        other => AppError::from(other),
    })
}

/// One sign-in attempt: what was typed, where from, and the browser's known-device token if it has one.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub login: &'a str,
    pub password: &'a str,
    pub address: &'a str,
    pub device_token: Option<&'a str>,
}

/// A successful sign-in, and the known-device token the browser is to keep (its own, or a new one).
#[derive(Debug)]
pub struct SignedIn {
    pub user: users::User,
    pub device_token: String,
}

/// Checks a sign-in under the limiter (`domain::sign_in`). Wrong credentials → `Invalid` (with a message for the
/// form); an attempt that must still wait → `TooManyAttempts`, without checking the password.
pub async fn authenticate(pool: &Pool, credentials: Credentials<'_>) -> AppResult<SignedIn> {
    let account = normalize_login(credentials.login);
    let device_hash = credentials.device_token.map(token_hash);
    let mut conn = pool.get().await?;
    let user = if account.is_empty() { None } else { users::find_by_login(&mut conn, &account).await? };
    let known = match (&user, &device_hash) {
        (Some(user), Some(hash)) => known_devices::is_known(&mut conn, hash, user.id).await?,
        _ => false,
    };
    let device = device_hash.as_deref().filter(|_| known);
    let attempt =
        login_failures::attempt(&mut conn, &account, credentials.address, device, Utc::now() - sign_in::WINDOW).await?;
    if let Some(wait) = attempt.wait(Utc::now()) {
        return Err(AppError::TooManyAttempts { wait_seconds: wait.num_seconds().max(1).unsigned_abs() });
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    drop(conn); // don't hold a connection while hashing
    let ok = verify_password(credentials.password.to_owned(), hash).await?;
    let mut conn = pool.get().await?;
    match user {
        Some(user) if ok => {
            login_failures::clear_account(&mut conn, &account).await?;
            // Said only to whoever knows the password: a stranger learns nothing about the account.
            if !sessions::disabled_among(&mut conn, &[user.id]).await?.is_empty() {
                let mut errors = FieldErrors::default();
                errors.add("login", FieldError::new("error-account-disabled"));
                return Err(AppError::Invalid(errors));
            }
            let device_token = match credentials.device_token {
                Some(token) => token.to_owned(),
                None => hex::encode(rand::random::<[u8; 32]>()),
            };
            known_devices::remember(&mut conn, &token_hash(&device_token), user.id).await?;
            Ok(SignedIn { user, device_token })
        }
        _ => {
            // A device past its own failures counts with the strangers again.
            let device = device.filter(|_| attempt.known_device());
            login_failures::record(&mut conn, &account, credentials.address, device).await?;
            let mut errors = FieldErrors::default();
            errors.add("login", FieldError::new("error-login-failed"));
            Err(AppError::Invalid(errors))
        }
    }
}

/// What the database keeps of a known-device token: a stolen copy of the table names no browser.
fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A person's message choices, as their settings page shows them.
pub async fn preferences(pool: &Pool, me: &super::SessionUser) -> AppResult<users::Contact> {
    let mut conn = pool.get().await?;
    Ok(users::contact(&mut conn, me.id).await?)
}

/// Saves the signed-in person's own choices: email or not, and the language
/// of their messages. There is no way to name another person.
pub async fn save_preferences(pool: &Pool, me: &super::SessionUser, email: bool, lang: Lang) -> AppResult<()> {
    let mut conn = pool.get().await?;
    Ok(users::set_preferences(&mut conn, me.id, email, lang.code()).await?)
}

/// The person switched the page language: their messages follow.
pub async fn set_language(pool: &Pool, me: &super::SessionUser, lang: Lang) -> AppResult<()> {
    let mut conn = pool.get().await?;
    Ok(users::set_language(&mut conn, me.id, lang.code()).await?)
}

/// A supervisor disables (or enables again) an account, with an event: a disabled account cannot sign in and its
/// sessions end at once. Supervisors cannot disable themselves (someone must be left to enable them).
pub async fn set_disabled(
    state: &crate::startup::AppState,
    by: &super::SessionUser,
    user: crate::domain::UserId,
    disabled: bool,
) -> AppResult<()> {
    use diesel_async::AsyncConnection;
    if disabled && by.id == user {
        return Err(AppError::Conflict("account-error-disable-self"));
    }
    let mut conn = state.pool.get().await?;
    users::find(&mut conn, user).await.map_err(|e| match e {
        DieselError::NotFound => AppError::NotFound,
        other => AppError::from(other),
    })?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if sessions::set_disabled(conn, user, disabled).await? {
            let kind = if disabled { sessions::kind::DISABLED } else { sessions::kind::ENABLED };
            sessions::record(conn, user, Some(by.id), kind).await?;
        }
        Ok(())
    })
    .await?;
    if disabled {
        crate::web::session::end_all(state, &mut conn, user).await?;
    }
    Ok(())
}

/// The person ends all their sessions, this one too, with an event.
pub async fn sign_out_everywhere(state: &crate::startup::AppState, me: &super::SessionUser) -> AppResult<()> {
    let mut conn = state.pool.get().await?;
    crate::web::session::end_all(state, &mut conn, me.id).await?;
    Ok(sessions::record(&mut conn, me.id, Some(me.id), sessions::kind::SIGNED_OUT_EVERYWHERE).await?)
}

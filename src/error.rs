//! One error type for the whole app, each variant with its HTTP status.
//!
//! The response carries only the status and a message key; the `render_errors`
//! middleware in `web::errors` turns it into a page (or an htmx fragment) in the
//! person's language, so no handler renders errors itself.

use crate::domain::Refusal;
use crate::domain::validate::FieldErrors;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// Someone else changed the thing first; the key says what to tell the user.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Too many failed sign-ins lately: this one must wait.
    #[error("too many failed attempts")]
    TooManyAttempts { wait_seconds: u64 },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    /// The i18n key of the message people see.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error-not-found",
            AppError::Unauthenticated => "error-unauthenticated",
            AppError::Forbidden => "error-forbidden",
            AppError::Csrf => "error-csrf",
            AppError::Refused(refusal) => refusal.message_key(),
            AppError::Conflict(key) => key,
            AppError::Invalid(_) => "error-invalid",
            AppError::BadRequest(key) => key,
            AppError::TooManyAttempts { .. } => "error-too-many-attempts",
            AppError::Unavailable(_) => "error-unavailable",
            AppError::Database(diesel::result::Error::NotFound) => "error-not-found",
            AppError::Database(_) | AppError::Internal(_) => "error-internal",
        }
    }
}

/// Attached to error responses so the rendering middleware knows what to say.
#[derive(Debug, Clone, Copy)]
pub struct ErrorMessage(pub &'static str);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Database(diesel::result::Error::NotFound) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            // Who may do it at all is a permission; the ticket's state is a conflict.
            AppError::Refused(Refusal::NotYourRole | Refusal::NotAssignee) => StatusCode::FORBIDDEN,
            AppError::Refused(_) | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = HttpResponse::build(status);
        res.content_type("text/plain; charset=utf-8");
        if let AppError::TooManyAttempts { wait_seconds } = self {
            res.insert_header((actix_web::http::header::RETRY_AFTER, wait_seconds.to_string()));
        }
        let mut res = res.body(self.message_key());
        res.extensions_mut().insert(ErrorMessage(self.message_key()));
        res
    }
}

/// A database error is the database going away (503, try again) rather than a fault of ours (500) when the
/// connection broke or closed, a statement ran out of its time, or the server is stopping, starting or not there.
/// diesel-async reports a connection that went away as `UnableToSendCommand` (or `ClosedConnection`), a broken
/// transaction as `BrokenTransactionManager`, and a server's own refusals as `Unknown` with its message only (the
/// SQLSTATE is not kept), so those are told by the message: 57014 (statement timeout, cancelled), 57P01-57P03 (admin
/// shutdown, crash shutdown, cannot connect now), 25P03 (idle in transaction), class 08 (connection exception).
pub fn is_unavailable(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    const GONE: &[&str] = &[
        "canceling statement due to statement timeout",
        "canceling statement due to user request",
        "terminating connection",
        "the database system is",
        "connection closed",
        "connection reset",
        "broken pipe",
        "error communicating with the server",
        "server closed the connection",
        "could not receive data",
        "could not send data",
        "timeout",
    ];
    match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            GONE.iter().any(|gone| message.contains(gone))
        }
        Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit { rollback_error, commit_error } => {
            is_unavailable(rollback_error) || is_unavailable(commit_error)
        }
        Error::RollbackTransaction => false,
        _ => false,
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        if is_unavailable(&e) { AppError::Unavailable(e.to_string()) } else { AppError::Database(e) }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn the_database_going_away_is_503_and_our_faults_stay_500() {
        let away = [
            db(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            db(DatabaseErrorKind::ClosedConnection, "closed"),
            db(DatabaseErrorKind::Unknown, "canceling statement due to statement timeout"),
            db(DatabaseErrorKind::Unknown, "terminating connection due to administrator command"),
            db(DatabaseErrorKind::Unknown, "the database system is shutting down"),
            Error::BrokenTransactionManager,
        ];
        for error in away {
            let text = error.to_string();
            assert_eq!(AppError::from(error).status_code(), StatusCode::SERVICE_UNAVAILABLE, "{text}");
        }
        let ours = [
            db(DatabaseErrorKind::Unknown, "syntax error at or near \"SELEC\""),
            db(DatabaseErrorKind::UniqueViolation, "duplicate key value violates unique constraint"),
            db(DatabaseErrorKind::CheckViolation, "new row violates check constraint"),
        ];
        for error in ours {
            let text = error.to_string();
            assert_eq!(AppError::from(error).status_code(), StatusCode::INTERNAL_SERVER_ERROR, "{text}");
        }
        assert_eq!(AppError::from(Error::NotFound).status_code(), StatusCode::NOT_FOUND);
    }
}

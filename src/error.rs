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
    #[error("too many failed attempts")]
    TooManyAttempts,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
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
            AppError::TooManyAttempts => "error-too-many-attempts",
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
            AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(self.message_key());
        res.extensions_mut().insert(ErrorMessage(self.message_key()));
        res
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

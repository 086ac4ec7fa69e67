//! 问题复现 on the new-ticket form: `?follow_up=AS…` pre-fills it from the
//! earlier ticket, a hidden field carries the number to filing, and a refusal
//! (the earlier ticket is still open) is shown on the form.

use super::context::Page;
use crate::domain::Channel;
use crate::domain::ticket_form::{TicketDraft, TicketInput};
use crate::error::{AppError, AppResult};
use crate::services::SessionUser;
use crate::services::follow_up as service;
use crate::services::tickets as ticket_service;
use crate::startup::AppState;
use crate::store::Conn;
use crate::store::tickets::Ticket;
use actix_web::ResponseError;
use actix_web::http::StatusCode;
use serde::Deserialize;

/// `?follow_up=AS…` on the form, and the hidden field of the same name when filing.
#[derive(Debug, Default, Deserialize)]
pub struct FollowUpParam {
    #[serde(default)]
    pub follow_up: String,
}

impl FollowUpParam {
    /// The earlier ticket's number, if this is a follow-up.
    pub fn number(&self) -> Option<&str> {
        Some(self.follow_up.trim()).filter(|n| !n.is_empty())
    }
}

/// The follow-up part of the new-ticket form.
#[derive(Debug, Default)]
pub struct FollowUpForm {
    /// The earlier ticket: the form's hidden field and its notice.
    pub of: Option<String>,
    /// Why no follow-up of the ticket asked for can be filed (shown on the
    /// form, with a link to that ticket).
    pub refused: Option<(String, String)>,
    /// The status the form answers with.
    pub status: StatusCode,
}

impl FollowUpForm {
    /// The form as filed again after bad input.
    pub fn keep(param: &FollowUpParam) -> FollowUpForm {
        FollowUpForm { of: param.number().map(str::to_owned), ..FollowUpForm::default() }
    }

    /// Pre-fills `form` from the earlier ticket the query names, if any. A
    /// ticket the customer may not see is "not found"; one still open gives
    /// the plain form with the reason on top.
    pub async fn prefill(
        conn: &mut Conn,
        param: &FollowUpParam,
        me: &SessionUser,
        page: &Page,
        form: &mut TicketInput,
    ) -> AppResult<FollowUpForm> {
        let Some(number) = param.number() else {
            return Ok(FollowUpForm::default());
        };
        match service::prefill(conn, number, me, page.lang).await {
            Ok(prefilled) => {
                *form = prefilled;
                Ok(FollowUpForm { of: Some(number.to_owned()), ..FollowUpForm::default() })
            }
            Err(e) => FollowUpForm::refused(e, param, page),
        }
    }

    /// A refusal shown on the form (other errors pass on).
    pub fn refused(e: AppError, param: &FollowUpParam, page: &Page) -> AppResult<FollowUpForm> {
        match (e, param.number()) {
            (e @ (AppError::Refused(_) | AppError::Conflict(_)), Some(number)) => Ok(FollowUpForm {
                of: None,
                refused: Some((number.to_owned(), page.t(e.message_key()))),
                status: e.status_code(),
            }),
            (other, _) => Err(other),
        }
    }
}

/// Files the customer's ticket from the portal: a follow-up if the form names an earlier ticket.
pub async fn file(state: &AppState, me: &SessionUser, param: &FollowUpParam, draft: &TicketDraft) -> AppResult<Ticket> {
    let mut conn = state.pool.get().await?;
    let now = chrono::Utc::now();
    match param.number() {
        Some(earlier) => service::file(&mut conn, earlier, me, Channel::Web, draft, now, state.tz).await,
        None => ticket_service::file(&mut conn, me, Channel::Web, draft, now, state.tz).await,
    }
}

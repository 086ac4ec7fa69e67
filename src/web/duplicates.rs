//! Duplicates over HTTP: the "you may already have AS…" fragment of the
//! new-ticket form, the merge action of the ticket page, and the links that
//! merge entries carry in the progress log.

use super::context::Page;
use super::render;
use super::session::{Customer, Staff};
use super::tickets::{OnTicket, Retry};
use crate::error::AppResult;
use crate::services::duplicates::{self as service, HintInput, MERGED_EVENT, MergeInput};
use crate::startup::AppState;
use crate::store::duplicates::SimilarTicket;
use crate::store::events::EventView;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The merge form's name in `Retry`.
const MERGE_FORM: &str = "merge";

#[derive(Template)]
#[template(path = "portal/similar_partial.html")]
struct SimilarPartial {
    page: Page,
    similar: Vec<SimilarTicket>,
}

/// `GET /portal/tickets/similar?product_model=…&serial_number=…&title=…`:
/// the customer's own open tickets like the one being typed, as a fragment
/// for the new-ticket form (empty when there are none).
pub async fn similar(
    Customer(me): Customer,
    page: Page,
    state: web::Data<AppState>,
    input: web::Query<HintInput>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let similar = service::hint(&mut conn, &me, &input, chrono::Utc::now()).await?;
    render(&SimilarPartial { page, similar })
}

/// `POST /tickets/{number}/merge`: merges this ticket into the one named in the form.
pub async fn merge(
    Staff(me): Staff,
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
    form: web::Form<MergeInput>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let result = service::merge(&mut conn, &number, &me, &form).await;
    drop(conn);
    let typed = retry_text(&form);
    OnTicket { req: &req, state: &state, page: &page, me: &me, number: &number }.after(result, MERGE_FORM, &typed).await
}

/// The merge form has two fields and `Retry` keeps one text: the number goes
/// on the first line (a one-line input), the note after it.
fn retry_text(form: &MergeInput) -> String {
    let into: String = form.into.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    format!("{into}\n{}", form.note)
}

impl Retry {
    /// What was typed as the surviving ticket's number, if the merge form failed.
    pub fn merge_into_value(&self) -> &str {
        self.text_for(MERGE_FORM).split_once('\n').map_or("", |(into, _)| into)
    }

    /// The note typed in the merge form, if it failed.
    pub fn merge_note_value(&self) -> &str {
        self.text_for(MERGE_FORM).split_once('\n').map_or("", |(_, note)| note)
    }
}

/// Where a merge entry of the log points.
pub struct MergeLink {
    /// This ticket went into `number` (else `number` went into this one).
    pub into: bool,
    pub number: String,
}

impl EventView {
    /// The other ticket of a merge entry.
    pub fn merge_link(&self) -> Option<MergeLink> {
        if self.event.kind != MERGED_EVENT {
            return None;
        }
        let number = |key: &str| self.event.data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        match (number("into_number"), number("from_number")) {
            (Some(number), _) => Some(MergeLink { into: true, number }),
            (None, Some(number)) => Some(MergeLink { into: false, number }),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_merge_fields_come_back_after_a_problem() {
        let form = MergeInput { version: None, into: "AS1\n".into(), note: "第一行\n第二行".into() };
        let retry = Retry { form: MERGE_FORM, text: retry_text(&form), ..Retry::default() };
        assert_eq!(retry.merge_into_value(), "AS1");
        assert_eq!(retry.merge_note_value(), "第一行\n第二行");
        assert_eq!(Retry::default().merge_into_value(), "");
    }
}

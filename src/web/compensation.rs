//! Compensation on the ticket page: staff record what was given, and record
//! it as returned once a withdrawal asked for it back. Both swap the ticket's
//! main part (htmx) or post and redirect back.

use super::context::{Choice, Page};
use super::session::Staff;
use super::tickets::{Retry, TicketCall};
use crate::domain::CompensationId;
use crate::domain::withdrawal::CompensationKind;
use crate::error::AppResult;
use crate::services::compensation::{self as service, CompensationInput};
use actix_web::{HttpResponse, web};

/// The record form's name in `Retry`.
const FORM: &str = "compensation";

/// `POST /tickets/{number}/compensations`: the assignee or a supervisor records compensation given.
pub async fn record(Staff(me): Staff, call: TicketCall, form: web::Form<CompensationInput>) -> AppResult<HttpResponse> {
    let mut conn = call.conn().await?;
    let result = service::record(&mut conn, call.number(), &me, &form, chrono::Utc::now()).await;
    drop(conn);
    call.on(&me).after(result, FORM, &retry_text(&form)).await
}

/// `POST /tickets/{number}/compensations/{id}/returned`: any staff member
/// records that compensation due for return came back.
pub async fn returned(Staff(me): Staff, call: TicketCall, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let id = CompensationId(path.1);
    let mut conn = call.conn().await?;
    let result = service::mark_returned(&mut conn, call.number(), &me, id, chrono::Utc::now()).await;
    drop(conn);
    call.on(&me).after(result, "", "").await
}

/// The form has three fields and `Retry` keeps one text: the kind and the
/// amount (one-line fields) go on the first two lines, the description after.
fn retry_text(form: &CompensationInput) -> String {
    let line = |s: &str| s.chars().filter(|c| *c != '\n' && *c != '\r').collect::<String>();
    format!("{}\n{}\n{}", line(&form.kind), line(&form.amount), form.description)
}

impl Retry {
    /// The record form's fields as typed, if it failed: kind, amount, description.
    fn compensation_typed(&self) -> [&str; 3] {
        let mut parts = self.text_for(FORM).splitn(3, '\n');
        [(); 3].map(|_| parts.next().unwrap_or_default())
    }

    pub fn compensation_kinds(&self, page: &Page) -> Vec<Choice> {
        page.choices(CompensationKind::ALL, self.compensation_typed()[0])
    }

    pub fn compensation_amount(&self) -> &str {
        self.compensation_typed()[1]
    }

    pub fn compensation_description(&self) -> &str {
        self.compensation_typed()[2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_comes_back_after_a_problem() {
        let form = CompensationInput {
            version: None,
            kind: "refund".into(),
            amount: "12,5\n".into(),
            description: "退差价\n第二行".into(),
        };
        let retry = Retry { form: FORM, text: retry_text(&form), ..Retry::default() };
        assert_eq!(retry.compensation_typed(), ["refund", "12,5", "退差价\n第二行"]);
        assert_eq!(Retry::default().compensation_typed(), ["", "", ""]);
    }
}

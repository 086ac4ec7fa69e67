//! The counts in the navigation (unread notifications for everyone, requests
//! waiting for approval for supervisors). Pages do not count: the top bar asks
//! `GET /nav/badges` with htmx when it loads, every 30 s, and when an action
//! says the counts changed; the answer fills the badges out of band. Without
//! JavaScript the links work the same, only without a number.

use super::context::Page;
use super::render;
use super::session::SignedIn;
use crate::error::AppResult;
use crate::i18n::Arg;
use crate::startup::AppState;
use crate::store::{notifications, withdrawals};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

/// The htmx event that makes the top bar ask for its counts again.
const CHANGED: &str = "badges-changed";

/// Marks a response to an action that changed the counts (`HX-Trigger`).
pub fn changed(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(header::HeaderName::from_static("hx-trigger"), header::HeaderValue::from_static(CHANGED));
    res
}

/// One count: the number to show and the words a screen reader says.
pub struct Count {
    pub number: i64,
    pub spoken: String,
}

#[derive(Template)]
#[template(path = "nav/badges_partial.html")]
struct Badges {
    unread: Option<Count>,
    /// `None` for people who do not approve: their answer has no approvals badge at all.
    approvals: Option<Option<Count>>,
}

impl Badges {
    /// Something waits: the collapsed menu on a phone shows a dot, so the counts inside are not missed.
    fn anything(&self) -> bool {
        self.unread.is_some() || matches!(self.approvals, Some(Some(_)))
    }
}

/// A count worth showing (zero shows nothing).
fn count(page: &Page, key: &str, number: i64) -> Option<Count> {
    (number > 0).then(|| Count { number, spoken: page.t_args(key, &[("count", Arg::from(number))]) })
}

pub async fn badges(SignedIn(me): SignedIn, page: Page, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let unread = count(&page, "badge-unread", notifications::unread_count(&mut conn, me.id).await?);
    let approvals = if me.is_supervisor() {
        Some(count(&page, "badge-approvals", withdrawals::count_with_supervisors(&mut conn).await?))
    } else {
        None
    };
    let mut res = render(&Badges { unread, approvals })?;
    // Counts are of this moment and this person: never from a cache.
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(res)
}

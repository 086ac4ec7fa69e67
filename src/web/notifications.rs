//! 通知: a person's in-app notifications, newest first, each written in the
//! reader's language from its kind and facts; marking one read (and going to
//! its ticket) or all of them. Only the person's own: another's is "not found".

use super::context::Page;
use super::session::SignedIn;
use super::{is_htmx, render, see_other};
use crate::domain::NotificationId;
use crate::domain::withdrawal::{DisputeReason, Referral, WithdrawalReason};
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::startup::AppState;
use crate::store::notifications::{self, Listed};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Notifications per page.
pub const PAGE_SIZE: i64 = 30;

/// One notification as the reader sees it.
pub struct Item {
    pub id: NotificationId,
    pub text: String,
    /// A supervisor's note (approval or rejection), shown under the message.
    pub note: Option<String>,
    /// The facts worth a line each: the reason, why a supervisor decides.
    pub details: Vec<String>,
    /// By when someone must answer.
    pub due: Option<String>,
    pub at: DateTime<Utc>,
    pub unread: bool,
    pub ticket_number: Option<String>,
}

impl Item {
    fn new(page: &Page, listed: Listed) -> Item {
        let n = listed.notification;
        let data = &n.data;
        let text_of = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty());
        let number = listed.ticket_number.clone().unwrap_or_default();
        let text = page.t_args(&format!("notice-{}", n.kind), &[("number", Arg::from(number))]);
        let mut details = Vec::new();
        if let Some(reason) = text_of("reason").and_then(|c| WithdrawalReason::parse(c).ok()) {
            details.push(detail(page, "notifications-reason", page.label(reason)));
        }
        if let Some(referral) = text_of("referral").and_then(|c| Referral::parse(c).ok()) {
            details.push(detail(page, "notifications-referral", page.label(referral)));
        }
        if let Some(dispute) = text_of("dispute_reason").and_then(|c| DisputeReason::parse(c).ok()) {
            details.push(detail(page, "notifications-dispute", page.label(dispute)));
        }
        let at = |key: &str| text_of(key).and_then(|d| DateTime::parse_from_rfc3339(d).ok());
        let due = at("due").map(|d| detail(page, "notifications-due", page.time(&d.with_timezone(&Utc))));
        // The first response promised at filing.
        let due = due.or_else(|| {
            at("promised").map(|d| detail(page, "notifications-promised", page.time(&d.with_timezone(&Utc))))
        });
        Item {
            id: n.id,
            text,
            note: text_of("note").map(str::to_owned),
            details,
            due,
            at: n.created_at,
            unread: n.read_at.is_none(),
            ticket_number: listed.ticket_number,
        }
    }
}

fn detail(page: &Page, key: &str, value: String) -> String {
    page.t_args(key, &[("value", Arg::from(value))])
}

#[derive(Template)]
#[template(path = "notifications/index.html")]
struct NotificationsPage<'a> {
    page: &'a Page,
    list: &'a str,
    any_unread: bool,
}

#[derive(Template)]
#[template(path = "notifications/list_partial.html")]
struct NotificationsList<'a> {
    page: &'a Page,
    items: Vec<Item>,
    next_href: Option<String>,
}

#[derive(Template)]
#[template(path = "notifications/item_partial.html")]
struct ItemPartial<'a> {
    page: &'a Page,
    item: Item,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    before: String,
}

/// `GET /notifications`: the newest first, 30 at a time.
pub async fn index(
    SignedIn(me): SignedIn,
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> AppResult<HttpResponse> {
    let before = match params.before.as_str() {
        "" => None,
        text => Some(NotificationId(text.parse().map_err(|_| AppError::BadRequest("error-bad-cursor"))?)),
    };
    let mut conn = state.pool.get().await?;
    let mut rows = notifications::list(&mut conn, me.id, before, PAGE_SIZE + 1).await?;
    let any_unread = notifications::unread_count(&mut conn, me.id).await? > 0;
    drop(conn);
    let next_href = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| format!("/notifications?before={}", r.notification.id))
    } else {
        None
    };
    let items = rows.into_iter().map(|r| Item::new(&page, r)).collect();
    let list = NotificationsList { page: &page, items, next_href };
    if is_htmx(&req) && req.headers().get("HX-Target").is_some_and(|t| t == "notifications-list") {
        return render(&list);
    }
    let list = list.render().map_err(AppError::internal)?;
    render(&NotificationsPage { page: &page, list: &list, any_unread })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReadForm {
    /// Where a plain form goes next: "list" stays on the list; else the ticket.
    then: String,
}

/// `POST /notifications/{id}/read`: marks it read and opens its ticket (plain
/// form), or answers with the updated item (htmx).
pub async fn mark_read(
    SignedIn(me): SignedIn,
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Option<web::Form<ReadForm>>,
) -> AppResult<HttpResponse> {
    let id = NotificationId(id.into_inner());
    let mut conn = state.pool.get().await?;
    notifications::mark_read(&mut conn, me.id, id, Utc::now()).await?.ok_or(AppError::NotFound)?;
    let listed = notifications::find(&mut conn, me.id, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    if is_htmx(&req) {
        let item = Item::new(&page, listed);
        return Ok(super::badges::changed(render(&ItemPartial { page: &page, item })?));
    }
    Ok(match listed.ticket_number {
        Some(number) if form.is_none_or(|f| f.then != "list") => see_other(&format!("/tickets/{number}")),
        _ => see_other("/notifications"),
    })
}

/// `POST /notifications/read-all`.
pub async fn read_all(
    SignedIn(me): SignedIn,
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    notifications::mark_all_read(&mut conn, me.id, Utc::now()).await?;
    drop(conn);
    if !is_htmx(&req) {
        return Ok(see_other("/notifications"));
    }
    // The first page again, every item now read.
    let list = index(SignedIn(me), req, page, state, web::Query(ListParams::default())).await?;
    Ok(super::badges::changed(list))
}

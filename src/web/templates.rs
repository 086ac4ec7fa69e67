//! Templates shared by every area: the error page and the error fragment.

use super::context::Page;
use askama::Template;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub page: &'a Page,
    pub status: u16,
    pub message: &'a str,
}

#[derive(Template)]
#[template(path = "error_partial.html")]
pub struct ErrorPartial<'a> {
    pub message: &'a str,
}

//! Static files, compiled into the binary so it runs from any folder. Pages link them under content-hashed names
//! (`/static/app.3f2a9c1e.css`), served with `immutable` caching: a browser asks once per version, and a new
//! version has a new name, so nobody runs old CSS or JavaScript after an upgrade.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../static/app.js")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/htmx.min.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../../static/favicon.svg")),
];

/// A year: the longest cache lifetime browsers honour.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Names without the hash (old links, `/favicon.ico`) are asked again now and then.
const SHORT: &str = "public, max-age=3600";

struct Asset {
    name: &'static str,
    /// `app.3f2a9c1e.css`, `htmx.min.3f2a9c1e.js`: the first 8 hex digits of the SHA-256 before the extension.
    hashed: String,
    content_type: &'static str,
    body: &'static [u8],
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let hash = hex::encode(&Sha256::digest(body)[..4]);
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{name}.{hash}"),
            };
            Asset { name, hashed, content_type, body }
        })
        .collect()
});

/// The URL pages link a static file by (templates call it: `{{ crate::web::assets::url("app.css") }}`).
pub fn url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => format!("/static/{}", asset.hashed),
        None => format!("/static/{name}"),
    }
}

pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let file = file.as_str();
    let found = ASSETS
        .iter()
        .find_map(|a| if a.hashed == file { Some((a, IMMUTABLE)) } else { (a.name == file).then_some((a, SHORT)) });
    match found {
        Some((asset, cache)) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, cache))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(asset.body),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `/favicon.ico`: the SVG icon, which every current browser takes.
pub async fn favicon() -> HttpResponse {
    serve(web::Path::from("favicon.svg".to_owned())).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashed_names_keep_the_extension_and_change_with_the_content() {
        let css = super::url("app.css");
        assert!(
            css.starts_with("/static/app.") && css.ends_with(".css") && css.len() == "/static/app.12345678.css".len()
        );
        assert_ne!(super::url("app.js"), "/static/app.js");
        assert_eq!(super::url("missing.txt"), "/static/missing.txt");
    }
}

//! Static files, compiled into the binary so it runs from any folder. Pages link them under content-hashed names
//! (`/static/app.3f2a9c1e.css`), served with `immutable` caching: a browser asks once per version, and a new
//! version has a new name, so nobody runs old CSS or JavaScript after an upgrade. Each file is compressed once, at
//! first use, with brotli and gzip at their best levels, and served as the browser asks (htmx: 48 KB → about 15 KB).

use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::io::Write;
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
    brotli: web::Bytes,
    gzip: web::Bytes,
}

fn brotli(body: &[u8]) -> web::Bytes {
    let mut out = Vec::new();
    // Quality 11, a 4 MB window: the smallest file, made once.
    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
    // Writing to a Vec cannot fail.
    let _ = writer.write_all(body);
    drop(writer);
    out.into()
}

fn gzip(body: &[u8]) -> web::Bytes {
    let mut writer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = writer.write_all(body);
    writer.finish().unwrap_or_default().into()
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
            Asset { name, hashed, content_type, body, brotli: brotli(body), gzip: gzip(body) }
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

/// The encodings the request accepts, by name (q-values other than 0 count as yes).
fn accepts(req: &HttpRequest, encoding: &str) -> bool {
    let Some(accepted) = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    accepted.split(',').any(|part| {
        let mut pieces = part.split(';').map(str::trim);
        let named = pieces.next().is_some_and(|name| name.eq_ignore_ascii_case(encoding));
        named && !pieces.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"))
    })
}

pub async fn serve(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    send(&req, file.as_str())
}

fn send(req: &HttpRequest, file: &str) -> HttpResponse {
    let found = ASSETS
        .iter()
        .find_map(|a| if a.hashed == file { Some((a, IMMUTABLE)) } else { (a.name == file).then_some((a, SHORT)) });
    let Some((asset, cache)) = found else { return HttpResponse::NotFound().finish() };
    let (encoding, body) = if accepts(req, "br") {
        (ContentEncoding::Brotli, asset.brotli.clone())
    } else if accepts(req, "gzip") {
        (ContentEncoding::Gzip, asset.gzip.clone())
    } else {
        // Marked, so the compression middleware leaves it as it is.
        (ContentEncoding::Identity, web::Bytes::from_static(asset.body))
    };
    let mut res = HttpResponse::Ok();
    res.content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    res.insert_header(encoding).body(body)
}

/// `/favicon.ico`: the SVG icon, which every current browser takes.
pub async fn favicon(req: HttpRequest) -> HttpResponse {
    send(&req, "favicon.svg")
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

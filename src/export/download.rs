//! Spreadsheets as downloads: the headers a browser needs to save the file under a readable name, and the
//! dashboard's small tables written straight into the response.

use super::{ExportError, Format};
use crate::domain::table::Table;
use crate::error::{AppError, AppResult};
use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};

/// The file name people get: `stem.ext` (the stem may be Chinese; the disposition carries an ASCII fallback too).
pub fn file_name(stem: &str, format: Format) -> String {
    format!("{stem}.{}", format.code())
}

/// `attachment` with the name as UTF-8 (`filename*`, as for attachments) and, for old browsers, as ASCII:
/// `工单导出-20261123-2205.csv` falls back to `export-20261123-2205.csv` rather than a row of underscores.
pub fn disposition(stem: &str, format: Format) -> header::ContentDisposition {
    let name = file_name(stem, format);
    let mut disposition = crate::web::attachments::disposition(&name, false);
    if !name.is_ascii() {
        let kept: String = stem.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ')).collect();
        let ascii = format!("export-{}", kept.trim_matches(|c: char| !c.is_ascii_alphanumeric()));
        let ascii = file_name(ascii.trim_end_matches('-'), format);
        for p in &mut disposition.parameters {
            if let header::DispositionParam::Filename(fallback) = p {
                *fallback = ascii.clone();
            }
        }
    }
    disposition
}

/// The headers every spreadsheet download carries, whatever writes its body.
pub fn set_download_headers(headers: &mut header::HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Figures of the business: kept by this browser only, and asked again each time.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
}

/// A small table (a dashboard's) as a file to download, written in memory.
pub fn table_download(table: &Table, format: Format, file_stem: &str) -> AppResult<HttpResponse> {
    let body = table_bytes(table, format).map_err(AppError::internal)?;
    let mut res = HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, disposition(file_stem, format)))
        .body(body);
    set_download_headers(res.headers_mut());
    Ok(res)
}

/// The table's file.
pub fn table_bytes(table: &Table, format: Format) -> Result<Vec<u8>, ExportError> {
    let mut buf = Vec::new();
    let mut sink = super::sink(format, &table.headers, &mut buf, None)?;
    for row in &table.rows {
        sink.row(row)?;
    }
    sink.finish()?;
    drop(sink);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::table::Cell;
    use actix_web::body::MessageBody;

    fn table() -> Table {
        Table {
            headers: vec!["类型".into(), "工单量".into()],
            rows: vec![
                vec![Cell::Text("故障维修".into()), Cell::Int(12)],
                vec![Cell::Text("咨询".into()), Cell::Num(0.5)],
            ],
        }
    }

    fn header(res: &HttpResponse, name: header::HeaderName) -> &str {
        res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    #[test]
    fn csv_download_has_its_headers_and_the_bom() {
        let res = table_download(&table(), Format::Csv, "工单量 2026-11").unwrap();
        assert_eq!(header(&res, header::CONTENT_TYPE), "text/csv; charset=utf-8");
        let cd = header(&res, header::CONTENT_DISPOSITION);
        assert!(cd.starts_with("attachment; filename=\"export-2026-11.csv\""), "{cd}");
        assert!(cd.contains("filename*=UTF-8''%E5%B7%A5%E5%8D%95%E9%87%8F%202026%2D11.csv"), "{cd}");
        assert_eq!(header(&res, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let body = res.into_body().try_into_bytes().unwrap();
        assert_eq!(std::str::from_utf8(&body).unwrap(), "\u{feff}类型,工单量\n故障维修,12\n咨询,0.5\n");
    }

    #[test]
    fn xlsx_download_reads_back() {
        use calamine::{Data, Reader, Xlsx};
        let res = table_download(&table(), Format::Xlsx, "volume").unwrap();
        assert_eq!(
            header(&res, header::CONTENT_TYPE),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(header(&res, header::CONTENT_DISPOSITION), "attachment; filename=\"volume.xlsx\"");
        let cd = disposition("工单", Format::Xlsx).to_string();
        assert!(cd.starts_with("attachment; filename=\"export.xlsx\"; filename*=UTF-8''"), "{cd}");
        let body = res.into_body().try_into_bytes().unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(body.to_vec())).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(rows[1], [Data::String("故障维修".into()), Data::Float(12.0)]);
        assert_eq!(rows[2], [Data::String("咨询".into()), Data::Float(0.5)]);
    }

    #[test]
    fn formats_parse_from_their_codes_only() {
        assert_eq!(Format::parse("csv"), Ok(Format::Csv));
        assert_eq!(Format::parse("xlsx"), Ok(Format::Xlsx));
        assert!(Format::parse("xls").is_err());
        assert!(Format::parse("").is_err());
    }
}

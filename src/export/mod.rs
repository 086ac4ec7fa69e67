//! Spreadsheet files (CSV and XLSX) written row by row: a writer takes the headers, then each row of cells as it
//! comes, so an export of a million tickets never holds them in memory. The dashboard's small tables and the
//! ticket-list export share these writers.

pub mod csv;
pub mod download;
pub mod ticket_list;
pub mod xlsx;

use crate::domain::table::Cell;

crate::text_enum! {
    /// The file formats people can ask for; the code is also the file's extension.
    Format, "export-format" {
        Csv => "csv",
        Xlsx => "xlsx",
    }
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

crate::text_enum! {
    /// Where an export of the ticket list is.
    ExportStatus, "export-status" {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
        /// Its file was removed (kept for a day).
        Expired => "expired",
    }
}

impl ExportStatus {
    /// Still to change by itself: the page keeps polling.
    pub fn in_progress(self) -> bool {
        matches!(self, ExportStatus::Queued | ExportStatus::Running)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A worksheet holds at most 1,048,576 rows (the header included).
    #[error("more than {} rows do not fit in a worksheet", xlsx::MAX_ROWS)]
    TooManyRows,
    #[error("writing the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("writing XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Where rows go, one at a time, in order. `finish` completes the file (an XLSX is assembled only then).
pub trait RowSink {
    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError>;
    fn finish(&mut self) -> Result<(), ExportError>;
}

/// A writer of `format` into `out`, the headers already written. `tempdir`: XLSX rows go to temporary files
/// there as they are written (constant memory); without it the worksheet is kept in memory (small tables).
pub fn sink<'a, W: std::io::Write + Send + 'a>(
    format: Format,
    headers: &[String],
    out: W,
    tempdir: Option<&std::path::Path>,
) -> Result<Box<dyn RowSink + 'a>, ExportError> {
    Ok(match format {
        Format::Csv => Box::new(csv::CsvSink::new(out, headers)?),
        Format::Xlsx => Box::new(xlsx::XlsxSink::new(out, headers, tempdir)?),
    })
}

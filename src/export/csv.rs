//! CSV for spreadsheets: UTF-8 with a byte-order mark (without it Excel reads the file in the system's code page
//! and Chinese turns to mojibake), quoting by the `csv` crate (commas, quotes, line breaks in a title).

use super::{ExportError, RowSink};
use crate::domain::table::Cell;
use std::io::Write;

const BOM: &[u8] = "\u{feff}".as_bytes();

pub struct CsvSink<W: Write> {
    out: ::csv::Writer<W>,
}

impl<W: Write> CsvSink<W> {
    pub fn new(mut out: W, headers: &[String]) -> Result<Self, ExportError> {
        out.write_all(BOM)?;
        let mut out = ::csv::Writer::from_writer(out);
        out.write_record(headers)?;
        Ok(CsvSink { out })
    }
}

impl<W: Write> RowSink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        for cell in cells {
            match cell {
                Cell::Text(text) => self.out.write_field(defused(text).as_ref())?,
                Cell::Int(n) => self.out.write_field(n.to_string())?,
                Cell::Num(x) if x.is_finite() => self.out.write_field(x.to_string())?,
                Cell::Num(_) | Cell::Empty => self.out.write_field("")?,
            }
        }
        self.out.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        self.out.flush()?;
        Ok(())
    }
}

/// Text a spreadsheet would take for a formula (`=HYPERLINK(…)` typed into a ticket title by a customer) gets a
/// leading apostrophe, so it shows as the text it is (CSV injection).
fn defused(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(headers: &[&str], rows: &[Vec<Cell>]) -> String {
        let mut buf = Vec::new();
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        let mut sink = CsvSink::new(&mut buf, &headers).unwrap();
        for row in rows {
            sink.row(row).unwrap();
        }
        sink.finish().unwrap();
        drop(sink);
        assert!(buf.starts_with(BOM), "the file starts with the BOM");
        String::from_utf8(buf[BOM.len()..].to_vec()).unwrap()
    }

    #[test]
    fn quotes_what_needs_it_and_keeps_chinese() {
        let text = written(
            &["工单号", "标题"],
            &[
                vec![Cell::Text("AS1".into()), Cell::Text("漏水, \"严重\"\n第二行".into())],
                vec![Cell::Int(42), Cell::Num(2.5)],
                vec![Cell::Empty, Cell::Num(f64::NAN)],
            ],
        );
        assert_eq!(text, "工单号,标题\nAS1,\"漏水, \"\"严重\"\"\n第二行\"\n42,2.5\n,\n");
    }

    #[test]
    fn formulas_stay_text() {
        let text = written(&["t"], &[vec![Cell::Text("=1+1".into())], vec![Cell::Text("@SUM(A1)".into())]]);
        assert_eq!(text, "t\n'=1+1\n'@SUM(A1)\n");
    }
}

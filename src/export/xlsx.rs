//! XLSX through `rust_xlsxwriter`. For big exports the worksheet is in constant-memory mode: each row goes to a
//! temporary file once the next begins, so memory stays flat; the file is assembled (zipped) at the end.

use super::{ExportError, RowSink};
use crate::domain::table::Cell;
use rust_xlsxwriter::{Format, Workbook};
use std::io::Write;
use std::path::Path;

/// Rows a worksheet holds, the header included.
pub const MAX_ROWS: u32 = 1_048_576;
/// Characters a cell holds.
const MAX_TEXT: usize = 32_767;

pub struct XlsxSink<W: Write + Send> {
    workbook: Workbook,
    out: W,
    /// The next row's index (0 is the header).
    next_row: u32,
}

impl<W: Write + Send> XlsxSink<W> {
    /// With `tempdir`, rows go to temporary files there (constant memory); without, they stay in memory.
    pub fn new(out: W, headers: &[String], tempdir: Option<&Path>) -> Result<Self, ExportError> {
        let mut workbook = Workbook::new();
        let sheet = match tempdir {
            Some(dir) => {
                workbook.set_tempdir(dir)?;
                workbook.add_worksheet_with_constant_memory()?
            }
            None => workbook.add_worksheet(),
        };
        let bold = Format::new().set_bold();
        for (col, header) in (0u16..).zip(headers) {
            // Wide enough for a timestamp or the header, whichever is longer.
            sheet.set_column_width(col, (header.chars().count() * 2).max(18) as f64)?;
            sheet.write_string_with_format(0, col, header, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxSink { workbook, out, next_row: 1 })
    }
}

impl<W: Write + Send> RowSink for XlsxSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        if self.next_row >= MAX_ROWS {
            return Err(ExportError::TooManyRows);
        }
        let row = self.next_row;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) if text.len() > MAX_TEXT => {
                    let cut: String = text.chars().take(MAX_TEXT).collect();
                    sheet.write_string(row, col, cut)?
                }
                Cell::Text(text) => sheet.write_string(row, col, text)?,
                Cell::Int(n) => sheet.write_number(row, col, *n as f64)?,
                Cell::Num(x) if x.is_finite() => sheet.write_number(row, col, *x)?,
                Cell::Num(_) | Cell::Empty => sheet,
            };
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        self.workbook.save_to_writer(&mut self.out)?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn read_back(bytes: Vec<u8>) -> Vec<Vec<Data>> {
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range.rows().map(<[Data]>::to_vec).collect()
    }

    fn write(tempdir: Option<&Path>) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut sink = XlsxSink::new(&mut buf, &["工单号".into(), "数量".into(), "均值".into()], tempdir).unwrap();
        sink.row(&[Cell::Text("售后 AS1".into()), Cell::Int(3), Cell::Num(1.5)]).unwrap();
        sink.row(&[Cell::Text("=1+1".into()), Cell::Empty, Cell::Num(f64::INFINITY)]).unwrap();
        sink.finish().unwrap();
        drop(sink);
        buf
    }

    #[test]
    fn rows_read_back_the_same_in_both_modes() {
        let dir = crate::db::cluster::temp_data_dir("aftersales-xlsx-test");
        std::fs::create_dir_all(&dir).unwrap();
        for bytes in [write(None), write(Some(&dir))] {
            let rows = read_back(bytes);
            assert_eq!(
                rows[0],
                [Data::String("工单号".into()), Data::String("数量".into()), Data::String("均值".into())]
            );
            assert_eq!(rows[1], [Data::String("售后 AS1".into()), Data::Float(3.0), Data::Float(1.5)]);
            assert_eq!(rows[2][0], Data::String("=1+1".into()), "text, not a formula");
            assert!(rows[2][1..].iter().all(|d| *d == Data::Empty));
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

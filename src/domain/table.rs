//! A table of figures as people read it: headers and rows of cells. The dashboard shows it and the exports write
//! it (CSV and XLSX), so the page and the files hold the same numbers.

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A measured number (a mean, a share, hours); the page rounds it, the files keep it.
    Num(f64),
    Empty,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

//! What the ticket-list export holds: its columns, in the reader's language, and each ticket as a row of cells
//! (labels translated, times in the service zone, as the pages show them).

use crate::domain::table::Cell;
use crate::i18n::Lang;
use crate::store::tickets::ExportRow;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The columns' message keys, in order.
const COLUMNS: [&str; 15] = [
    "export-col-number",
    "export-col-title",
    "export-col-type",
    "export-col-state",
    "export-col-urgency",
    "export-col-channel",
    "export-col-product",
    "export-col-contact",
    "export-col-region",
    "export-col-assignee",
    "export-col-created",
    "export-col-first-response",
    "export-col-resolved",
    "export-col-closed",
    "export-col-sla-due",
];

pub fn headers(lang: Lang) -> Vec<String> {
    COLUMNS.iter().map(|key| lang.t(key)).collect()
}

/// Turns rows into cells in one language and zone; the labels of the few states, types… are looked up once.
pub struct RowFormat {
    lang: Lang,
    tz: Tz,
    labels: std::collections::HashMap<&'static str, String>,
}

impl RowFormat {
    pub fn new(lang: Lang, tz: Tz) -> Self {
        RowFormat { lang, tz, labels: Default::default() }
    }

    pub fn cells(&mut self, row: &ExportRow) -> Vec<Cell> {
        let t = &row.queue.ticket;
        let d = &row.details;
        let text = |s: &str| if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_owned()) };
        vec![
            Cell::Text(t.number.clone()),
            Cell::Text(t.title.clone()),
            self.label(t.ticket_type.label_key()),
            self.label(t.state.label_key()),
            self.label(t.urgency.label_key()),
            self.label(d.channel.label_key()),
            text(&d.product_model),
            text(&t.contact_name),
            t.region.as_deref().map_or(Cell::Empty, text),
            row.queue.assignee_name.as_deref().map_or(Cell::Empty, text),
            self.time(Some(t.created_at)),
            self.time(d.first_response_at),
            self.time(d.resolved_at),
            self.time(d.closed_at),
            self.time(t.sla_due_at),
        ]
    }

    fn label(&mut self, key: &'static str) -> Cell {
        let lang = self.lang;
        Cell::Text(self.labels.entry(key).or_insert_with(|| lang.t(key)).clone())
    }

    /// To the second, unlike the pages: a spreadsheet sorts and compares them.
    fn time(&self, at: Option<DateTime<Utc>>) -> Cell {
        at.map_or(Cell::Empty, |at| Cell::Text(at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M:%S").to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_both_languages() {
        let zh = headers(Lang::ZhCn);
        let en = headers(Lang::En);
        assert_eq!(zh.len(), COLUMNS.len());
        assert_eq!(zh[0], "工单号");
        assert_eq!(en[0], "Ticket number");
        assert!(zh.iter().chain(&en).all(|h| !h.is_empty() && !h.starts_with("export-col")), "{zh:?} {en:?}");
    }
}

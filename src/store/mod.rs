//! Queries, one module per aggregate; each function takes a connection so a
//! service can compose several in one transaction.

pub mod analytics;
pub mod assignment;
pub mod attachments;
pub mod causes;
pub mod compensations;
pub mod duplicates;
pub mod events;
pub mod exports;
pub mod follow_ups;
pub mod jobs;
pub mod keyword_rules;
pub mod known_devices;
pub mod login_failures;
pub mod notifications;
pub mod outbox;
pub mod products;
pub mod reply_macros;
pub mod retention;
pub mod sessions;
pub mod sla;
pub mod sla_settings;
pub mod submissions;
pub mod surveys;
pub mod ticket_templates;
pub mod tickets;
pub mod unique;
pub mod users;
pub mod withdrawals;

pub use diesel_async::AsyncPgConnection as Conn;

/// `%term%` for LIKE/ILIKE with the user's wildcards taken literally.
pub fn contains_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}

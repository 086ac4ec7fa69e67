//! Telling which unique index refused a row, so a duplicate becomes a message
//! beside the right field instead of an error page (the index, not a check
//! before the write, decides: two supervisors may save at the same moment).

use diesel::result::{DatabaseErrorKind, Error};

/// The name of the unique index (or constraint) `err` violated, if that is what it is.
pub fn violated(err: &Error) -> Option<&str> {
    match err {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => info.constraint_name(),
        _ => None,
    }
}

/// A write refused for a duplicate: the form field that holds the duplicate value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate(pub &'static str);

/// Maps a unique violation to the field named for its index in `fields`
/// (index name → field name); any other error stays an error.
pub fn to_duplicate<T>(
    result: Result<T, Error>,
    fields: &[(&str, &'static str)],
) -> Result<Result<T, Duplicate>, Error> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(err) => match violated(&err).and_then(|name| fields.iter().find(|(index, _)| *index == name)) {
            Some((_, field)) => Ok(Err(Duplicate(field))),
            None => Err(err),
        },
    }
}

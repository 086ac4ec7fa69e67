//! Newtype ids, so a user id can never be passed where a ticket id is expected.

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::from_sql(bytes).map($name)
            }
        }
    )+};
}

id_type! {
    /// A person: customer or staff.
    UserId,
    /// A ticket (internal id; people see its number).
    TicketId,
    /// One entry of a ticket's event log.
    EventId,
    /// A file attached to a ticket.
    AttachmentId,
    /// A withdrawal of a ticket, immediate or requested.
    WithdrawalId,
    /// Compensation given on a ticket.
    CompensationId,
    /// One in-app notification.
    NotificationId,
}

id_type! {
    /// A model in the product catalogue.
    ProductId,
    /// A keyword rule that suggests a new ticket's type and urgency.
    KeywordRuleId,
    /// A ticket template that pre-fills the new-ticket form.
    TicketTemplateId,
    /// A reply template (macro) for staff.
    ReplyMacroId,
}

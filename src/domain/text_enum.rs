//! `text_enum!`: a closed set of domain values stored as checked `TEXT` columns.
//!
//! Each value has one stable code (what the database, forms and URLs carry) and an
//! i18n key for people. Parsing an unknown code is an error, never a panic.

/// The code did not name a known value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {code:?}")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

/// A value with a code and a translatable label (for selects, badges and filters).
pub trait Labelled: Copy {
    fn code(self) -> &'static str;
    fn label_key(self) -> &'static str;
}

/// Templates hand values around by reference.
impl<T: Labelled> Labelled for &T {
    fn code(self) -> &'static str {
        (*self).code()
    }
    fn label_key(self) -> &'static str {
        (*self).label_key()
    }
}

#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and sent by forms.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The translation key for this value, e.g. `urgency-critical`.
            pub fn label_key(self) -> &'static str {
                match self { $($name::$variant => concat!($kind, "-", $code)),+ }
            }

            pub fn parse(code: &str) -> Result<Self, $crate::domain::text_enum::UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::domain::text_enum::UnknownCode { kind: $kind, code: code.to_owned() }),
                }
            }
        }

        impl $crate::domain::text_enum::Labelled for $name {
            fn code(self) -> &'static str { $name::code(self) }
            fn label_key(self) -> &'static str { $name::label_key(self) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::text_enum::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&code).map_err(serde::de::Error::custom)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(self.code(), out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>>::from_sql(bytes)?;
                Ok(Self::parse(&code)?)
            }
        }
    };
}

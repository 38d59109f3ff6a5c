//! The payload fields of event types: their JSON types and visibility.

use super::visibility::Visibility;

/// The JSON type of a payload field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text.
    String,
    /// One of a closed set of strings.
    Enum(&'static [&'static str]),
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An exact decimal, written as a string (`"99.95"`).
    Decimal,
    /// A calendar date (`2026-03-31`).
    Date,
    /// An instant (RFC 3339).
    DateTime,
    /// A global id (`QWNjb3VudDox`).
    GlobalId,
    /// An amount of money: `{"amount": "120.00", "currency": "EUR"}`.
    Money,
    /// A list of strings.
    StringList,
}

impl FieldType {
    /// The JSON Schema `type` of the field.
    pub const fn json_type(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Money => "object",
            Self::StringList => "array",
            Self::String
            | Self::Enum(_)
            | Self::Decimal
            | Self::Date
            | Self::DateTime
            | Self::GlobalId => "string",
        }
    }

    /// The JSON Schema `format` of a string field, if it has one.
    pub const fn format(self) -> Option<&'static str> {
        match self {
            Self::Date => Some("date"),
            Self::DateTime => Some("date-time"),
            Self::Decimal => Some("decimal"),
            Self::GlobalId => Some("global-id"),
            _ => None,
        }
    }

    /// The name shown in the catalogue (`Decimal`, `Money`, `[String]`).
    pub const fn display(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Enum(_) => "Enum",
            Self::Integer => "Integer",
            Self::Boolean => "Boolean",
            Self::Decimal => "Decimal",
            Self::Date => "Date",
            Self::DateTime => "DateTime",
            Self::GlobalId => "ID",
            Self::Money => "Money",
            Self::StringList => "[String]",
        }
    }
}

/// One field of an event's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field's name in `data` (camelCase).
    pub name: &'static str,
    /// Its JSON type.
    pub ty: FieldType,
    /// Whether it may be `null`.
    pub nullable: bool,
    /// Who may read it.
    pub visibility: Visibility,
    /// What it holds.
    pub description: &'static str,
}

pub(super) const fn field(
    name: &'static str,
    ty: FieldType,
    visibility: Visibility,
    description: &'static str,
) -> FieldInfo {
    FieldInfo {
        name,
        ty,
        nullable: false,
        visibility,
        description,
    }
}

pub(super) const fn nullable(
    name: &'static str,
    ty: FieldType,
    visibility: Visibility,
    description: &'static str,
) -> FieldInfo {
    FieldInfo {
        name,
        ty,
        nullable: true,
        visibility,
        description,
    }
}

//! What an import may hold (its kinds and their columns) and how its rows find their records.

use super::{MEASUREMENT_COLUMNS, TEAM_MEMBER_COLUMNS};

/// The columns of an accounts file: an export's columns all read back. `id` with
/// `created_at` finds the record again in the database the file was exported from;
/// `updated_at`, `status` and `partner_id` are accepted and ignored.
pub const ACCOUNT_COLUMNS: &[&str] = &[
    "id",
    "external_source",
    "external_id",
    "name",
    "kind",
    "domain",
    "domains",
    "relationship_type",
    "account_manager_email",
    "client_since",
    "status",
    "partner_id",
    "created_at",
    "updated_at",
];

/// The columns of a contacts file: an export's columns all read back (`phones`, `job_role`,
/// `email_consent` besides `phone`, `title`, `marketing_consent`); `id` with `created_at`
/// finds the record again in the database the file was exported from; `updated_at` is
/// accepted and ignored.
pub const CONTACT_COLUMNS: &[&str] = &[
    "id",
    "external_source",
    "external_id",
    "account_id",
    "account_external_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "phones",
    "title",
    "job_role",
    "marketing_consent",
    "email_consent",
    "tags",
    "custom_fields",
    "erased_at",
    "created_at",
    "updated_at",
];

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Accounts.
    Accounts,
    /// Contacts.
    Contacts,
    /// Measurements of agreement metrics.
    Measurements,
    /// Team members.
    TeamMembers,
}

impl ImportKind {
    /// `accounts`, `contacts`, `measurements` or `team_members` (any case).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "accounts" | "account" => Some(Self::Accounts),
            "contacts" | "contact" => Some(Self::Contacts),
            "measurements" | "measurement" => Some(Self::Measurements),
            "team_members" | "team_member" | "team" => Some(Self::TeamMembers),
            _ => None,
        }
    }

    /// `accounts`, `contacts`, `measurements` or `team_members`: the name `parse` reads back.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accounts => "accounts",
            Self::Contacts => "contacts",
            Self::Measurements => "measurements",
            Self::TeamMembers => "team_members",
        }
    }

    /// The columns a file of this kind may have.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Accounts => ACCOUNT_COLUMNS,
            Self::Contacts => CONTACT_COLUMNS,
            Self::Measurements => MEASUREMENT_COLUMNS,
            Self::TeamMembers => TEAM_MEMBER_COLUMNS,
        }
    }

    /// The matching order when the import names none.
    pub(super) fn default_match(self) -> Vec<MatchBy> {
        match self {
            Self::Accounts => vec![MatchBy::Id, MatchBy::ExternalId, MatchBy::Domain],
            Self::Contacts => vec![MatchBy::Id, MatchBy::ExternalId, MatchBy::Email],
            // A measurement is found by its identity: agreement, metric, observed_at, source.
            Self::Measurements => Vec::new(),
            Self::TeamMembers => vec![MatchBy::Subject, MatchBy::Email],
        }
    }

    /// The ways of matching this kind allows, as said in a refusal.
    pub(super) fn match_rule(self) -> &'static str {
        match self {
            Self::Accounts => "accounts match by id, external_id and domain",
            Self::Contacts => "contacts match by id, external_id and email",
            Self::Measurements => {
                "measurements match by their agreement, metric, observed_at and source; name no matching"
            }
            Self::TeamMembers => "team members match by subject and email",
        }
    }

    pub(super) fn may_match_by(self, by: MatchBy) -> bool {
        matches!(
            (self, by),
            (
                Self::Accounts,
                MatchBy::Id | MatchBy::ExternalId | MatchBy::Domain
            ) | (
                Self::Contacts,
                MatchBy::Id | MatchBy::ExternalId | MatchBy::Email
            ) | (Self::TeamMembers, MatchBy::Subject | MatchBy::Email)
        )
    }
}

/// How a row finds the record it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchBy {
    /// Rapport's own id with its `created_at`, as an export of this database writes them.
    Id,
    /// The source system's id (`external_source` + `external_id`).
    ExternalId,
    /// The email address (contacts).
    Email,
    /// Any of the email domains (accounts).
    Domain,
    /// The subject tokens carry (team members).
    Subject,
}

impl MatchBy {
    /// `id`, `external_id`, `email`, `domain` or `subject` (any case; `externalId` too).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().replace('_', "").as_str() {
            "id" => Some(Self::Id),
            "externalid" => Some(Self::ExternalId),
            "email" => Some(Self::Email),
            "domain" => Some(Self::Domain),
            "subject" => Some(Self::Subject),
            _ => None,
        }
    }
}

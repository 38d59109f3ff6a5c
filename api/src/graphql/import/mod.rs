//! Imports through GraphQL: `importRecords` takes the file as an upload (the GraphQL multipart
//! request specification) and answers the report of every row; `startImport` runs the same
//! import as a background job (`jobs`); `externalId` on accounts and contacts says where an
//! imported record came from.

mod jobs;

pub use jobs::{ImportJobMutations, ImportJobNode, ImportJobQueries};

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, Upload};
use rapport_domain::values::ExternalRef;

use super::context::state;
use super::error::GqlResultExt as _;
use crate::error::ApiError;
use crate::service::import::{
    self, Format, ImportInput, ImportKind, ImportOptions, ImportReport, MatchBy, Outcome,
};

/// Where a record came from before Rapport.
#[derive(SimpleObject, Debug)]
#[graphql(name = "ExternalId")]
pub struct ExternalIdOut {
    /// The source system, lowercased (e.g. `hubspot`).
    pub source: String,
    /// The record's id in that system.
    pub id: String,
}

impl From<&ExternalRef> for ExternalIdOut {
    fn from(r: &ExternalRef) -> Self {
        Self {
            source: r.source().to_owned(),
            id: r.id().to_owned(),
        }
    }
}

/// What a file holds.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(name = "ImportKind")]
pub enum ImportKindInput {
    /// Accounts (columns: external_source, external_id, name, domain, relationship_type,
    /// account_manager_email, client_since).
    Accounts,
    /// Contacts (columns: external_source, external_id, account_id, account_external_id,
    /// first_name, last_name, email, phone, title, marketing_consent).
    Contacts,
    /// Measurements of agreement metrics, checked as `recordMeasurements` checks them
    /// (columns: agreement_id, metric_key, value, observed_at, source).
    Measurements,
    /// Team members, admins only (columns: subject, email, name, role, active).
    TeamMembers,
}

/// The file's format.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ImportFormat {
    /// RFC 4180 CSV, UTF-8 (with or without a byte-order mark), with a header row.
    Csv,
    /// JSON Lines: one flat JSON object per line.
    Jsonl,
}

/// A way of finding the existing record a row is about.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ImportMatch {
    /// Rapport's own id with its created_at, as an export of this database writes them
    /// (accounts, contacts).
    Id,
    /// external_source + external_id.
    ExternalId,
    /// The email address (contacts).
    Email,
    /// Any of the email domains (accounts).
    Domain,
    /// The subject the member's tokens carry (team members).
    Subject,
}

/// One renamed column.
#[derive(InputObject, Debug)]
pub struct ColumnMappingInput {
    /// The column's name in the file.
    pub from: String,
    /// Our column name.
    pub to: String,
}

/// An import of one file.
#[derive(InputObject)]
pub struct ImportRecordsInput {
    /// What the file holds.
    pub kind: ImportKindInput,
    /// The file's format (default: from the uploaded file's name).
    pub format: Option<ImportFormat>,
    /// Report what each row would do; change nothing.
    #[graphql(default)]
    pub dry_run: bool,
    /// Columns of the file renamed to ours.
    #[graphql(default)]
    pub mapping: Vec<ColumnMappingInput>,
    /// Matching order, first hit wins (default: ID, EXTERNAL_ID then EMAIL / DOMAIN; SUBJECT then
    /// EMAIL for team members; measurements match by their own identity and take none).
    pub match_by: Option<Vec<ImportMatch>>,
    /// The source system of rows without an external_source cell.
    pub source: Option<String>,
    /// The file (a multipart upload).
    pub file: Upload,
}

/// What happened to a row.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ImportOutcome {
    /// A new record.
    Create,
    /// An existing record changed.
    Update,
    /// An existing record already as the row says.
    Unchanged,
    /// Not imported; `field` and `reason` say why.
    Refused,
}

/// One row of the report.
#[derive(SimpleObject, Debug)]
pub struct ImportRow {
    /// The line the row starts on in the file.
    pub line: u64,
    /// What happened (in a dry run: what would happen).
    pub outcome: ImportOutcome,
    /// The record's global id (none for a refused row, nor for a creation in a dry run, nor
    /// for a measurement, which has no global id).
    pub id: Option<async_graphql::ID>,
    /// The column at fault of a refused row (`row` for the row as a whole).
    pub field: Option<String>,
    /// Why a row was refused.
    pub reason: Option<String>,
}

/// The report of an import.
#[derive(SimpleObject, Debug)]
pub struct ImportRecordsPayload {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Rows that created a record.
    pub created: u64,
    /// Rows that changed a record.
    pub updated: u64,
    /// Rows that matched a record already as they say.
    pub unchanged: u64,
    /// Rows refused.
    pub refused: u64,
    /// Every row, in file order.
    pub rows: Vec<ImportRow>,
}

fn payload(kind: ImportKind, report: ImportReport) -> ImportRecordsPayload {
    let id_kind = match kind {
        ImportKind::Accounts => Some(crate::global_id::Kind::Account),
        ImportKind::Contacts => Some(crate::global_id::Kind::Contact),
        // A measurement has no global id of its own.
        ImportKind::Measurements => None,
        ImportKind::TeamMembers => Some(crate::global_id::Kind::TeamMember),
    };
    let rows = report
        .rows
        .into_iter()
        .map(|r| {
            let (outcome, field, reason) = match r.outcome {
                Outcome::Create => (ImportOutcome::Create, None, None),
                Outcome::Update => (ImportOutcome::Update, None, None),
                Outcome::Unchanged => (ImportOutcome::Unchanged, None, None),
                Outcome::Refused { field, reason } => {
                    (ImportOutcome::Refused, Some(field), Some(reason))
                }
            };
            ImportRow {
                line: r.line,
                outcome,
                id: r
                    .id
                    .zip(id_kind)
                    .map(|(id, kind)| crate::global_id::encode(kind, id).into()),
                field,
                reason,
            }
        })
        .collect();
    ImportRecordsPayload {
        dry_run: report.dry_run,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        refused: report.refused,
        rows,
    }
}

/// The options, the file's name and its bytes an import input describes.
pub(super) fn read_input(
    ctx: &Context<'_>,
    input: ImportRecordsInput,
) -> Result<(ImportOptions, String, Vec<u8>)> {
    let upload = input.file.value(ctx)?;
    let kind = match input.kind {
        ImportKindInput::Accounts => ImportKind::Accounts,
        ImportKindInput::Contacts => ImportKind::Contacts,
        ImportKindInput::Measurements => ImportKind::Measurements,
        ImportKindInput::TeamMembers => ImportKind::TeamMembers,
    };
    let format = match input.format {
        Some(ImportFormat::Csv) => Format::Csv,
        Some(ImportFormat::Jsonl) => Format::JsonLines,
        None => Format::from_name(&upload.filename)
            .ok_or_else(|| {
                ApiError::bad_input(
                    "format",
                    "is required when the file's name does not end in .csv or .jsonl",
                )
            })
            .gql()?,
    };
    let mut options = ImportOptions::new(kind, format);
    options.dry_run = input.dry_run;
    options.source = input.source;
    options.mapping = input.mapping.into_iter().map(|m| (m.from, m.to)).collect();
    if let Some(order) = input.match_by {
        options.match_by = order
            .into_iter()
            .map(|m| match m {
                ImportMatch::Id => MatchBy::Id,
                ImportMatch::ExternalId => MatchBy::ExternalId,
                ImportMatch::Email => MatchBy::Email,
                ImportMatch::Domain => MatchBy::Domain,
                ImportMatch::Subject => MatchBy::Subject,
            })
            .collect();
    }
    let name = upload.filename.clone();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut upload.into_read(), &mut bytes)
        .map_err(|_| ApiError::bad_input("file", "could not be read"))
        .gql()?;
    Ok((options, name, bytes))
}

/// Imports.
#[derive(Default, Debug)]
pub struct ImportMutations;

#[Object]
impl ImportMutations {
    /// Imports accounts, contacts, measurements or team members from an uploaded CSV or JSON
    /// Lines file (staff; team members: admins), or with
    /// `dryRun` reports what each row would do and changes nothing. A file that cannot be read
    /// changes nothing; otherwise each row is created, updated, found unchanged or refused on
    /// its own.
    async fn import_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to read it.")] input: ImportRecordsInput,
    ) -> Result<ImportRecordsPayload> {
        let st = state(ctx);
        let (options, _, bytes) = read_input(ctx, input)?;
        let kind = options.kind;
        let input = ImportInput::Bytes(std::sync::Arc::new(bytes));
        let report = import::import(&st.ctx(), &options, input, |_, _| {})
            .await
            .gql()?;
        Ok(payload(kind, report))
    }
}

//! Inputs and payloads of the agreement mutations.

use async_graphql::{ID, InputObject, SimpleObject};

use crate::graphql::enums::{ReviewOutcome, TerminationKind};
use crate::graphql::scalars::{DateScalar, DateTimeScalar, DecimalScalar};
use crate::graphql::sections::AgreementSectionsInput;

use super::node::AgreementNode;

/// Input of `createAgreementDraft`.
#[derive(Debug, InputObject)]
pub struct CreateAgreementDraftInput {
    pub(super) account_id: ID,
    #[graphql(default)]
    pub(super) sections: AgreementSectionsInput,
}

/// Input of `updateAgreementDraft`: the draft's sections are replaced by these.
#[derive(Debug, InputObject)]
pub struct UpdateAgreementDraftInput {
    pub(super) agreement_id: ID,
    pub(super) expected_version: i32,
    pub(super) sections: AgreementSectionsInput,
}

/// Input of the plain agreement actions.
#[derive(Debug, InputObject)]
pub struct AgreementActionInput {
    pub(super) agreement_id: ID,
    pub(super) expected_version: i32,
    /// Why (required to reject).
    pub(super) reason: Option<String>,
}

/// Input of `proposeAmendment`: the complete sections of the new revision.
#[derive(Debug, InputObject)]
pub struct ProposeAmendmentInput {
    pub(super) agreement_id: ID,
    pub(super) expected_version: i32,
    pub(super) sections: AgreementSectionsInput,
    pub(super) change_note: Option<String>,
}

/// Input of `completeReview`.
#[derive(Debug, InputObject)]
pub struct CompleteReviewInput {
    pub(super) agreement_id: ID,
    pub(super) expected_version: i32,
    pub(super) outcome: ReviewOutcome,
    pub(super) notes: Option<String>,
}

/// Input of `terminateAgreement`.
#[derive(Debug, InputObject)]
pub struct TerminateAgreementInput {
    pub(super) agreement_id: ID,
    pub(super) expected_version: i32,
    pub(super) kind: TerminationKind,
    pub(super) reason: String,
    /// CONVENIENCE and FOR_CAUSE: the first day no longer in force. NON_RENEWAL: the term's end.
    pub(super) effective_on: DateScalar,
}

/// One measurement in input.
#[derive(Debug, InputObject)]
pub struct MeasurementInput {
    pub(super) metric_key: String,
    pub(super) value: DecimalScalar,
    pub(super) observed_at: DateTimeScalar,
    /// Where the value comes from (`zendesk`, `manual`); part of its identity.
    pub(super) source: String,
}

/// Input of `recordMeasurements`.
#[derive(Debug, InputObject)]
pub struct RecordMeasurementsInput {
    pub(super) agreement_id: ID,
    /// Checked when given; recording measurements does not change the agreement's version.
    pub(super) expected_version: Option<i32>,
    pub(super) measurements: Vec<MeasurementInput>,
}

/// Result of an agreement mutation.
#[derive(Debug, SimpleObject)]
pub struct AgreementPayload {
    pub(super) agreement: AgreementNode,
}

/// What happened to one measurement of a batch.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum MeasurementOutcome {
    /// Recorded.
    Recorded,
    /// Already recorded: nothing changed.
    Unchanged,
    /// Same observation with another value: corrected.
    Corrected,
    /// Refused; see `error`.
    Refused,
}

/// A refused item's problem.
#[derive(Debug, SimpleObject)]
pub struct ItemError {
    /// The input field, like `measurements[2].value`.
    pub(super) field: String,
    pub(super) message: String,
}

/// The outcome of one item of a batch.
#[derive(Debug, SimpleObject)]
pub struct MeasurementResult {
    pub(super) index: i32,
    pub(super) outcome: MeasurementOutcome,
    pub(super) errors: Vec<ItemError>,
}

/// Result of `recordMeasurements`.
#[derive(Debug, SimpleObject)]
pub struct RecordMeasurementsPayload {
    pub(super) agreement: AgreementNode,
    pub(super) results: Vec<MeasurementResult>,
    pub(super) recorded_count: i32,
    pub(super) refused_count: i32,
}

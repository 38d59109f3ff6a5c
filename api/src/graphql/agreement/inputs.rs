//! Inputs and payloads of the agreement mutations.

use async_graphql::{ID, InputObject, SimpleObject};

use crate::graphql::enums::{ReviewOutcome, TerminationKind};
use crate::graphql::scalars::{DateScalar, DateTimeScalar, DecimalScalar};
use crate::graphql::sections::AgreementSectionsInput;

use super::node::AgreementNode;

/// Input of `createAgreementDraft`.
#[derive(Debug, InputObject)]
pub struct CreateAgreementDraftInput {
    /// Global id of the account the agreement is with.
    pub(super) account_id: ID,
    /// The sections written so far; all may be left out.
    #[graphql(default)]
    pub(super) sections: AgreementSectionsInput,
}

/// Input of `updateAgreementDraft`: the draft's sections are replaced by these.
#[derive(Debug, InputObject)]
pub struct UpdateAgreementDraftInput {
    /// Global id of the draft.
    pub(super) agreement_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    pub(super) expected_version: i32,
    /// The draft's new sections (replacing the old ones).
    pub(super) sections: AgreementSectionsInput,
}

/// Input of the plain agreement actions.
#[derive(Debug, InputObject)]
pub struct AgreementActionInput {
    /// Global id of the agreement.
    pub(super) agreement_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    pub(super) expected_version: i32,
    /// Why (required to reject).
    pub(super) reason: Option<String>,
}

/// Input of `proposeAmendment`: the complete sections of the new revision.
#[derive(Debug, InputObject)]
pub struct ProposeAmendmentInput {
    /// Global id of the agreement in force.
    pub(super) agreement_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    pub(super) expected_version: i32,
    /// The complete sections of the new revision.
    pub(super) sections: AgreementSectionsInput,
    /// What the amendment changes and why.
    pub(super) change_note: Option<String>,
}

/// Input of `completeReview`.
#[derive(Debug, InputObject)]
pub struct CompleteReviewInput {
    /// Global id of the agreement under review.
    pub(super) agreement_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    pub(super) expected_version: i32,
    /// What the review decided.
    pub(super) outcome: ReviewOutcome,
    /// Notes taken at the review.
    pub(super) notes: Option<String>,
}

/// Input of `terminateAgreement`.
#[derive(Debug, InputObject)]
pub struct TerminateAgreementInput {
    /// Global id of the agreement.
    pub(super) agreement_id: ID,
    /// The `version` last read; a stale one is refused with CONFLICT.
    pub(super) expected_version: i32,
    /// Why it ends: for cause, for convenience (notice period respected) or non-renewal.
    pub(super) kind: TerminationKind,
    /// The reason, as given to the other party.
    pub(super) reason: String,
    /// CONVENIENCE and FOR_CAUSE: the first day no longer in force. NON_RENEWAL: the term's end.
    pub(super) effective_on: DateScalar,
}

/// One measurement in input.
#[derive(Debug, InputObject)]
pub struct MeasurementInput {
    /// The `key` of a metric of the revision in force when it was observed.
    pub(super) metric_key: String,
    /// The measured value, in the metric's unit, as a decimal string.
    pub(super) value: DecimalScalar,
    /// When it was observed; it decides the period the value counts for.
    pub(super) observed_at: DateTimeScalar,
    /// Where the value comes from (`zendesk`, `manual`); part of its identity.
    pub(super) source: String,
}

/// Input of `recordMeasurements`.
#[derive(Debug, InputObject)]
pub struct RecordMeasurementsInput {
    /// Global id of the agreement.
    pub(super) agreement_id: ID,
    /// Checked when given; recording measurements does not change the agreement's version.
    pub(super) expected_version: Option<i32>,
    /// The values; each is recorded or refused on its own (see `results`).
    pub(super) measurements: Vec<MeasurementInput>,
}

/// Result of an agreement mutation.
#[derive(Debug, SimpleObject)]
pub struct AgreementPayload {
    /// The agreement as changed.
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
    /// Refused; see `errors`.
    Refused,
}

/// A refused item's problem.
#[derive(Debug, SimpleObject)]
pub struct ItemError {
    /// The input field, like `measurements[2].value`.
    pub(super) field: String,
    /// What is wrong with it.
    pub(super) message: String,
}

/// The outcome of one item of a batch.
#[derive(Debug, SimpleObject)]
pub struct MeasurementResult {
    /// Position of the item in `measurements`, from 0.
    pub(super) index: i32,
    /// What happened to it.
    pub(super) outcome: MeasurementOutcome,
    /// Why it was refused; empty unless REFUSED.
    pub(super) errors: Vec<ItemError>,
}

/// Result of `recordMeasurements`.
#[derive(Debug, SimpleObject)]
pub struct RecordMeasurementsPayload {
    /// The agreement, with its compliance up to date.
    pub(super) agreement: AgreementNode,
    /// One result per measurement, in input order.
    pub(super) results: Vec<MeasurementResult>,
    /// Measurements accepted: RECORDED, UNCHANGED or CORRECTED.
    pub(super) recorded_count: i32,
    /// Measurements refused.
    pub(super) refused_count: i32,
}

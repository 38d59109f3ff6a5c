//! Agreement mutations.

use async_graphql::{Context, Object, Result};
use chrono::NaiveDate;
use rapport_domain::agreement::NewMeasurement;
use rapport_domain::values::Text;

use crate::error::ApiError;
use crate::graphql::context::state;
use crate::graphql::error::{GqlResultExt, gql};
use crate::graphql::ids::account_id;
use crate::graphql::sections::AgreementSectionsInput;
use crate::service;
use crate::store::Recorded;

use super::agreement_id;
use super::inputs::{
    AgreementActionInput, AgreementPayload, CompleteReviewInput, CreateAgreementDraftInput,
    ItemError, MeasurementOutcome, MeasurementResult, ProposeAmendmentInput,
    RecordMeasurementsInput, RecordMeasurementsPayload, TerminateAgreementInput,
    UpdateAgreementDraftInput,
};
use super::node::AgreementNode;

fn parse_sections(input: AgreementSectionsInput) -> Result<rapport_domain::agreement::Sections> {
    input.into_sections().gql()
}

/// Agreement mutations.
#[derive(Debug, Default)]
pub struct AgreementMutations;

#[Object]
impl AgreementMutations {
    /// Starts a draft; any of the five sections may be left out until submission.
    async fn create_agreement_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and whatever sections are ready.")]
        input: CreateAgreementDraftInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let account = account_id("accountId", &input.account_id)?;
        let sections = parse_sections(input.sections)?;
        let a = service::create_agreement_draft(&st.ctx(), account, sections)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Replaces a draft's sections.
    async fn update_agreement_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft and its new sections.")] input: UpdateAgreementDraftInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let sections = parse_sections(input.sections)?;
        let a = service::update_agreement_draft(&st.ctx(), id, input.expected_version, sections)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Submits a draft for approval; refuses an incomplete or incoherent one naming every problem.
    async fn submit_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft to submit for approval.")] input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::submit_agreement(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Approves the pending revision (admins; never its author).
    async fn approve_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The submitted agreement or amendment to approve.")]
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::approve_agreement(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Rejects the pending revision with a reason.
    async fn reject_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The submitted agreement or amendment to reject, with the reason.")]
        input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let reason = Text::reason("reason", input.reason.as_deref().unwrap_or_default()).gql()?;
        let a = service::reject_agreement(&st.ctx(), id, input.expected_version, reason)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Proposes an amendment: a new revision approved like a draft, then in force.
    async fn propose_amendment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement in force and the complete sections of its new revision.")]
        input: ProposeAmendmentInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let sections = parse_sections(input.sections)?;
        let note = input
            .change_note
            .map(|n| Text::reason("changeNote", &n))
            .transpose()
            .gql()?;
        let a = service::propose_amendment(&st.ctx(), id, input.expected_version, sections, note)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Records a batch of measurements; refused items are reported one by one.
    async fn record_measurements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement and the measured values.")] input: RecordMeasurementsInput,
    ) -> Result<RecordMeasurementsPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let items: Vec<NewMeasurement> = input
            .measurements
            .into_iter()
            .map(|m| NewMeasurement {
                metric_key: m.metric_key,
                value: m.value.0,
                observed_at: m.observed_at.0,
                source: m.source,
            })
            .collect();
        let result = service::record_measurements(&st.ctx(), id, input.expected_version, &items)
            .await
            .gql()?;
        let mut results: Vec<MeasurementResult> = result
            .recorded
            .iter()
            .map(|(i, r)| MeasurementResult {
                index: i32::try_from(*i).unwrap_or(i32::MAX),
                outcome: match r {
                    Recorded::Inserted => MeasurementOutcome::Recorded,
                    Recorded::Unchanged => MeasurementOutcome::Unchanged,
                    Recorded::Corrected => MeasurementOutcome::Corrected,
                },
                errors: vec![],
            })
            .collect();
        for (i, e) in &result.errors {
            let index = i32::try_from(*i).unwrap_or(i32::MAX);
            let item = ItemError {
                field: e.field.clone(),
                message: e.message.clone(),
            };
            match results.iter_mut().find(|r| r.index == index) {
                Some(r) => r.errors.push(item),
                None => results.push(MeasurementResult {
                    index,
                    outcome: MeasurementOutcome::Refused,
                    errors: vec![item],
                }),
            }
        }
        results.sort_by_key(|r| r.index);
        let refused = results
            .iter()
            .filter(|r| r.outcome == MeasurementOutcome::Refused)
            .count();
        Ok(RecordMeasurementsPayload {
            recorded_count: i32::try_from(results.len() - refused).unwrap_or(i32::MAX),
            refused_count: i32::try_from(refused).unwrap_or(i32::MAX),
            results,
            agreement: AgreementNode(result.agreement),
        })
    }

    /// Starts a review.
    async fn start_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement to put under review.")] input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::start_review(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Completes a review: continue, amend (an amendment follows) or terminate.
    async fn complete_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement under review, the outcome and notes.")]
        input: CompleteReviewInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let notes = input
            .notes
            .map(|n| Text::reason("notes", &n))
            .transpose()
            .gql()?;
        let a = service::complete_review(
            &st.ctx(),
            id,
            input.expected_version,
            input.outcome.into(),
            notes,
        )
        .await
        .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Renews into a new term.
    async fn renew_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agreement to renew for a new term.")] input: AgreementActionInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let a = service::renew_agreement(&st.ctx(), id, input.expected_version)
            .await
            .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }

    /// Gives notice of termination.
    async fn terminate_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The agreement, the kind of termination, the reason and the effective day."
        )]
        input: TerminateAgreementInput,
    ) -> Result<AgreementPayload> {
        let st = state(ctx);
        let id = agreement_id("agreementId", &input.agreement_id)?;
        let reason = Text::reason("reason", &input.reason).gql()?;
        let effective_on =
            NaiveDate::parse_from_str(&input.effective_on.0, "%Y-%m-%d").map_err(|_| {
                gql(ApiError::bad_input(
                    "effectiveOn",
                    "is not a date like 2026-11-22",
                ))
            })?;
        let a = service::terminate_agreement(
            &st.ctx(),
            id,
            input.expected_version,
            input.kind.into(),
            reason,
            effective_on,
        )
        .await
        .gql()?;
        Ok(AgreementPayload {
            agreement: AgreementNode(a),
        })
    }
}

//! Agreement use cases: draft, submit, approve (four-eyes), amend, measure, review, renew,
//! terminate, and the scheduler step (in [`scheduler`]). One transaction each, with audit row
//! and events.

mod measurements;
mod scheduler;

pub(crate) use measurements::settle;
pub use measurements::{BatchResult, record_measurements};
pub use scheduler::{SchedulerReport, run_scheduler};

use chrono::NaiveDate;
use rapport_domain::DomainError;
use rapport_domain::agreement::{
    Agreement, ReviewOutcome, Sections, TerminationKind, TerminationNotice,
};
use rapport_domain::events::DomainEvent;
use rapport_domain::ids::{AccountId, AgreementId};
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::Text;
use serde_json::{Value, json};

use super::accounts::account_scope;
use super::agreement_compute::{Source, refresh_compliance, termination_right};
use super::record::{Change, record};
use super::{Ctx, check_version};
use crate::error::ApiError;
use crate::global_id::{self, Kind};
use crate::store::Tx;

fn today(ctx: &Ctx<'_>) -> NaiveDate {
    ctx.now.date_naive()
}

fn snapshot(a: &Agreement) -> Value {
    let summary = a.sections().summary.as_ref();
    json!({
        "status": a.status().as_str(),
        "title": summary.map(|s| s.title.as_str()),
        "fee": summary.and_then(|s| s.fee).map(|m| json!({"amount": m.amount_string(), "currency": m.currency().as_str()})),
        "revision": a.latest_revision().number,
        "revisions": a.revisions().iter().map(|r| json!({"number": r.number, "status": r.status.as_str()})).collect::<Vec<_>>(),
        "termEnd": a.term_end().map(|d| d.to_string()),
        "termination": a.termination().map(|t| json!({"kind": t.kind.as_str(), "effectiveOn": t.effective_on.to_string()})),
        "version": a.parts().version,
    })
}

/// Checks the caller may perform `action` on the agreement's account; out of scope is NOT_FOUND.
async fn authorize_on(
    tx: &Tx,
    ctx: &Ctx<'_>,
    account: AccountId,
    action: Action,
) -> Result<(), ApiError> {
    let account = tx
        .load_account(account)
        .await?
        .ok_or(ApiError::NotFound("agreement"))?;
    let scope = Resource::Account(account_scope(&account));
    // An agreement outside the caller's rows does not exist for it. A key's scopes narrow what
    // it may do, not which rows exist: a `measurements:write` key records without `read`.
    if let Err(ApiError::NotFound(what)) = ctx.authorize(Action::ReadAgreement, &scope, "agreement")
    {
        return Err(ApiError::NotFound(what));
    }
    ctx.authorize(action, &scope, "agreement")
}

pub(crate) async fn open(
    tx: &Tx,
    ctx: &Ctx<'_>,
    id: AgreementId,
    action: Action,
    expected: Option<i32>,
) -> Result<(Agreement, Value), ApiError> {
    let agreement = tx
        .load_agreement(id)
        .await?
        .ok_or(ApiError::NotFound("agreement"))?;
    authorize_on(tx, ctx, agreement.account(), action).await?;
    if let Some(expected) = expected {
        check_version(agreement.parts().version, expected)?;
    }
    let before = snapshot(&agreement);
    Ok((agreement, before))
}

async fn finish(
    tx: Tx,
    ctx: &Ctx<'_>,
    agreement: Agreement,
    expected: i32,
    action: &'static str,
    before: Option<Value>,
    events: Vec<DomainEvent>,
) -> Result<Agreement, ApiError> {
    let saved = tx.save_agreement(agreement, expected).await?;
    refresh_compliance(&tx, &saved, today(ctx)).await?;
    record(
        &tx,
        ctx,
        Change {
            action,
            kind: Kind::Agreement,
            id: saved.id().get(),
            before,
            after: Some(snapshot(&saved)),
            events,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Runs one rule of the aggregate on an agreement, in its own transaction: loaded, authorized
/// for `action`, checked against `expected`, changed by `rule`, saved with its audit row and
/// events.
async fn apply(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    action: Action,
    name: &'static str,
    rule: impl FnOnce(&mut Agreement) -> Result<Vec<DomainEvent>, DomainError>,
) -> Result<Agreement, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut agreement, before) = open(&tx, ctx, id, action, Some(expected)).await?;
    let events = rule(&mut agreement)?;
    finish(tx, ctx, agreement, expected, name, Some(before), events).await
}

/// Starts a draft for an account; any section may be left out.
pub async fn create_agreement_draft(
    ctx: &Ctx<'_>,
    account: AccountId,
    sections: Sections,
) -> Result<Agreement, ApiError> {
    let tx = ctx.store.begin().await?;
    authorize_on(&tx, ctx, account, Action::DraftAgreement)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::bad_input("accountId", "no such account"),
            other => other,
        })?;
    let author = ctx.caller.subject.clone();
    let now = ctx.now;
    let agreement = tx
        .insert_agreement(account, &author, now, |id| {
            Agreement::draft(id, account, sections, &author, now)
        })
        .await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createAgreementDraft",
            kind: Kind::Agreement,
            id: agreement.id().get(),
            before: None,
            after: Some(snapshot(&agreement)),
            events: vec![DomainEvent::AgreementDrafted(agreement.id())],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(agreement)
}

/// Replaces a draft's sections.
pub async fn update_agreement_draft(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    sections: Sections,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::DraftAgreement,
        "updateAgreementDraft",
        |a| {
            Ok(vec![a.update_draft(
                sections,
                &ctx.caller.subject,
                ctx.now,
            )?])
        },
    )
    .await
}

/// Submits a draft for approval; refuses an incomplete or incoherent one listing every problem.
pub async fn submit_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::DraftAgreement,
        "submitAgreement",
        |a| Ok(vec![a.submit(&ctx.caller.subject, ctx.now)?]),
    )
    .await
}

/// Approves the pending revision (four-eyes: not by its author).
pub async fn approve_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ApproveAgreement,
        "approveAgreement",
        |a| a.approve(&ctx.caller.subject, ctx.now, today(ctx)),
    )
    .await
}

/// Rejects the pending revision.
pub async fn reject_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    reason: Text,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ApproveAgreement,
        "rejectAgreement",
        |a| Ok(vec![a.reject(&ctx.caller.subject, reason, ctx.now)?]),
    )
    .await
}

/// Proposes an amendment of an agreement in force: a new revision, approved like a draft.
pub async fn propose_amendment(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    sections: Sections,
    change_note: Option<Text>,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::DraftAgreement,
        "proposeAmendment",
        |a| {
            Ok(vec![a.propose_amendment(
                sections,
                change_note,
                &ctx.caller.subject,
                ctx.now,
            )?])
        },
    )
    .await
}

/// Starts a review.
pub async fn start_review(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ReviewAgreement,
        "startReview",
        |a| Ok(vec![a.start_review(ctx.now)?]),
    )
    .await
}

/// Completes a review with its outcome.
pub async fn complete_review(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    outcome: ReviewOutcome,
    notes: Option<Text>,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ReviewAgreement,
        "completeReview",
        |a| {
            Ok(vec![a.complete_review(
                outcome,
                notes,
                &ctx.caller.subject,
                today(ctx),
                ctx.now,
            )?])
        },
    )
    .await
}

/// Renews into a new term.
pub async fn renew_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
) -> Result<Agreement, ApiError> {
    apply(
        ctx,
        id,
        expected,
        Action::ReviewAgreement,
        "renewAgreement",
        |a| Ok(vec![a.renew(ctx.now)?]),
    )
    .await
}

/// Gives notice of termination; for cause is immediate only when a termination right exists.
pub async fn terminate_agreement(
    ctx: &Ctx<'_>,
    id: AgreementId,
    expected: i32,
    kind: TerminationKind,
    reason: Text,
    effective_on: NaiveDate,
) -> Result<Agreement, ApiError> {
    let tx = ctx.store.begin().await?;
    let (mut a, before) = open(&tx, ctx, id, Action::TerminateAgreement, Some(expected)).await?;
    let right = kind == TerminationKind::ForCause
        && termination_right(&Source::Tx(&tx), &a, today(ctx)).await?;
    let notice = TerminationNotice {
        kind,
        reason,
        effective_on,
        by: ctx.caller.subject.clone(),
    };
    let event = a.terminate(notice, right, ctx.now, today(ctx))?;
    finish(
        tx,
        ctx,
        a,
        expected,
        "terminateAgreement",
        Some(before),
        vec![event],
    )
    .await
}

/// The global id agreements are named by in messages.
pub(crate) fn reference(id: AgreementId) -> String {
    global_id::encode(Kind::Agreement, id.get())
}

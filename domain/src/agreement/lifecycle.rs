//! The agreement aggregate: its states, what it stores, and drafting and submission. Approval
//! and amendments live in `approval.rs`, reviews and renewal in `review.rs`, termination in
//! `termination.rs`, time-driven changes in `schedule.rs`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::records::{Review, Revision, RevisionStatus, Term, Termination};
use super::schedule::ScheduleMarker;
use super::sections::Sections;
use crate::error::DomainError;
use crate::events::DomainEvent;
use crate::ids::{AccountId, AgreementId};
use crate::wire::wire_enum;

wire_enum!(
    /// Where an agreement stands:
    /// `DRAFT → PENDING_APPROVAL → ACTIVE ⇄ UNDER_REVIEW → EXPIRED | TERMINATED`
    /// (a rejection sends a pending first revision back to `DRAFT`).
    AgreementStatus, "status" {
        /// Being written; may be partial.
        Draft => "DRAFT",
        /// Submitted; waits for four-eyes approval.
        PendingApproval => "PENDING_APPROVAL",
        /// Approved. In force on the days of its term (it may start later than approval).
        Active => "ACTIVE",
        /// A review is under way; still in force.
        UnderReview => "UNDER_REVIEW",
        /// The term ended without renewal.
        Expired => "EXPIRED",
        /// Ended by a termination.
        Terminated => "TERMINATED",
    }
);

impl AgreementStatus {
    /// Whether the agreement has been approved and has not ended.
    pub const fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::UnderReview)
    }
}

/// Every stored field of an agreement, for loading and saving. Only the store builds these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementParts {
    /// Identity.
    pub id: AgreementId,
    /// The account it is with.
    pub account: AccountId,
    /// Where it stands.
    pub status: AgreementStatus,
    /// Optimistic-concurrency version (the store bumps it on save).
    pub version: i32,
    /// Every revision, numbered 1, 2, … in order; never empty.
    pub revisions: Vec<Revision>,
    /// The current term (set when the first revision is approved).
    pub term: Option<Term>,
    /// Reviews held, oldest first.
    pub reviews: Vec<Review>,
    /// Notice of termination, once given.
    pub termination: Option<Termination>,
    /// What the scheduler already announced, so it never announces it twice.
    pub emitted: BTreeSet<ScheduleMarker>,
    /// Subject of who drafted it.
    pub created_by: String,
    /// When it was drafted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A formal agreement with an account: revisions of the five sections, approved four-eyes,
/// amended by new revisions, reviewed, renewed and ended. State changes only through methods
/// that check the rules and answer the events to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement(pub(super) AgreementParts);

impl Agreement {
    /// Starts a draft (revision 1) with whatever sections are written so far; publish
    /// [`DomainEvent::AgreementDrafted`] with it.
    pub fn draft(
        id: AgreementId,
        account: AccountId,
        sections: Sections,
        author: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self(AgreementParts {
            id,
            account,
            status: AgreementStatus::Draft,
            version: 1,
            revisions: vec![Revision {
                number: 1,
                sections,
                status: RevisionStatus::Draft,
                created_at: now,
                created_by: author.to_owned(),
                edited_by: Vec::new(),
                submitted_by: None,
                submitted_at: None,
                approved_by: None,
                approved_at: None,
                rejection: None,
                change_note: None,
                in_force_from: None,
            }],
            term: None,
            reviews: Vec::new(),
            termination: None,
            emitted: BTreeSet::new(),
            created_by: author.to_owned(),
            created_at: now,
            updated_at: now,
        })
    }

    /// Rebuilds an agreement from storage, refusing a shape the rules could never produce
    /// (no revisions, gaps in their numbers, an approved agreement without a term).
    pub fn restore(parts: AgreementParts) -> Result<Self, DomainError> {
        let numbered =
            !parts.revisions.is_empty() && (1..).zip(&parts.revisions).all(|(n, r)| r.number == n);
        if !numbered {
            return Err(DomainError::invalid(
                "revisions",
                "an agreement has revisions numbered 1, 2, … without gaps",
            ));
        }
        let approved = parts
            .revisions
            .iter()
            .any(|r| r.status == RevisionStatus::Approved);
        let pre_approval = matches!(
            parts.status,
            AgreementStatus::Draft | AgreementStatus::PendingApproval
        );
        if approved == pre_approval || parts.term.is_some() == pre_approval {
            return Err(DomainError::invalid(
                "status",
                format!(
                    "a {} agreement must {}have an approved revision and a term",
                    parts.status,
                    if pre_approval { "not " } else { "" }
                ),
            ));
        }
        Ok(Self(parts))
    }

    /// Every field, for saving or display.
    pub fn parts(&self) -> &AgreementParts {
        &self.0
    }

    /// Every field, owned.
    pub fn into_parts(self) -> AgreementParts {
        self.0
    }

    /// Identity.
    pub fn id(&self) -> AgreementId {
        self.0.id
    }

    /// The account it is with.
    pub fn account(&self) -> AccountId {
        self.0.account
    }

    /// Where it stands.
    pub fn status(&self) -> AgreementStatus {
        self.0.status
    }

    /// Every revision, oldest first.
    pub fn revisions(&self) -> &[Revision] {
        &self.0.revisions
    }

    /// The newest revision, whatever its status.
    pub fn latest_revision(&self) -> &Revision {
        // `draft` creates revision 1, `restore` refuses an empty list, nothing removes one.
        self.0
            .revisions
            .last()
            .expect("an agreement always has at least one revision")
    }

    /// The newest approved revision: the one that governs from now on (`None` before the
    /// first approval).
    pub fn current_revision(&self) -> Option<&Revision> {
        self.0
            .revisions
            .iter()
            .rev()
            .find(|r| r.status == RevisionStatus::Approved)
    }

    /// An amendment waiting for approval, if any.
    pub fn pending_amendment(&self) -> Option<&Revision> {
        let latest = self.latest_revision();
        (latest.number > 1 && latest.status == RevisionStatus::PendingApproval).then_some(latest)
    }

    /// The sections to show: the current revision's once approved, the draft's before.
    pub fn sections(&self) -> &Sections {
        self.current_revision()
            .map_or(&self.latest_revision().sections, |r| &r.sections)
    }

    /// The current term (`None` before approval).
    pub fn term(&self) -> Option<&Term> {
        self.0.term.as_ref()
    }

    /// Reviews held, oldest first.
    pub fn reviews(&self) -> &[Review] {
        &self.0.reviews
    }

    /// Notice of termination, once given.
    pub fn termination(&self) -> Option<&Termination> {
        self.0.termination.as_ref()
    }

    /// Subject of who drafted it.
    pub fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// The refusal for `action` in the current state.
    pub(super) fn refuse(&self, action: &'static str, reason: impl Into<String>) -> DomainError {
        DomainError::transition(self.0.status.as_str(), action, reason)
    }

    pub(super) fn latest_revision_mut(&mut self) -> &mut Revision {
        self.0
            .revisions
            .last_mut()
            .expect("an agreement always has at least one revision")
    }

    /// Replaces the draft's sections; only while the agreement is a `DRAFT`. `by` counts as an
    /// author of the revision for the four-eyes rule.
    pub fn update_draft(
        &mut self,
        sections: Sections,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<DomainEvent, DomainError> {
        if self.0.status != AgreementStatus::Draft {
            return Err(self.refuse(
                "update the draft",
                "only a draft can be edited; change an approved agreement with an amendment",
            ));
        }
        let draft = self.latest_revision_mut();
        draft.sections = sections;
        if !draft.is_author(by) {
            draft.edited_by.push(by.to_owned());
        }
        self.0.updated_at = now;
        Ok(DomainEvent::AgreementDraftUpdated(self.0.id))
    }

    /// `DRAFT → PENDING_APPROVAL`, once the sections are complete and coherent
    /// ([`Sections::problems`]); otherwise [`DomainError::Incomplete`] lists every problem.
    pub fn submit(&mut self, by: &str, now: DateTime<Utc>) -> Result<DomainEvent, DomainError> {
        if self.0.status != AgreementStatus::Draft {
            return Err(self.refuse("submit", "only a draft can be submitted"));
        }
        let problems = self.latest_revision().sections.problems();
        if !problems.is_empty() {
            return Err(DomainError::Incomplete(problems));
        }
        let draft = self.latest_revision_mut();
        draft.status = RevisionStatus::PendingApproval;
        draft.submitted_by = Some(by.to_owned());
        draft.submitted_at = Some(now);
        self.0.status = AgreementStatus::PendingApproval;
        self.0.updated_at = now;
        Ok(DomainEvent::AgreementSubmitted(self.0.id))
    }
}

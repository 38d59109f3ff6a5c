//! Four-eyes approval, rejection, and amendments: how a revision comes into force.
//!
//! Rules:
//! - Nobody approves a revision they wrote (created, edited or submitted).
//! - Approving the first revision makes the agreement `ACTIVE` at once; it is in force from
//!   its `effectiveFrom` (which may lie ahead) through the end of its term. A first revision
//!   whose end date has already passed is refused: reject it and correct the dates.
//! - An amendment is in force from the later of its approval day and its own
//!   `effectiveFrom`; the previous revision governs every day before. An amendment that
//!   changes the end date moves the end of the current term to it.
//! - Rejecting a first revision sends it back to `DRAFT` (its rejection kept on it);
//!   rejecting an amendment marks it `REJECTED` and leaves the agreement as it was.

use chrono::{DateTime, NaiveDate, Utc};

use super::lifecycle::{Agreement, AgreementStatus};
use super::records::{Rejection, Revision, RevisionStatus, Term};
use super::sections::Sections;
use crate::error::DomainError;
use crate::events::DomainEvent;
use crate::values::Text;

impl Agreement {
    fn awaiting_approval(&self, action: &'static str) -> Result<(), DomainError> {
        match self.0.status {
            AgreementStatus::PendingApproval => Ok(()),
            AgreementStatus::Active | AgreementStatus::UnderReview
                if self.pending_amendment().is_some() =>
            {
                Ok(())
            }
            AgreementStatus::Active | AgreementStatus::UnderReview => {
                Err(self.refuse(action, "no amendment is pending approval"))
            }
            _ => Err(self.refuse(action, "nothing is pending approval")),
        }
    }

    /// Approves the revision pending approval (the first one, or an amendment). See the module
    /// docs for when it comes into force.
    pub fn approve(
        &mut self,
        approver: &str,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        self.awaiting_approval("approve")?;
        let pending = self.latest_revision();
        if pending.is_author(approver) {
            return Err(self.refuse(
                "approve",
                format!(
                    "four-eyes rule: {approver} wrote revision {} and cannot approve it",
                    pending.number
                ),
            ));
        }
        let Some(summary) = pending.sections.summary.as_ref() else {
            return Err(DomainError::invalid(
                "summary",
                "the summary section is missing",
            ));
        };
        let (from, until) = (summary.effective_from, summary.effective_until);
        let in_force_from = if pending.number == 1 {
            from
        } else {
            from.max(today)
        };
        if let Some(until) = until
            && until < today.max(in_force_from)
        {
            return Err(DomainError::invalid(
                "summary.effectiveUntil",
                format!(
                    "ends on {until}, before it could come into force; reject it and correct the dates"
                ),
            ));
        }
        let end_changed = self
            .current_revision()
            .and_then(|r| r.sections.summary.as_ref())
            .is_none_or(|previous| previous.effective_until != until);
        let first = pending.number == 1;
        let revision = self.latest_revision_mut();
        revision.status = RevisionStatus::Approved;
        revision.approved_by = Some(approver.to_owned());
        revision.approved_at = Some(now);
        revision.in_force_from = Some(in_force_from);
        self.0.updated_at = now;
        let id = self.0.id;
        if first {
            self.0.status = AgreementStatus::Active;
            self.0.term = Some(Term {
                number: 1,
                start: from,
                end: until,
            });
            return Ok(vec![
                DomainEvent::AgreementApproved(id),
                DomainEvent::AgreementActivated(id),
            ]);
        }
        if end_changed && let Some(term) = self.0.term.as_mut() {
            term.end = until;
        }
        // An amendment effective later comes into force on its own date; one effective now is
        // in force from this approval on.
        if in_force_from <= today {
            return Ok(vec![
                DomainEvent::AgreementApproved(id),
                DomainEvent::AgreementAmended(id),
            ]);
        }
        Ok(vec![DomainEvent::AgreementApproved(id)])
    }

    /// Turns down the revision pending approval (its authors may withdraw it this way too).
    pub fn reject(
        &mut self,
        by: &str,
        reason: Text,
        now: DateTime<Utc>,
    ) -> Result<DomainEvent, DomainError> {
        self.awaiting_approval("reject")?;
        let first = self.0.status == AgreementStatus::PendingApproval;
        let revision = self.latest_revision_mut();
        revision.rejection = Some(Rejection {
            by: by.to_owned(),
            reason,
            at: now,
        });
        if first {
            revision.status = RevisionStatus::Draft;
            self.0.status = AgreementStatus::Draft;
        } else {
            revision.status = RevisionStatus::Rejected;
        }
        self.0.updated_at = now;
        Ok(DomainEvent::AgreementRejected(self.0.id))
    }

    /// Proposes new sections for an `ACTIVE` or `UNDER_REVIEW` agreement: a new revision,
    /// submitted at once (so complete and coherent like a submission) and approved like one.
    /// Only one amendment may be pending at a time.
    pub fn propose_amendment(
        &mut self,
        sections: Sections,
        change_note: Option<Text>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<DomainEvent, DomainError> {
        if !self.0.status.is_live() {
            return Err(self.refuse(
                "propose an amendment",
                "only an approved agreement that has not ended can be amended",
            ));
        }
        if let Some(pending) = self.pending_amendment() {
            return Err(self.refuse(
                "propose an amendment",
                format!("amendment {} is already pending approval", pending.number),
            ));
        }
        let problems = sections.problems();
        if !problems.is_empty() {
            return Err(DomainError::Incomplete(problems));
        }
        let number = self.latest_revision().number + 1;
        self.0.revisions.push(Revision {
            number,
            sections,
            status: RevisionStatus::PendingApproval,
            created_at: now,
            created_by: by.to_owned(),
            edited_by: Vec::new(),
            submitted_by: Some(by.to_owned()),
            submitted_at: Some(now),
            approved_by: None,
            approved_at: None,
            rejection: None,
            change_note,
            in_force_from: None,
        });
        self.0.updated_at = now;
        Ok(DomainEvent::AmendmentProposed(self.0.id))
    }

    /// The revision that governed the agreement on `date`, whatever its status now (compliance
    /// of a past period is judged against it): the approved revision with the latest
    /// `in_force_from` on or before `date`. `None` before the first one takes effect.
    pub fn revision_in_force_on(&self, date: NaiveDate) -> Option<&Revision> {
        self.0
            .revisions
            .iter()
            .filter(|r| r.status == RevisionStatus::Approved)
            .filter_map(|r| {
                r.in_force_from
                    .filter(|from| *from <= date)
                    .map(|from| (from, r))
            })
            .max_by_key(|(from, r)| (*from, r.number))
            .map(|(_, r)| r)
    }
}

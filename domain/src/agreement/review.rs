//! Reviews, renewal, and the dates derived from the term: next review, `cancelBy`, whether the
//! agreement is in force.
//!
//! Rules:
//! - The next review is due `reviewEveryMonths` after the last review held (or after
//!   `effectiveFrom` when none was).
//! - `cancelBy` is the end of the current term minus the notice period: the last day notice
//!   of non-renewal or convenience termination can take effect by the term end.
//! - A renewal starts the day after the term ends and lasts `renewalTermMonths`, or as long as
//!   the agreement's own term (`effectiveFrom..=effectiveUntil`) when none is set. It is refused
//!   once notice of termination or non-renewal was given, and for open-ended agreements.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};

use super::lifecycle::{Agreement, AgreementStatus};
use super::records::{Review, Term};
use super::sections::ReviewOutcome;
use crate::account::AgreementInForce;
use crate::error::DomainError;
use crate::events::DomainEvent;
use crate::values::Text;

/// How long a term runs: whole months when its dates line up that way, else days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermLength {
    Months(u32),
    Days(u64),
}

fn term_length(from: NaiveDate, until: NaiveDate) -> TermLength {
    for months in 1..=1_200 {
        let end = from
            .checked_add_months(Months::new(months))
            .and_then(|d| d.pred_opt());
        match end {
            Some(end) if end == until => return TermLength::Months(months),
            Some(end) if end < until => {}
            _ => break,
        }
    }
    let days = (until - from).num_days() + 1;
    TermLength::Days(u64::try_from(days).unwrap_or(1))
}

/// The last day of a term of `length` starting on `start`.
fn last_day(start: NaiveDate, length: TermLength) -> Option<NaiveDate> {
    let after = match length {
        TermLength::Months(m) => start.checked_add_months(Months::new(m)),
        TermLength::Days(d) => start.checked_add_days(Days::new(d)),
    };
    after.and_then(|d| d.pred_opt())
}

impl Agreement {
    /// `ACTIVE → UNDER_REVIEW`.
    pub fn start_review(&mut self, now: DateTime<Utc>) -> Result<DomainEvent, DomainError> {
        if self.0.status != AgreementStatus::Active {
            return Err(self.refuse("start a review", "only an active agreement can be reviewed"));
        }
        self.0.status = AgreementStatus::UnderReview;
        self.0.updated_at = now;
        Ok(DomainEvent::ReviewStarted(self.0.id))
    }

    /// `UNDER_REVIEW → ACTIVE`, recording the review as held `today`. The outcome is a record:
    /// an `AMEND` outcome is followed by [`propose_amendment`](Self::propose_amendment), a
    /// `TERMINATE` one by [`terminate`](Self::terminate), each with its own rules.
    pub fn complete_review(
        &mut self,
        outcome: ReviewOutcome,
        notes: Option<Text>,
        by: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<DomainEvent, DomainError> {
        if self.0.status != AgreementStatus::UnderReview {
            return Err(self.refuse("complete a review", "no review is under way"));
        }
        self.0.reviews.push(Review {
            held_on: today,
            outcome,
            notes,
            held_by: by.to_owned(),
        });
        self.0.status = AgreementStatus::Active;
        self.forget_review_markers();
        self.0.updated_at = now;
        Ok(DomainEvent::ReviewCompleted(self.0.id))
    }

    /// When the next review is due (`None` unless approved and not ended).
    pub fn next_review_on(&self) -> Option<NaiveDate> {
        if !self.0.status.is_live() {
            return None;
        }
        let revision = self.current_revision()?;
        let every = revision.sections.review.as_ref()?.review_every_months;
        let base = match self.0.reviews.last() {
            Some(review) => review.held_on,
            None => revision.sections.summary.as_ref()?.effective_from,
        };
        base.checked_add_months(Months::new(every))
    }

    /// The last day of the current term (`None` when open-ended or not yet approved).
    pub fn term_end(&self) -> Option<NaiveDate> {
        self.0.term.and_then(|t| t.end)
    }

    /// The end of the term minus the notice period. Before approval it is derived from the
    /// draft's sections; `None` when open-ended, ended, or not yet known.
    pub fn cancel_by(&self) -> Option<NaiveDate> {
        let sections = self.sections();
        let notice = sections.review.as_ref()?.notice_period_days;
        let end = match self.0.status {
            AgreementStatus::Draft | AgreementStatus::PendingApproval => {
                sections.summary.as_ref()?.effective_until?
            }
            AgreementStatus::Active | AgreementStatus::UnderReview => self.term_end()?,
            AgreementStatus::Expired | AgreementStatus::Terminated => return None,
        };
        end.checked_sub_days(Days::new(u64::from(notice)))
    }

    /// Whether the agreement is in force on `date`: approved and not ended, `date` on or after
    /// its start and within the current term, and before any termination takes effect.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.0.status.is_live()
            && self.revision_in_force_on(date).is_some()
            && self.term_end().is_none_or(|end| date <= end)
            && self
                .0
                .termination
                .as_ref()
                .is_none_or(|t| date < t.ends_on())
    }

    /// What the relationship rules need to refuse demoting the account, when the agreement
    /// binds it on `today`: approved, not ended, and not past its term or termination. An
    /// approved agreement that starts later binds too. `reference` is how users name it.
    pub fn agreement_in_force(
        &self,
        reference: impl Into<String>,
        today: NaiveDate,
    ) -> Option<AgreementInForce> {
        let binding = self.0.status.is_live()
            && self.term_end().is_none_or(|end| today <= end)
            && self
                .0
                .termination
                .as_ref()
                .is_none_or(|t| today < t.ends_on());
        binding.then(|| AgreementInForce {
            reference: reference.into(),
            title: self
                .sections()
                .summary
                .as_ref()
                .map_or_else(String::new, |s| s.title.as_str().to_owned()),
        })
    }

    /// Renews into the next term (see the module docs).
    pub fn renew(&mut self, now: DateTime<Utc>) -> Result<DomainEvent, DomainError> {
        if !self.0.status.is_live() {
            return Err(self.refuse(
                "renew",
                "only an approved agreement that has not ended renews",
            ));
        }
        if let Some(t) = &self.0.termination {
            return Err(self.refuse(
                "renew",
                format!(
                    "notice of {} was given on {}; it ends on {}",
                    t.kind,
                    t.notice_given_at.date_naive(),
                    t.ends_on()
                ),
            ));
        }
        let next = self
            .next_term()
            .ok_or_else(|| self.refuse("renew", "an open-ended agreement has no term to renew"))?;
        self.enter_term(next);
        self.0.updated_at = now;
        Ok(DomainEvent::AgreementRenewed(self.0.id))
    }

    /// The term that follows the current one (`None` when open-ended).
    pub(super) fn next_term(&self) -> Option<Term> {
        let term = self.0.term?;
        let end = term.end?;
        let sections = &self.current_revision()?.sections;
        let length = match sections.review.as_ref().and_then(|r| r.renewal_term_months) {
            Some(months) => TermLength::Months(months.max(1)),
            None => {
                let summary = sections.summary.as_ref()?;
                term_length(summary.effective_from, summary.effective_until?)
            }
        };
        let start = end.succ_opt()?;
        Some(Term {
            number: term.number + 1,
            start,
            end: Some(last_day(start, length)?),
        })
    }
}

//! Ending an agreement early, or giving notice that it will not renew.
//!
//! Rules (the notice period is the current revision's `noticePeriodDays`):
//! - `CONVENIENCE`: takes effect on or after today + the notice period, and no later than the
//!   term end (to end at the term end, give notice of `NON_RENEWAL`).
//! - `NON_RENEWAL`: takes effect at the end of the term (its `effectiveOn` is the term end, the
//!   last day in force), and only while the notice period still fits before it, i.e. by
//!   `cancelBy`. Open-ended agreements cannot be non-renewed.
//! - `FOR_CAUSE`: only when a consequence rule grants a termination right (the caller computes
//!   it from the breaches); then any date from today to the term end, today being immediate.
//!   It may replace a notice already given; other kinds may not.
//! - A termination taking effect today ends the agreement at once (`TERMINATED`); a later one
//!   is recorded and the scheduler ends the agreement on the day.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::lifecycle::{Agreement, AgreementStatus};
use super::records::{Termination, TerminationNotice};
use super::sections::TerminationKind;
use crate::error::DomainError;
use crate::events::DomainEvent;

impl Agreement {
    /// Gives notice of termination (see the module docs). Answers
    /// [`DomainEvent::AgreementTerminated`] when it takes effect at once,
    /// [`DomainEvent::TerminationNoticeGiven`] when it is scheduled.
    pub fn terminate(
        &mut self,
        notice: TerminationNotice,
        termination_right: bool,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<DomainEvent, DomainError> {
        let action = match notice.kind {
            TerminationKind::ForCause => "terminate for cause",
            TerminationKind::Convenience => "terminate for convenience",
            TerminationKind::NonRenewal => "give notice of non-renewal",
        };
        if !self.0.status.is_live() {
            return Err(self.refuse(
                action,
                "only an approved agreement that has not ended can be terminated",
            ));
        }
        if let Some(given) = &self.0.termination
            && notice.kind != TerminationKind::ForCause
        {
            return Err(self.refuse(
                action,
                format!(
                    "notice of {} was already given on {}; it ends on {}",
                    given.kind,
                    given.notice_given_at.date_naive(),
                    given.ends_on()
                ),
            ));
        }
        if notice.kind == TerminationKind::ForCause && !termination_right {
            return Err(self.refuse(
                action,
                "no consequence rule grants a right to terminate yet; terminate for CONVENIENCE with notice instead",
            ));
        }
        self.check_effective_on(&notice, today)?;
        let ends_now = notice.kind != TerminationKind::NonRenewal && notice.effective_on <= today;
        self.0.termination = Some(Termination {
            kind: notice.kind,
            notice_given_at: now,
            effective_on: notice.effective_on,
            reason: notice.reason,
            by: notice.by,
        });
        self.0.updated_at = now;
        if ends_now {
            self.0.status = AgreementStatus::Terminated;
            Ok(DomainEvent::AgreementTerminated(self.0.id))
        } else {
            Ok(DomainEvent::TerminationNoticeGiven(self.0.id))
        }
    }

    fn check_effective_on(
        &self,
        notice: &TerminationNotice,
        today: NaiveDate,
    ) -> Result<(), DomainError> {
        let field = "effectiveOn";
        let days = self
            .current_revision()
            .and_then(|r| r.sections.review.as_ref())
            .map_or(0, |r| r.notice_period_days);
        let earliest = today
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX);
        let end = self.term_end();
        if notice.effective_on < today {
            return Err(DomainError::invalid(
                field,
                format!("must not be in the past (today is {today})"),
            ));
        }
        match notice.kind {
            TerminationKind::NonRenewal => {
                let Some(end) = end else {
                    return Err(DomainError::invalid(
                        "kind",
                        "an open-ended agreement has no term end to let pass; terminate for CONVENIENCE",
                    ));
                };
                if notice.effective_on != end {
                    return Err(DomainError::invalid(
                        field,
                        format!("a non-renewal takes effect at the end of the term: {end}"),
                    ));
                }
                if earliest > end {
                    let cancel_by = self
                        .cancel_by()
                        .map_or_else(String::new, |d| format!("; notice was due by {d}"));
                    return Err(DomainError::invalid(
                        field,
                        format!(
                            "must be on or after {earliest} (notice period of {days} days), but the term ends on {end}{cancel_by}"
                        ),
                    ));
                }
            }
            TerminationKind::Convenience if notice.effective_on < earliest => {
                return Err(DomainError::invalid(
                    field,
                    format!("must be on or after {earliest} (notice period of {days} days)"),
                ));
            }
            TerminationKind::Convenience | TerminationKind::ForCause => {}
        }
        if notice.kind != TerminationKind::NonRenewal
            && let Some(end) = end
            && notice.effective_on > end
        {
            return Err(DomainError::invalid(
                field,
                format!(
                    "must be on or before {end}, the end of the term; to end the agreement there, give notice of NON_RENEWAL"
                ),
            ));
        }
        Ok(())
    }
}

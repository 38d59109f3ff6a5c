//! Time-driven changes: the scheduler step. The server calls [`Agreement::tick`] periodically
//! and tests call it with a given day; what it already announced is kept in the aggregate
//! (markers the store persists), so running it twice on a day announces nothing twice.
//!
//! In one step, in order:
//! 1. a recorded termination whose day has come ends the agreement (`TERMINATED`);
//! 2. a term that ended (today is past its last day) renews when the current revision
//!    auto-renews and no notice was given — as many terms as needed to reach today — else the
//!    agreement `EXPIRED`;
//! 3. a review that is due (`nextReviewOn` ≤ today, agreement `ACTIVE`) is announced once per
//!    review cycle;
//! 4. `cancelBy` coming within 30, 7 and 1 days is announced once per threshold per term
//!    (when a run skips a threshold, only the nearest one reached is announced), unless
//!    notice was already given;
//! 5. an amendment approved to take effect on a later day is announced (`agreement.amended`)
//!    once, when that day has come (one in force from its approval is announced by it).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::lifecycle::{Agreement, AgreementStatus};
use crate::error::ValidationError;
use crate::events::DomainEvent;

/// Days before `cancelBy` at which the approaching deadline is announced.
pub const NOTICE_THRESHOLDS: [u32; 3] = [30, 7, 1];

/// Something the scheduler already announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScheduleMarker {
    /// The review due on this day was announced.
    ReviewDue(NaiveDate),
    /// The notice deadline of this term was announced at this threshold (days).
    NoticeDeadline {
        /// The term's number.
        term: u32,
        /// The threshold (one of [`NOTICE_THRESHOLDS`]).
        days: u32,
    },
    /// The amendment with this revision number was announced as in force.
    Amended(u32),
}

impl ScheduleMarker {
    /// Parses the stored form written by `Display` (`review_due:2027-01-01`, `notice:2:30`).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("emitted", format!("`{raw}` is not a schedule marker"));
        let parts: Vec<&str> = raw.split(':').collect();
        match parts.as_slice() {
            ["review_due", date] => date.parse().map(Self::ReviewDue).map_err(|_| bad()),
            ["amended", number] => number.parse().map(Self::Amended).map_err(|_| bad()),
            ["notice", term, days] => Ok(Self::NoticeDeadline {
                term: term.parse().map_err(|_| bad())?,
                days: days.parse().map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for ScheduleMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReviewDue(date) => write!(f, "review_due:{date}"),
            Self::NoticeDeadline { term, days } => write!(f, "notice:{term}:{days}"),
            Self::Amended(number) => write!(f, "amended:{number}"),
        }
    }
}

impl Agreement {
    /// Every marker the scheduler set.
    pub fn emitted(&self) -> impl Iterator<Item = &ScheduleMarker> {
        self.0.emitted.iter()
    }

    /// Runs the scheduler step for `today` (see the module docs); answers the events to
    /// publish, none when nothing is due.
    pub fn tick(&mut self, today: NaiveDate, now: DateTime<Utc>) -> Vec<DomainEvent> {
        if !self.0.status.is_live() {
            return Vec::new();
        }
        let id = self.0.id;
        if self
            .0
            .termination
            .as_ref()
            .is_some_and(|t| t.ends_on() <= today)
        {
            self.0.status = AgreementStatus::Terminated;
            self.0.updated_at = now;
            return vec![DomainEvent::AgreementTerminated(id)];
        }
        let mut events = Vec::new();
        while let Some(end) = self.term_end().filter(|end| *end < today) {
            let auto_renew = self
                .current_revision()
                .and_then(|r| r.sections.review.as_ref())
                .is_some_and(|r| r.auto_renew);
            match self.next_term().filter(|_| auto_renew) {
                Some(next) if next.end.is_some_and(|e| e > end) => {
                    self.enter_term(next);
                    events.push(DomainEvent::AgreementRenewed(id));
                }
                _ => {
                    self.0.status = AgreementStatus::Expired;
                    self.0.updated_at = now;
                    events.push(DomainEvent::AgreementExpired(id));
                    return events;
                }
            }
        }
        if self.0.status == AgreementStatus::Active
            && let Some(due) = self.next_review_on().filter(|due| *due <= today)
            && self.0.emitted.insert(ScheduleMarker::ReviewDue(due))
        {
            events.push(DomainEvent::ReviewDue(id));
        }
        if let Some(number) = self.amendment_in_force_since_approval(today)
            && self.0.emitted.insert(ScheduleMarker::Amended(number))
        {
            events.push(DomainEvent::AgreementAmended(id));
        }
        if let Some(days) = self.notice_deadline_due(today)
            && let Some(cancel_by) = self.cancel_by()
        {
            events.push(DomainEvent::NoticeDeadlineApproaching {
                agreement: id,
                days,
                cancel_by,
            });
        }
        if !events.is_empty() {
            self.0.updated_at = now;
        }
        events
    }

    /// The number of the amendment in force `today` when it came into force after the day
    /// it was approved (so its approval did not announce it).
    fn amendment_in_force_since_approval(&self, today: NaiveDate) -> Option<u32> {
        let revision = self.revision_in_force_on(today)?;
        let from = revision.in_force_from?;
        let approved = revision.approved_at?.date_naive();
        (revision.number > 1 && from > approved).then_some(revision.number)
    }

    /// Marks every threshold reached; answers the days left when the nearest one is new.
    fn notice_deadline_due(&mut self, today: NaiveDate) -> Option<u32> {
        if self.0.termination.is_some() {
            return None;
        }
        let term = self.0.term?.number;
        let left = u32::try_from((self.cancel_by()? - today).num_days()).ok()?;
        let reached: Vec<u32> = NOTICE_THRESHOLDS
            .into_iter()
            .filter(|t| left <= *t)
            .collect();
        let nearest = reached.iter().copied().min()?;
        let mut nearest_is_new = false;
        for days in reached {
            let new = self
                .0
                .emitted
                .insert(ScheduleMarker::NoticeDeadline { term, days });
            nearest_is_new |= new && days == nearest;
        }
        nearest_is_new.then_some(left)
    }

    /// Moves into `next`, forgetting the notice markers of earlier terms.
    pub(super) fn enter_term(&mut self, next: super::records::Term) {
        self.0.emitted.retain(
            |m| !matches!(m, ScheduleMarker::NoticeDeadline { term, .. } if *term < next.number),
        );
        self.0.term = Some(next);
    }

    /// Forgets the review-due markers once a review was held (the next one is a new cycle).
    pub(super) fn forget_review_markers(&mut self) {
        self.0
            .emitted
            .retain(|m| !matches!(m, ScheduleMarker::ReviewDue(_)));
    }
}

//! What an agreement keeps as history: its revisions, the reviews held, its term and its
//! termination. Plain records; the [`Agreement`](super::Agreement) decides when they change.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::sections::{ReviewOutcome, Sections, TerminationKind};
use crate::values::Text;
use crate::wire::wire_enum;

wire_enum!(
    /// Where one revision stands. Whether an approved revision is still the one in force, or
    /// was superseded, depends on the date asked about: see
    /// [`Agreement::revision_in_force_on`](super::Agreement::revision_in_force_on).
    RevisionStatus, "status" {
        /// Being written (only ever the first revision: amendments are submitted at once).
        Draft => "DRAFT",
        /// Submitted, waiting for someone who did not write it to approve it.
        PendingApproval => "PENDING_APPROVAL",
        /// Approved: in force from `in_force_from` until a later revision takes over.
        Approved => "APPROVED",
        /// A proposed amendment that was turned down; kept for the record.
        Rejected => "REJECTED",
    }
);

/// Why and by whom a revision pending approval was turned down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Subject of who rejected it.
    pub by: String,
    /// Why.
    pub reason: Text,
    /// When.
    pub at: DateTime<Utc>,
}

/// One version of the five sections. Once submitted its sections never change; a change to an
/// approved agreement is a new revision (an amendment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// 1 for the original agreement, then 2, 3, … for each amendment.
    pub number: u32,
    /// The sections as written in this revision.
    pub sections: Sections,
    /// Where it stands.
    pub status: RevisionStatus,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// Subject of who started it.
    pub created_by: String,
    /// Subjects of everyone else who changed it while it was a draft (the four-eyes rule
    /// counts them as authors too).
    pub edited_by: Vec<String>,
    /// Subject of who submitted it.
    pub submitted_by: Option<String>,
    /// When it was (last) submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Subject of who approved it.
    pub approved_by: Option<String>,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// The latest rejection (a rejected first revision goes back to draft and keeps it so its
    /// authors can see why).
    pub rejection: Option<Rejection>,
    /// What an amendment changes and why.
    pub change_note: Option<Text>,
    /// First day this revision governs the agreement (set on approval).
    pub in_force_from: Option<NaiveDate>,
}

impl Revision {
    /// Whether `subject` wrote any part of this revision (created, edited or submitted it).
    pub fn is_author(&self, subject: &str) -> bool {
        self.created_by == subject
            || self.edited_by.iter().any(|e| e == subject)
            || self.submitted_by.as_deref() == Some(subject)
    }
}

/// A review held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The day it was completed.
    pub held_on: NaiveDate,
    /// What was decided.
    pub outcome: ReviewOutcome,
    /// Notes.
    pub notes: Option<Text>,
    /// Subject of who held it.
    pub held_by: String,
}

/// The period the agreement currently runs for: the original term, then each renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// 1 for the original term, +1 per renewal.
    pub number: u32,
    /// First day of the term.
    pub start: NaiveDate,
    /// Last day of the term (in force through it); `None` is open-ended.
    pub end: Option<NaiveDate>,
}

/// Notice of termination, given or taken effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// Why it ends.
    pub kind: TerminationKind,
    /// When notice was given.
    pub notice_given_at: DateTime<Utc>,
    /// For `FOR_CAUSE` and `CONVENIENCE`: the first day the agreement is no longer in force.
    /// For `NON_RENEWAL`: the end of the term, the agreement's last day in force.
    pub effective_on: NaiveDate,
    /// Why, in the words of who gave notice.
    pub reason: Text,
    /// Subject of who gave notice.
    pub by: String,
}

impl Termination {
    /// The first day the agreement is no longer in force. A non-renewal runs the term out, so
    /// it ends the day after its `effective_on`.
    pub fn ends_on(&self) -> NaiveDate {
        match self.kind {
            TerminationKind::NonRenewal => self
                .effective_on
                .checked_add_days(Days::new(1))
                .unwrap_or(self.effective_on),
            TerminationKind::ForCause | TerminationKind::Convenience => self.effective_on,
        }
    }
}

/// A validated request to terminate an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationNotice {
    /// Why it ends.
    pub kind: TerminationKind,
    /// Why, in words.
    pub reason: Text,
    /// The date asked for (see [`Termination::effective_on`]).
    pub effective_on: NaiveDate,
    /// Subject of who gives notice.
    pub by: String,
}

//! Formal agreements with clients: five typed sections, a lifecycle with four-eyes approval
//! and amendments, performance measured against targets, the consequences of a breach, and
//! review, renewal and termination.

pub mod money;
pub mod sections;

pub use money::{Currency, Money};
pub use sections::{
    BillingCadence, Calculation, Clause, Comparator, ConsequenceKind, ConsequenceRule, CreditTier,
    MeasurementPeriod, Metric, MetricKey, MetricKind, MetricUnit, ReviewAndTermination,
    ReviewOutcome, Sections, Summary, TerminationKind, TermsOfService,
};
pub mod compliance;
pub mod consequences;
pub mod measurement;
pub use compliance::{ComplianceReport, ComplianceStatus, MetricCompliance};
pub use consequences::{CreditEntry, Outcome, PeriodFee};
pub use measurement::{Measurement, MeasurementKey, NewMeasurement, Period};

mod approval;
mod coherence;
pub mod lifecycle;
pub mod records;
mod review;
pub mod schedule;
mod termination;

#[cfg(test)]
mod lifecycle_tests;

pub use lifecycle::{Agreement, AgreementParts, AgreementStatus};
pub use records::{
    Rejection, Review, Revision, RevisionStatus, Term, Termination, TerminationNotice,
};
pub use schedule::{NOTICE_THRESHOLDS, ScheduleMarker};

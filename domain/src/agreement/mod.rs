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

//! Compliance: one observed value per metric and period, judged against the target and the
//! warning threshold, and gathered into a report.

mod observed;
mod report;
#[cfg(test)]
mod report_tests;
mod status;
#[cfg(test)]
mod tests;

pub use observed::{AVERAGE_SCALE, observed};
pub use report::{ComplianceReport, MetricCompliance, compliance_report, metric_compliance};
pub use status::{ComplianceStatus, status};

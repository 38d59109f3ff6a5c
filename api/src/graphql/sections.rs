//! The five sections of an agreement: output types, input types, and parsing of the input
//! into domain sections once, naming the field path of anything wrong
//! (`summary.effectiveUntil`, `performance.metrics[0].target`).

mod inputs;
mod outputs;

pub use inputs::AgreementSectionsInput;
pub use outputs::{ConsequenceOut, MetricOut, MoneyOut, SummaryOut, TermsOut};

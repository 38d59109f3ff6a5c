use crate::Outcome;

/// A provider the step paused because it refused our credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PausedProvider {
    /// The provider.
    pub provider: &'static str,
    /// Why, as the provider said it.
    pub reason: String,
}

/// What one worker step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Jobs claimed, over every provider.
    pub claimed: usize,
    counts: [usize; Outcome::ALL.len()],
    /// Providers paused during this step (unauthorized), with the reason.
    pub paused: Vec<PausedProvider>,
    /// Providers skipped because they were already paused.
    pub skipped_paused: Vec<&'static str>,
    /// Queue failures that kept a provider from being served this step.
    pub errors: Vec<String>,
    /// Tasks that panicked; their jobs are reclaimed once the lease expires.
    pub task_failures: usize,
}

impl StepReport {
    /// How many jobs ended in `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.counts[outcome as usize]
    }

    /// How many jobs ended, whatever the outcome.
    pub fn handled(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Whether the step found nothing to do (a loop may wait before the next one).
    pub fn is_idle(&self) -> bool {
        self.claimed == 0
    }

    pub(crate) fn record(&mut self, outcome: Outcome) {
        self.counts[outcome as usize] += 1;
    }

    /// Adds what another step (of another provider) did to this report.
    pub fn merge(&mut self, other: StepReport) {
        self.claimed += other.claimed;
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.paused.extend(other.paused);
        self.skipped_paused.extend(other.skipped_paused);
        self.errors.extend(other.errors);
        self.task_failures += other.task_failures;
    }
}

impl std::fmt::Display for StepReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "claimed {}", self.claimed)?;
        for outcome in Outcome::ALL {
            let n = self.count(outcome);
            if n > 0 {
                write!(f, ", {} {n}", outcome.as_str())?;
            }
        }
        for p in &self.paused {
            write!(f, "; paused {}: {}", p.provider, p.reason)?;
        }
        if !self.skipped_paused.is_empty() {
            write!(f, "; skipped paused {}", self.skipped_paused.join(", "))?;
        }
        Ok(())
    }
}

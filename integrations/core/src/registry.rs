//! The providers a process syncs to, with their limits.

use std::fmt;
use std::sync::Arc;

use crate::{ConcurrencyLimit, ContactSync, ProviderLimits, RateLimiter};

/// A provider with its limits, as the worker uses it.
#[derive(Clone)]
pub struct RegisteredProvider {
    provider: Arc<dyn ContactSync>,
    limits: ProviderLimits,
    concurrency: ConcurrencyLimit,
    rate: Option<RateLimiter>,
}

impl RegisteredProvider {
    fn new(provider: Arc<dyn ContactSync>, limits: ProviderLimits) -> Self {
        Self {
            provider,
            limits,
            concurrency: ConcurrencyLimit::from_option(limits.max_in_flight),
            rate: limits.rate.map(RateLimiter::new),
        }
    }

    /// The provider's name.
    pub fn name(&self) -> &'static str {
        self.provider.name()
    }

    /// The provider.
    pub fn provider(&self) -> &Arc<dyn ContactSync> {
        &self.provider
    }

    /// The limits it was registered with.
    pub fn limits(&self) -> ProviderLimits {
        self.limits
    }

    /// Its in-flight limit, shared by every worker of this process.
    pub fn concurrency(&self) -> &ConcurrencyLimit {
        &self.concurrency
    }

    /// Its rate limiter, shared by every worker of this process, if it has a rate.
    pub fn rate(&self) -> Option<&RateLimiter> {
        self.rate.as_ref()
    }
}

impl fmt::Debug for RegisteredProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredProvider")
            .field("name", &self.name())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// The enabled providers, by name, in registration order.
///
/// The api builds it in one place from its config: each enabled provider section becomes one
/// `register` line. Providers not registered are not synced to (no jobs are claimed for them).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    providers: Vec<RegisteredProvider>,
}

/// A provider could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Two providers with one name would share jobs and sync state.
    #[error("a provider named `{0}` is already registered")]
    Duplicate(&'static str),
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a provider with its limits; refuses a second provider of the same name.
    pub fn register(
        &mut self,
        provider: Arc<dyn ContactSync>,
        limits: ProviderLimits,
    ) -> Result<&mut Self, RegistryError> {
        let name = provider.name();
        if self.get(name).is_some() {
            return Err(RegistryError::Duplicate(name));
        }
        self.providers
            .push(RegisteredProvider::new(provider, limits));
        Ok(self)
    }

    /// The provider named `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&RegisteredProvider> {
        self.providers.iter().find(|p| p.name() == name)
    }

    /// The names of every registered provider, in registration order: the api enqueues one job
    /// per name for each contact change.
    pub fn names(&self) -> Vec<&'static str> {
        self.providers
            .iter()
            .map(RegisteredProvider::name)
            .collect()
    }

    /// Every registered provider, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &RegisteredProvider> {
        self.providers.iter()
    }

    /// Whether no provider is registered.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;
    use crate::testing::FakeProvider;

    #[test]
    fn providers_are_found_by_name_and_listed_in_registration_order() {
        let mut registry = Registry::new();
        let ten = NonZeroUsize::new(10).expect("non-zero");
        registry
            .register(
                Arc::new(FakeProvider::new("mailchimp")),
                ProviderLimits::in_flight(ten),
            )
            .and_then(|r| {
                r.register(
                    Arc::new(FakeProvider::new("ringover")),
                    ProviderLimits::unlimited(),
                )
            })
            .expect("both register");
        assert_eq!(registry.names(), ["mailchimp", "ringover"]);
        let mailchimp = registry.get("mailchimp").expect("registered");
        assert_eq!(mailchimp.limits().max_in_flight, Some(ten));
        assert_eq!(mailchimp.concurrency().available(), Some(10));
        assert!(registry.get("aircall").is_none());
    }

    #[test]
    fn a_second_provider_with_the_same_name_is_refused() {
        let mut registry = Registry::new();
        let fake = || Arc::new(FakeProvider::new("mailchimp"));
        assert!(
            registry
                .register(fake(), ProviderLimits::unlimited())
                .is_ok()
        );
        let err = registry
            .register(fake(), ProviderLimits::unlimited())
            .expect_err("duplicate");
        assert_eq!(err, RegistryError::Duplicate("mailchimp"));
        assert_eq!(registry.names(), ["mailchimp"]);
    }

    #[test]
    fn providers_are_held_as_trait_objects() {
        let boxed: Box<dyn ContactSync> = Box::new(FakeProvider::new("boxed"));
        let shared: Arc<dyn ContactSync> = Arc::from(boxed);
        let mut registry = Registry::new();
        assert!(
            registry
                .register(shared, ProviderLimits::unlimited())
                .is_ok()
        );
        assert_eq!(registry.names(), ["boxed"]);
    }
}

//! The one place contact-sync providers are registered. A provider crate is compiled in by its
//! cargo feature and enabled by its settings section; adding one is one crate, one feature and
//! one registration here.

use rapport_integrations::Registry;

use crate::config::Settings;

/// The providers the settings enable.
pub fn registry(settings: &Settings) -> anyhow::Result<Registry> {
    #[cfg_attr(
        not(any(feature = "mailchimp", feature = "ringover")),
        expect(unused_mut, reason = "no provider compiled in")
    )]
    let mut registry = Registry::default();
    #[cfg(feature = "mailchimp")]
    if let Some(config) = &settings.mailchimp {
        let provider = rapport_mailchimp::MailchimpProvider::new(config.clone())
            .map_err(|e| anyhow::anyhow!("invalid [mailchimp] settings: {e}"))?;
        let limits = provider.limits();
        registry.register(std::sync::Arc::new(provider), limits)?;
    }
    #[cfg(feature = "ringover")]
    if let Some(config) = &settings.ringover {
        let provider = rapport_ringover::RingoverProvider::new(config)
            .map_err(|e| anyhow::anyhow!("invalid [ringover] settings: {e}"))?;
        registry.register(std::sync::Arc::new(provider), config.limits())?;
    }
    let _ = settings;
    Ok(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_provider_is_enabled_without_its_settings_section() {
        let registry = registry(&Settings::default()).expect("registry");
        assert!(registry.names().is_empty());
    }

    #[cfg(feature = "mailchimp")]
    #[test]
    fn a_mailchimp_section_enables_the_mailchimp_provider() {
        let settings = Settings {
            mailchimp: Some(rapport_mailchimp::MailchimpConfig::new(
                "0123456789abcdef-us19".to_owned().into(),
                "list1",
            )),
            ..Settings::default()
        };
        let registry = registry(&settings).expect("registry");
        assert_eq!(registry.names(), ["mailchimp"]);
    }

    #[cfg(feature = "ringover")]
    #[test]
    fn a_ringover_section_enables_the_ringover_provider() {
        let settings = Settings {
            ringover: Some(rapport_ringover::RingoverConfig::new(
                "key".to_owned().into(),
                "webhook-secret".to_owned().into(),
            )),
            ..Settings::default()
        };
        let registry = registry(&settings).expect("registry");
        assert_eq!(registry.names(), ["ringover"]);
    }
}

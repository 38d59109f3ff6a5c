//! The rules on persisted-query settings that can be checked without reading a file.

use rapport_domain::role::Role;

use super::GraphqlSettings;

impl GraphqlSettings {
    /// The role a `trusted_documents_by_role` key names. Keys are matched without regard to
    /// case: `RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS_BY_ROLE__PARTNER` arrives lowercased.
    pub fn trusted_documents_role(key: &str) -> Result<Role, String> {
        Role::parse(&key.to_ascii_uppercase()).map_err(|_| {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!(
                "graphql.trusted_documents_by_role: `{key}` is not a role (one of {})",
                names.join(", ")
            )
        })
    }

    /// Checks the persisted-query settings, naming the key.
    pub(super) fn validate_persisted(&self) -> Result<(), String> {
        if self.apq_enabled && self.apq_cache_size == 0 {
            return Err("graphql.apq_cache_size must be at least 1 while apq_enabled".into());
        }
        if self.apq_enabled && self.apq_cache_bytes < self.max_query_bytes {
            return Err(format!(
                "graphql.apq_cache_bytes ({}) must be at least graphql.max_query_bytes ({}), \
                 or the largest admissible document could never be kept",
                self.apq_cache_bytes, self.max_query_bytes
            ));
        }
        if self.trusted_documents_only && self.trusted_documents.is_none() {
            return Err(
                "graphql.trusted_documents_only needs graphql.trusted_documents (the path of \
                 the documents file)"
                    .into(),
            );
        }
        for key in self.trusted_documents_by_role.keys() {
            Self::trusted_documents_role(key)?;
        }
        if !self.trusted_documents_by_role.is_empty() && !self.trusted_documents_only {
            return Err(
                "graphql.trusted_documents_by_role restricts roles only in trusted-documents \
                 mode: set graphql.trusted_documents_only = true"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn persisted_query_settings_that_cannot_work_are_refused_by_name() {
        assert!(GraphqlSettings::default().validate_persisted().is_ok());
        let no_file = GraphqlSettings {
            trusted_documents_only: true,
            ..GraphqlSettings::default()
        };
        let err = no_file.validate_persisted().unwrap_err();
        assert!(err.contains("graphql.trusted_documents"), "{err}");
        let mut bad_role = GraphqlSettings {
            trusted_documents_only: true,
            trusted_documents: Some(PathBuf::from("docs.json")),
            ..GraphqlSettings::default()
        };
        bad_role
            .trusted_documents_by_role
            .insert("ROOT".into(), PathBuf::from("root.json"));
        let err = bad_role.validate_persisted().unwrap_err();
        assert!(err.contains("`ROOT` is not a role"), "{err}");
        let tiny = GraphqlSettings {
            apq_cache_bytes: 10,
            ..GraphqlSettings::default()
        };
        assert!(
            tiny.validate_persisted()
                .unwrap_err()
                .contains("graphql.apq_cache_bytes")
        );
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn trusted_documents_per_role_can_be_set_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS_ONLY", "true");
            jail.set_env("RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS", "/srv/all.json");
            jail.set_env(
                "RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS_BY_ROLE__PARTNER",
                "/srv/partner.json",
            );
            let s = crate::config::Settings::load(None).map_err(|e| e.to_string())?;
            assert!(s.graphql.trusted_documents_only);
            let (key, path) = s
                .graphql
                .trusted_documents_by_role
                .iter()
                .next()
                .expect("one role");
            assert_eq!(
                GraphqlSettings::trusted_documents_role(key),
                Ok(Role::Partner)
            );
            assert_eq!(path, &PathBuf::from("/srv/partner.json"));
            Ok(())
        });
    }

    #[test]
    fn role_keys_match_whatever_their_case() {
        assert_eq!(
            GraphqlSettings::trusted_documents_role("partner"),
            Ok(Role::Partner)
        );
        assert_eq!(
            GraphqlSettings::trusted_documents_role("ACCOUNT_MANAGER"),
            Ok(Role::AccountManager)
        );
    }
}

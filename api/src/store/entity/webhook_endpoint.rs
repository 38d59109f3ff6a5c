use sea_orm::entity::prelude::*;

/// `Debug` is written by hand below so the signing secrets never reach a log.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_member_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub url: String,
    pub description: String,
    /// JSON array of event type names; empty means every type the owner may receive.
    pub event_types: String,
    pub account_id: Option<i64>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    pub enabled: bool,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTimeUtc>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("webhook_endpoint::Model")
            .field("id", &self.id)
            .field("owner_member_id", &self.owner_member_id)
            .field("partner_id", &self.partner_id)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("account_id", &self.account_id)
            .field("secret", &"[redacted]")
            .field(
                "previous_secret",
                &self.previous_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("previous_secret_until", &self.previous_secret_until)
            .field("enabled", &self.enabled)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_never_prints_the_secrets() {
        let now = chrono::Utc::now();
        let model = super::Model {
            id: 1,
            owner_member_id: Some(1),
            partner_id: None,
            url: "https://hooks.example.com/in".to_owned(),
            description: String::new(),
            event_types: "[]".to_owned(),
            account_id: None,
            secret: "whsec_current-secret-value".to_owned(),
            previous_secret: Some("whsec_previous-secret-value".to_owned()),
            previous_secret_until: Some(now),
            enabled: true,
            disabled_at: None,
            disabled_reason: None,
            failing_since: None,
            version: 1,
            created_by: "admin".to_owned(),
            created_at: now,
            updated_at: now,
        };
        let printed = format!("{model:?}");
        assert!(!printed.contains("secret-value"), "{printed}");
        assert!(printed.contains("hooks.example.com"), "{printed}");
    }
}

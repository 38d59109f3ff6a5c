//! What the inbound webhooks keep besides contact changes: receipts of the events already
//! applied (providers deliver at least once), and a provider's sync state following a change
//! the provider itself made.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TryInsertResult};

use super::entity::{audit_log, sync_state, webhook_receipt};
use super::{StoreError, Tx};

impl Tx {
    /// Records that `provider`'s event `key` was applied (to `contact`); `false` when it
    /// already was, by an earlier delivery or by a concurrent one that committed first.
    pub async fn record_webhook_receipt(
        &self,
        provider: &str,
        key: &str,
        contact: Option<ContactId>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let row = webhook_receipt::ActiveModel {
            provider: Set(provider.to_owned()),
            dedup_key: Set(key.to_owned()),
            contact_id: Set(contact.map(ContactId::get)),
            received_at: Set(now),
            ..Default::default()
        };
        let inserted = webhook_receipt::Entity::insert(row)
            .on_conflict_do_nothing_on([
                webhook_receipt::Column::Provider,
                webhook_receipt::Column::DedupKey,
            ])
            .exec(&self.inner)
            .await?;
        Ok(matches!(inserted, TryInsertResult::Inserted(_)))
    }

    /// Forgets `provider`'s receipts older than `before`: past the provider's retry window they
    /// no longer prevent anything.
    pub async fn prune_webhook_receipts(
        &self,
        provider: &str,
        before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(webhook_receipt::Entity::delete_many()
            .filter(webhook_receipt::Column::Provider.eq(provider))
            .filter(webhook_receipt::Column::ReceivedAt.lt(before))
            .exec(&self.inner)
            .await?
            .rows_affected)
    }

    /// Deletes the receipts of a contact's events (erasure: their keys derive from its
    /// addresses).
    pub async fn delete_webhook_receipts_of(&self, contact: ContactId) -> Result<u64, StoreError> {
        Ok(webhook_receipt::Entity::delete_many()
            .filter(webhook_receipt::Column::ContactId.eq(contact.get()))
            .exec(&self.inner)
            .await?
            .rows_affected)
    }

    /// When an entity was last changed by an actor other than the webhooks (`webhook:…`): the
    /// last change made here rather than reported by a provider.
    pub async fn last_local_change(
        &self,
        entity_type: &str,
        entity_id: i64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.last_change_by(entity_type, entity_id, true).await
    }

    /// When an entity was last changed, here or by a provider's webhook.
    pub async fn last_change(
        &self,
        entity_type: &str,
        entity_id: i64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.last_change_by(entity_type, entity_id, false).await
    }

    async fn last_change_by(
        &self,
        entity_type: &str,
        entity_id: i64,
        local_only: bool,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut query = audit_log::Entity::find()
            .filter(audit_log::Column::EntityType.eq(entity_type))
            .filter(audit_log::Column::EntityId.eq(entity_id.to_string()));
        if local_only {
            query = query.filter(audit_log::Column::Actor.not_like("webhook:%"));
        }
        Ok(query
            .order_by_desc(audit_log::Column::Id)
            .one(&self.inner)
            .await?
            .map(|row| row.at))
    }

    /// The provider changed the contact's address itself: its member now lives under `email`,
    /// so the next sync addresses that member rather than the one of the address last sent.
    /// `member_key` is the provider's key of the new address, which an email-keyed provider
    /// (Mailchimp: the subscriber hash) also reports as its id of the member. A contact never
    /// synced to the provider has no state to follow.
    pub async fn follow_provider_email_change(
        &self,
        provider: &str,
        contact: ContactId,
        email: &str,
        member_key: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut update = sync_state::Entity::update_many()
            .col_expr(sync_state::Column::SentEmail, Expr::value(email))
            .filter(sync_state::Column::Provider.eq(provider))
            .filter(sync_state::Column::ContactId.eq(contact.get()))
            .filter(sync_state::Column::Erased.eq(false));
        if let Some(key) = member_key {
            update = update
                .col_expr(sync_state::Column::EmailKey, Expr::value(key))
                .col_expr(sync_state::Column::ExternalId, Expr::value(key));
        }
        update.exec(&self.inner).await?;
        Ok(())
    }

    /// Records that `provider` already holds `consent` for the contact (it reported the change
    /// itself), so the change is not sent back to it.
    pub async fn follow_provider_consent_change(
        &self,
        provider: &str,
        contact: ContactId,
        consent: &str,
    ) -> Result<(), StoreError> {
        sync_state::Entity::update_many()
            .col_expr(sync_state::Column::SentConsent, Expr::value(consent))
            .filter(sync_state::Column::Provider.eq(provider))
            .filter(sync_state::Column::ContactId.eq(contact.get()))
            .filter(sync_state::Column::Erased.eq(false))
            .exec(&self.inner)
            .await?;
        Ok(())
    }
}

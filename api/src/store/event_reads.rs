//! Reads the event code needs: a period's ledger before it is recomputed (to tell a new credit
//! from a changed one), and an aggregate's outbox rows as events (tests and tools).

use chrono::NaiveDate;
use rapport_domain::ids::AgreementId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entity::{outbox, service_credit};
use super::outbox::event_of;
use super::{Store, StoreError, Tx};
use crate::events::Event;

/// One stored credit of a period: metric key, amount (exact decimal string), currency.
pub type PeriodCredit = (String, String, String);

impl Tx {
    /// The ledger entries of one period of an agreement, as stored now.
    pub async fn credits_of_period(
        &self,
        agreement: AgreementId,
        period_start: NaiveDate,
    ) -> Result<Vec<PeriodCredit>, StoreError> {
        Ok(service_credit::Entity::find()
            .filter(service_credit::Column::AgreementId.eq(agreement.get()))
            .filter(service_credit::Column::PeriodStart.eq(period_start))
            .all(&self.inner)
            .await?
            .into_iter()
            .map(|r| (r.metric_key, r.amount, r.currency))
            .collect())
    }
}

impl Store {
    /// Every outbox event of one aggregate, oldest first, whether published or not (an
    /// unpublished one has `seq` 0 and the actor's name unresolved).
    pub async fn outbox_events_of(
        &self,
        entity_type: &str,
        entity_id: i64,
    ) -> Result<Vec<Event>, StoreError> {
        outbox::Entity::find()
            .filter(outbox::Column::EntityType.eq(entity_type))
            .filter(outbox::Column::EntityId.eq(entity_id.to_string()))
            .order_by_asc(outbox::Column::Id)
            .all(self.reader())
            .await?
            .into_iter()
            .map(event_of)
            .collect()
    }
}

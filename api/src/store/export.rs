//! Reads for bulk export: rows in id order, one keyset chunk at a time (`id > after`, at most
//! `limit` rows), within the caller's [`ReadScope`] and the list filter. No OFFSET and no
//! open cursor: each chunk is one short statement on the reader pool (plus one per related
//! table for accounts and agreements), so an export of any size holds one chunk in memory
//! and never keeps a connection from the other requests between chunks.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::agreement::Agreement;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use super::by_position::{self, Cols, ReadRow};
use super::entity::{
    account, account_domain, agreement, contact, measurement, relationship_change, service_credit,
    team_member,
};
use super::{AccountQuery, AgreementQuery, ContactQuery, CreditQuery, Store, StoreError, scope};
use crate::auth::ReadScope;

/// An account as exported.
#[derive(Debug, Clone)]
pub struct AccountExportRow {
    /// Row id.
    pub id: i64,
    /// The source system of the external id, when the account has one.
    pub external_source: Option<String>,
    /// The account's id in that system.
    pub external_id: Option<String>,
    /// Display name.
    pub name: String,
    /// `INDIVIDUAL` / `ORGANIZATION`.
    pub kind: String,
    /// Every email domain named for the account, in name order.
    pub domains: Vec<String>,
    /// `CUSTOMER` / `CLIENT`.
    pub relationship: String,
    /// The account manager's email, when it has one.
    pub manager_email: Option<String>,
    /// When the account last became a client, while it is one.
    pub client_since: Option<DateTime<Utc>>,
    /// `ACTIVE` / `CHURNED`.
    pub status: String,
    /// The referring partner's row id.
    pub partner_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A contact as exported; phones, tags and custom fields are the stored JSON text.
#[derive(Debug, Clone)]
pub struct ContactExportRow {
    /// Row id.
    pub id: i64,
    /// The source system of the external id, when the contact has one.
    pub external_source: Option<String>,
    /// The contact's id in that system.
    pub external_id: Option<String>,
    /// The account's row id.
    pub account_id: i64,
    /// Given name (none once erased).
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// `[{"number", "type"}]` as JSON text.
    pub phones: String,
    /// Role at the account.
    pub job_role: Option<String>,
    /// Email-marketing consent.
    pub email_consent: String,
    /// `["tag"]` as JSON text.
    pub tags: String,
    /// `[{"key", "type", "value"}]` as JSON text.
    pub custom_fields: String,
    /// When the personal data was erased.
    pub erased_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// An agreement as exported: the aggregate and its sections (of the revision in force, or of
/// the latest draft) as the JSON the revisions store.
#[derive(Debug, Clone)]
pub struct AgreementExportRow {
    /// The agreement.
    pub agreement: Agreement,
    /// `{summary, terms, metrics, consequences, review}`.
    pub sections: Value,
}

/// A measurement as exported.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MeasurementExportRow {
    /// Row id.
    pub id: i64,
    /// The agreement's row id.
    pub agreement_id: i64,
    /// The metric's key.
    pub metric_key: String,
    /// First day of the period measured.
    pub period_start: NaiveDate,
    /// The value, as the exact decimal recorded.
    pub value: String,
    /// When it was observed.
    pub observed_at: DateTime<Utc>,
    /// Where it came from.
    pub source: String,
    /// Who recorded it (a subject).
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A service credit as exported.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CreditExportRow {
    /// Row id.
    pub id: i64,
    /// The agreement's row id.
    pub agreement_id: i64,
    /// The metric breached.
    pub metric_key: String,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Exact decimal amount.
    pub amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Why it was incurred.
    pub reason: String,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
}

impl Store {
    /// Accounts after row `after`, by id, at most `limit`.
    pub async fn export_accounts(
        &self,
        scope: ReadScope,
        query: &AccountQuery,
        after: i64,
        limit: u64,
    ) -> Result<Vec<AccountExportRow>, StoreError> {
        let rows = account::Entity::find()
            .filter(query.condition())
            .filter(scope::accounts(scope))
            .filter(account::Column::Id.gt(after))
            .order_by_asc(account::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut domains: HashMap<i64, Vec<String>> = HashMap::new();
        for d in account_domain::Entity::find()
            .filter(account_domain::Column::AccountId.is_in(ids.clone()))
            .order_by_asc(account_domain::Column::Domain)
            .all(self.reader())
            .await?
        {
            domains.entry(d.account_id).or_default().push(d.domain);
        }
        let since: HashMap<i64, DateTime<Utc>> = relationship_change::Entity::find()
            .filter(relationship_change::Column::AccountId.is_in(ids))
            .filter(relationship_change::Column::ToType.eq("CLIENT"))
            .order_by_asc(relationship_change::Column::Id)
            .all(self.reader())
            .await?
            .into_iter()
            .map(|c| (c.account_id, c.at))
            .collect();
        let managers: Vec<i64> = rows.iter().filter_map(|r| r.account_manager_id).collect();
        let emails: HashMap<i64, String> = if managers.is_empty() {
            HashMap::new()
        } else {
            team_member::Entity::find()
                .filter(team_member::Column::Id.is_in(managers))
                .all(self.reader())
                .await?
                .into_iter()
                .map(|m| (m.id, m.email))
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|r| AccountExportRow {
                id: r.id,
                external_source: r.external_source,
                external_id: r.external_id,
                domains: domains.remove(&r.id).unwrap_or_default(),
                client_since: (r.relationship == "CLIENT")
                    .then(|| since.get(&r.id).copied())
                    .flatten(),
                manager_email: r.account_manager_id.and_then(|m| emails.get(&m).cloned()),
                name: r.name,
                kind: r.kind,
                relationship: r.relationship,
                status: r.status,
                partner_id: r.partner_id,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect())
    }

    /// Contacts after row `after`, by id, at most `limit`: one statement, only the columns
    /// exported.
    pub async fn export_contacts(
        &self,
        scope: ReadScope,
        query: &ContactQuery,
        after: i64,
        limit: u64,
    ) -> Result<Vec<ContactExportRow>, StoreError> {
        use contact::Column as C;
        let select = contact::Entity::find()
            .filter(query.condition())
            .filter(scope::by_account(scope, C::AccountId))
            .filter(C::Id.gt(after))
            .order_by_asc(C::Id)
            .limit(limit);
        by_position::all::<ContactExportRow>(self.reader(), select).await
    }

    /// Agreements after row `after`, by id, at most `limit`, with their sections.
    pub async fn export_agreements(
        &self,
        scope: ReadScope,
        query: &AgreementQuery,
        after: i64,
        limit: u64,
    ) -> Result<Vec<AgreementExportRow>, StoreError> {
        let rows = agreement::Entity::find()
            .filter(query.condition())
            .filter(scope::by_account(scope, agreement::Column::AccountId))
            .filter(agreement::Column::Id.gt(after))
            .order_by_asc(agreement::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await?;
        Ok(super::agreements::with_revisions(self.reader(), rows)
            .await?
            .into_iter()
            .map(|agreement| AgreementExportRow {
                sections: super::sections_json::to_json(agreement.sections()),
                agreement,
            })
            .collect())
    }

    /// Measurements after row `after`, by id, at most `limit`; the filter is the credit
    /// ledger's (agreement, account, metric, period start).
    pub async fn export_measurements(
        &self,
        scope: ReadScope,
        query: &CreditQuery,
        after: i64,
        limit: u64,
    ) -> Result<Vec<MeasurementExportRow>, StoreError> {
        use measurement::Column as M;
        Ok(measurement::Entity::find()
            .select_only()
            .columns([
                M::Id,
                M::AgreementId,
                M::MetricKey,
                M::PeriodStart,
                M::Value,
                M::ObservedAt,
                M::Source,
                M::RecordedBy,
                M::RecordedAt,
            ])
            .filter(measurement_condition(query))
            .filter(scope::by_agreement(scope, M::AgreementId))
            .filter(M::Id.gt(after))
            .order_by_asc(M::Id)
            .limit(limit)
            .into_model::<MeasurementExportRow>()
            .all(self.reader())
            .await?)
    }

    /// Service credits after row `after`, by id, at most `limit`.
    pub async fn export_credits(
        &self,
        scope: ReadScope,
        query: &CreditQuery,
        after: i64,
        limit: u64,
    ) -> Result<Vec<CreditExportRow>, StoreError> {
        use service_credit::Column as S;
        Ok(service_credit::Entity::find()
            .select_only()
            .columns([
                S::Id,
                S::AgreementId,
                S::MetricKey,
                S::PeriodStart,
                S::Amount,
                S::Currency,
                S::Reason,
                S::ComputedAt,
            ])
            .filter(query.condition())
            .filter(scope::by_agreement(scope, S::AgreementId))
            .filter(S::Id.gt(after))
            .order_by_asc(S::Id)
            .limit(limit)
            .into_model::<CreditExportRow>()
            .all(self.reader())
            .await?)
    }
}

/// The credit ledger's filter applied to measurements (same parts, same meaning).
fn measurement_condition(q: &CreditQuery) -> Condition {
    if q.contradiction {
        return super::filters::nothing();
    }
    let mut cond = Condition::all();
    if let Some(a) = q.agreement {
        cond = cond.add(measurement::Column::AgreementId.eq(a.get()));
    }
    if let Some(a) = q.account {
        cond = cond.add(
            measurement::Column::AgreementId.in_subquery(
                Query::select()
                    .column(agreement::Column::Id)
                    .from(agreement::Entity)
                    .and_where(agreement::Column::AccountId.eq(a.get()))
                    .to_owned(),
            ),
        );
    }
    if let Some(m) = &q.metric {
        cond = cond.add(measurement::Column::MetricKey.eq(m.clone()));
    }
    cond.add(q.period.on_date(measurement::Column::PeriodStart))
}

impl ReadRow for ContactExportRow {
    type Entity = contact::Entity;
    const COLUMNS: &'static [contact::Column] = &[
        contact::Column::Id,
        contact::Column::ExternalSource,
        contact::Column::ExternalId,
        contact::Column::AccountId,
        contact::Column::FirstName,
        contact::Column::LastName,
        contact::Column::Email,
        contact::Column::Phones,
        contact::Column::JobRole,
        contact::Column::EmailConsent,
        contact::Column::Tags,
        contact::Column::CustomFields,
        contact::Column::ErasedAt,
        contact::Column::CreatedAt,
        contact::Column::UpdatedAt,
    ];

    fn read(c: &mut Cols<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            id: c.next()?,
            external_source: c.next()?,
            external_id: c.next()?,
            account_id: c.next()?,
            first_name: c.next()?,
            last_name: c.next()?,
            email: c.next()?,
            phones: c.next()?,
            job_role: c.next()?,
            email_consent: c.next()?,
            tags: c.next()?,
            custom_fields: c.next()?,
            erased_at: c.next()?,
            created_at: c.next()?,
            updated_at: c.next()?,
        })
    }
}

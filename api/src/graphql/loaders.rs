use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use rapport_domain::account::{Account, AccountDomain, RelationshipChange};
use rapport_domain::agreement::{Measurement, MeasurementPeriod, Period};
use rapport_domain::contact::Contact;
use rapport_domain::ids::{AccountId, AgreementId, ContactId, PartnerId, TeamMemberId};
use rapport_domain::partner::Partner;
use rapport_domain::team::TeamMember;

use crate::auth::ReadScope;
use crate::service::agreement_compute::{end_of, start_of};
use crate::store::{Interaction, InteractionPage, Page, Store, StoreError, StoredCredit};

/// A loader failure, shared between every resolver waiting on the batch.
#[derive(Debug, Clone)]
pub struct LoadError(pub Arc<StoreError>);

impl From<LoadError> for crate::error::ApiError {
    fn from(e: LoadError) -> Self {
        crate::error::ApiError::Internal(Box::new(e))
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "batch load failed: {}", self.0)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Accounts by id, one query per batch. The accounts carry no domains: `domains` are read
/// through [`DomainsLoader`], only when a query asks for them.
#[derive(Debug)]
pub struct AccountLoader(pub Store, pub ReadScope);

impl Loader<AccountId> for AccountLoader {
    type Value = Account;
    type Error = LoadError;

    async fn load(&self, keys: &[AccountId]) -> Result<HashMap<AccountId, Account>, LoadError> {
        let joined = self
            .0
            .accounts_with_managers(self.1, keys, false)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(joined.accounts.into_iter().map(|a| (a.id(), a)).collect())
    }
}

/// The email domains of accounts by account id, one query per batch.
#[derive(Debug)]
pub struct DomainsLoader(pub Store, pub ReadScope);

impl Loader<AccountId> for DomainsLoader {
    type Value = Vec<AccountDomain>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<AccountDomain>>, LoadError> {
        self.0
            .account_domains(self.1, keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))
    }
}

/// Team members by id, one query per batch.
#[derive(Debug)]
pub struct TeamMemberLoader(pub Store, pub ReadScope);

impl Loader<TeamMemberId> for TeamMemberLoader {
    type Value = TeamMember;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TeamMemberId],
    ) -> Result<HashMap<TeamMemberId, TeamMember>, LoadError> {
        let rows = self
            .0
            .team_members_by_ids(self.1, keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}

/// Partners by id, one query per batch.
#[derive(Debug)]
pub struct PartnerLoader(pub Store, pub ReadScope);

impl Loader<PartnerId> for PartnerLoader {
    type Value = Partner;
    type Error = LoadError;

    async fn load(&self, keys: &[PartnerId]) -> Result<HashMap<PartnerId, Partner>, LoadError> {
        let rows = self
            .0
            .partners_by_ids(self.1, keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Contacts by id, one query per batch.
#[derive(Debug)]
pub struct ContactLoader(pub Store, pub ReadScope);

impl Loader<ContactId> for ContactLoader {
    type Value = Contact;
    type Error = LoadError;

    async fn load(&self, keys: &[ContactId]) -> Result<HashMap<ContactId, Contact>, LoadError> {
        let rows = self
            .0
            .contacts_by_ids(self.1, keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|c| (c.id(), c)).collect())
    }
}

/// Relationship histories by account id, one query per batch.
#[derive(Debug)]
pub struct HistoryLoader(pub Store, pub ReadScope);

impl Loader<AccountId> for HistoryLoader {
    type Value = Vec<RelationshipChange>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<RelationshipChange>>, LoadError> {
        self.0
            .relationship_histories(self.1, keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))
    }
}

/// Measurements of an agreement over one calendar quarter, keyed by the agreement and the
/// quarter's first day; one query per batch (the compliance of a page of agreements).
#[derive(Debug)]
pub struct QuarterMeasurementsLoader(pub Store, pub ReadScope);

impl Loader<(AgreementId, NaiveDate)> for QuarterMeasurementsLoader {
    type Value = Vec<Measurement>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(AgreementId, NaiveDate)],
    ) -> Result<HashMap<(AgreementId, NaiveDate), Vec<Measurement>>, LoadError> {
        let quarter = |start: NaiveDate| Period::containing(start, MeasurementPeriod::Quarterly);
        let (Some(first), Some(last)) = (
            keys.iter().map(|(_, q)| *q).min(),
            keys.iter().map(|(_, q)| *q).max(),
        ) else {
            return Ok(HashMap::new());
        };
        let mut ids: Vec<AgreementId> = keys.iter().map(|(a, _)| *a).collect();
        ids.sort();
        ids.dedup();
        let rows = self
            .0
            .measurements_of_many(
                self.1,
                &ids,
                start_of(quarter(first).start()),
                end_of(&quarter(last)),
            )
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        let mut out: HashMap<(AgreementId, NaiveDate), Vec<Measurement>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (agreement, m) in rows {
            let key = (agreement, quarter(m.observed_at.date_naive()).start());
            if let Some(list) = out.get_mut(&key) {
                list.push(m);
            }
        }
        Ok(out)
    }
}

/// Credit-ledger entries of an agreement for one period start; one query per batch.
#[derive(Debug)]
pub struct PeriodCreditsLoader(pub Store, pub ReadScope);

impl Loader<(AgreementId, NaiveDate)> for PeriodCreditsLoader {
    type Value = Vec<StoredCredit>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(AgreementId, NaiveDate)],
    ) -> Result<HashMap<(AgreementId, NaiveDate), Vec<StoredCredit>>, LoadError> {
        let mut ids: Vec<AgreementId> = keys.iter().map(|(a, _)| *a).collect();
        ids.sort();
        ids.dedup();
        let mut starts: Vec<NaiveDate> = keys.iter().map(|(_, d)| *d).collect();
        starts.sort();
        starts.dedup();
        let rows = self
            .0
            .credits_for_periods(self.1, &ids, &starts)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        let mut out: HashMap<(AgreementId, NaiveDate), Vec<StoredCredit>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (agreement, credit) in rows {
            if let Some(list) = out.get_mut(&(agreement, credit.period_start)) {
                list.push(credit);
            }
        }
        Ok(out)
    }
}

/// Pages of contacts' interactions, keyed by the contact and the page; one query per distinct
/// page in a batch (a page of contacts asks for the same page of each).
#[derive(Debug)]
pub struct InteractionPagesLoader(pub Store, pub ReadScope);

impl Loader<(ContactId, InteractionPage)> for InteractionPagesLoader {
    type Value = Page<Interaction>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(ContactId, InteractionPage)],
    ) -> Result<HashMap<(ContactId, InteractionPage), Page<Interaction>>, LoadError> {
        let mut pages: Vec<InteractionPage> = keys.iter().map(|(_, p)| *p).collect();
        pages.sort_by_key(|p| (p.after, p.limit, p.sort, p.desc));
        pages.dedup();
        let mut out = HashMap::with_capacity(keys.len());
        for page in pages {
            let mut contacts: Vec<ContactId> = keys
                .iter()
                .filter(|(_, p)| *p == page)
                .map(|(c, _)| *c)
                .collect();
            contacts.sort();
            contacts.dedup();
            let found = self
                .0
                .interaction_pages(self.1, &contacts, page)
                .await
                .map_err(|e| LoadError(Arc::new(e)))?;
            out.extend(found.into_iter().map(|(contact, p)| ((contact, page), p)));
        }
        Ok(out)
    }
}

/// Display names of team members by JWT subject, one query per batch; subjects of no member
/// are left out.
#[derive(Debug)]
pub struct DisplayNameLoader(pub Store);

impl Loader<String> for DisplayNameLoader {
    type Value = String;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, String>, LoadError> {
        self.0
            .team_names_by_subjects(keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))
    }
}

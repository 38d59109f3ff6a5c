use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use rapport_domain::account::{Account, RelationshipChange};
use rapport_domain::contact::Contact;
use rapport_domain::ids::{AccountId, ContactId, PartnerId, TeamMemberId};
use rapport_domain::partner::Partner;
use rapport_domain::team::TeamMember;

use crate::store::{Store, StoreError};

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

/// Accounts by id, one query per batch.
#[derive(Debug)]
pub struct AccountLoader(pub Store);

impl Loader<AccountId> for AccountLoader {
    type Value = Account;
    type Error = LoadError;

    async fn load(&self, keys: &[AccountId]) -> Result<HashMap<AccountId, Account>, LoadError> {
        let rows = self
            .0
            .accounts_by_ids(keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|a| (a.id(), a)).collect())
    }
}

/// Team members by id, one query per batch.
#[derive(Debug)]
pub struct TeamMemberLoader(pub Store);

impl Loader<TeamMemberId> for TeamMemberLoader {
    type Value = TeamMember;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TeamMemberId],
    ) -> Result<HashMap<TeamMemberId, TeamMember>, LoadError> {
        let rows = self
            .0
            .team_members_by_ids(keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}

/// Partners by id, one query per batch.
#[derive(Debug)]
pub struct PartnerLoader(pub Store);

impl Loader<PartnerId> for PartnerLoader {
    type Value = Partner;
    type Error = LoadError;

    async fn load(&self, keys: &[PartnerId]) -> Result<HashMap<PartnerId, Partner>, LoadError> {
        let rows = self
            .0
            .partners_by_ids(keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Contacts by id, one query per batch.
#[derive(Debug)]
pub struct ContactLoader(pub Store);

impl Loader<ContactId> for ContactLoader {
    type Value = Contact;
    type Error = LoadError;

    async fn load(&self, keys: &[ContactId]) -> Result<HashMap<ContactId, Contact>, LoadError> {
        let rows = self
            .0
            .contacts_by_ids(keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))?;
        Ok(rows.into_iter().map(|c| (c.id(), c)).collect())
    }
}

/// Relationship histories by account id, one query per batch.
#[derive(Debug)]
pub struct HistoryLoader(pub Store);

impl Loader<AccountId> for HistoryLoader {
    type Value = Vec<RelationshipChange>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<RelationshipChange>>, LoadError> {
        self.0
            .relationship_histories(keys)
            .await
            .map_err(|e| LoadError(Arc::new(e)))
    }
}

//! Domain routing in GraphQL: each domain's state on `Account.domainClaims`, and
//! `confirmAccountDomains` for admins and the account's manager.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use rapport_domain::account::AccountDomain;

use super::account::{AccountNode, domains};
use super::context::state;
use super::error::GqlResultExt;
use super::ids::account_id;
use crate::service;

/// One email domain named for an account.
#[derive(Debug, SimpleObject)]
pub struct DomainClaim {
    /// The domain (lowercase).
    domain: String,
    /// Set or confirmed by staff: new contacts on this domain join the account. A domain is
    /// confirmed for one account at most.
    confirmed: bool,
}

/// The domains of an account with their state.
pub(super) fn claims(domains: &[AccountDomain]) -> Vec<DomainClaim> {
    domains
        .iter()
        .map(|d| DomainClaim {
            domain: d.domain.as_str().to_owned(),
            confirmed: d.confirmed,
        })
        .collect()
}

/// Input of `confirmAccountDomains`.
#[derive(Debug, InputObject)]
pub struct ConfirmAccountDomainsInput {
    /// Global id of the account whose claimed domains are confirmed.
    account_id: ID,
    /// Domains already named for the account (its unconfirmed claims, usually).
    domains: Vec<String>,
    /// The `version` last read; a stale one is refused with CONFLICT.
    expected_version: i32,
}

/// Result of `confirmAccountDomains`.
#[derive(Debug, SimpleObject)]
pub struct ConfirmAccountDomainsPayload {
    /// The account with its domains confirmed.
    account: AccountNode,
}

/// Domain routing mutations.
#[derive(Debug, Default)]
pub struct AccountDomainMutations;

#[Object]
impl AccountDomainMutations {
    /// Confirms email domains named for an account so that they route new contacts to it
    /// (for admins and the account's manager). CONFLICT when a domain is confirmed for another
    /// account.
    async fn confirm_account_domains(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and the domains to confirm.")]
        input: ConfirmAccountDomainsInput,
    ) -> Result<ConfirmAccountDomainsPayload> {
        let st = state(ctx);
        let id = account_id("accountId", &input.account_id)?;
        let wanted = domains("domains", &input.domains)?;
        let account =
            service::confirm_account_domains(&st.ctx(), id, wanted, input.expected_version)
                .await
                .gql()?;
        Ok(ConfirmAccountDomainsPayload {
            account: AccountNode(account),
        })
    }
}

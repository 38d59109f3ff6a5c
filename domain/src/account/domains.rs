//! Email domains of an account, and the rule that decides which of them route new contacts.
//!
//! A contact created without an account joins the account whose email domain matches, which
//! makes a domain a claim on people: whoever names `prospect.example` receives every later
//! contact at that address. So only staff decide routing. A domain named by staff (or confirmed
//! by an admin or the account's manager) is *confirmed* and routes; a domain named by a partner
//! is an *unconfirmed claim*: it is shown on the account but routes nothing. Confirmed domains
//! are unique across accounts; claims are not, so a partner naming a domain that is already
//! someone else's learns nothing from the answer.

use crate::error::ValidationError;
use crate::permissions::Principal;
use crate::values::EmailDomain;

/// One email domain named for an account, with whether it routes new contacts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountDomain {
    /// The domain.
    pub domain: EmailDomain,
    /// Set or confirmed by staff: new contacts on this domain join the account.
    pub confirmed: bool,
}

/// Who names a domain, which decides whether it is confirmed from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    /// A member of staff: the domain is confirmed.
    Staff,
    /// A partner: the domain stays an unconfirmed claim until staff confirm it.
    Partner,
}

impl NamedBy {
    /// Who `principal` is, as far as naming domains goes.
    pub fn of(principal: &Principal) -> Self {
        match principal {
            Principal::Staff { .. } | Principal::Service { .. } => NamedBy::Staff,
            Principal::Partner { .. } => NamedBy::Partner,
        }
    }
}

impl AccountDomain {
    /// A domain as `by` names it.
    pub fn named(domain: EmailDomain, by: NamedBy) -> Self {
        Self {
            domain,
            confirmed: by == NamedBy::Staff,
        }
    }
}

/// The most domains one account may name.
pub const MAX_DOMAINS: usize = 20;

/// Sorts and deduplicates named domains and checks their number.
pub(crate) fn dedup(mut domains: Vec<EmailDomain>) -> Result<Vec<EmailDomain>, ValidationError> {
    domains.sort();
    domains.dedup();
    if domains.len() > MAX_DOMAINS {
        return Err(ValidationError::new(
            "domains",
            format!("at most {MAX_DOMAINS} domains"),
        ));
    }
    Ok(domains)
}

/// The domains of an account after `by` replaces its list with `wanted`: a domain kept from
/// `current` keeps its state (re-sending the list does not confirm a claim: confirmation is an
/// act of its own); a domain added is named by `by`.
pub(crate) fn replace(
    current: &[AccountDomain],
    wanted: Vec<EmailDomain>,
    by: NamedBy,
) -> Vec<AccountDomain> {
    wanted
        .into_iter()
        .map(|domain| {
            current
                .iter()
                .find(|d| d.domain == domain)
                .cloned()
                .unwrap_or_else(|| AccountDomain::named(domain, by))
        })
        .collect()
}

impl super::Account {
    /// Every domain named for the account, sorted.
    pub fn domains(&self) -> &[AccountDomain] {
        &self.0.domains
    }

    /// The domains that route new contacts to the account.
    pub fn confirmed_domains(&self) -> impl Iterator<Item = &EmailDomain> {
        self.0
            .domains
            .iter()
            .filter(|d| d.confirmed)
            .map(|d| &d.domain)
    }

    /// Confirms domains named for the account, so that they route new contacts; answers the
    /// ones that were not confirmed before. Each must be named on the account already (a claim
    /// to confirm, or a domain confirmed before, which stays so). Whether another account
    /// holds one of them confirmed is for the caller to check: it needs the other accounts.
    pub fn confirm_domains(
        &mut self,
        wanted: &[EmailDomain],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<EmailDomain>, crate::DomainError> {
        if wanted.is_empty() {
            return Err(
                ValidationError::new("domains", "name at least one domain to confirm").into(),
            );
        }
        if let Some((i, missing)) = wanted
            .iter()
            .enumerate()
            .find(|(_, w)| !self.0.domains.iter().any(|d| &d.domain == *w))
        {
            return Err(ValidationError::new(
                format!("domains[{i}]"),
                format!("{missing} is not a domain of this account; add it with updateAccount"),
            )
            .into());
        }
        let mut newly = Vec::new();
        for d in &mut self.0.domains {
            if !d.confirmed && wanted.contains(&d.domain) {
                d.confirmed = true;
                newly.push(d.domain.clone());
            }
        }
        self.touch(now);
        Ok(newly)
    }
}

#[cfg(test)]
mod tests;

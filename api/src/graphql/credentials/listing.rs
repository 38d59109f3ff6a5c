//! `credentials`: one list of the API keys and partner tokens the caller manages.

use async_graphql::{Enum, ID, Object};

use super::super::ids::to_id;
use super::super::scalars::DateTimeScalar;
use super::{ApiKeyNode, ServiceAccountNode};
use crate::global_id::Kind;
use crate::service::Credential;
use crate::store::PartnerToken;

/// What kind of credential it is.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum CredentialKind {
    /// An API key of a service account (`revokeApiKey`, `rotateApiKey`).
    ApiKey,
    /// A partner token, a JWT (`revokeToken`, `rotateToken`).
    PartnerToken,
}

/// A credential as listed: never its secret.
#[derive(Debug, Clone)]
pub struct CredentialNode(pub Credential);

/// A registered partner token as listed.
#[derive(Debug, Clone)]
pub struct PartnerTokenNode(pub PartnerToken);

/// An API key or a partner token the caller manages, as listed: never its secret. Partner
/// tokens issued before the register existed still work but are not listed.
#[Object(name = "Credential")]
impl CredentialNode {
    /// For an API key its global id (for `revokeApiKey` / `rotateApiKey`); for a partner
    /// token its token id, `jti` (for `revokeToken` / `rotateToken`).
    async fn id(&self) -> ID {
        match &self.0 {
            Credential::ApiKey(k) => to_id(Kind::ApiKey, k.id),
            Credential::PartnerToken(t) => ID(t.token_id.clone()),
        }
    }
    /// An API key or a partner token.
    async fn kind(&self) -> CredentialKind {
        match &self.0 {
            Credential::ApiKey(_) => CredentialKind::ApiKey,
            Credential::PartnerToken(_) => CredentialKind::PartnerToken,
        }
    }
    /// The partner it acts for (global id); empty for a staff service account's key.
    async fn partner_id(&self) -> Option<ID> {
        match &self.0 {
            Credential::ApiKey(k) => k.account.partner.map(|p| to_id(Kind::Partner, p.get())),
            Credential::PartnerToken(t) => Some(to_id(Kind::Partner, t.partner.get())),
        }
    }
    /// An API key's public beginning (`rpp_live_0123456789abcdef_…`); empty for a token.
    async fn prefix(&self) -> Option<String> {
        match &self.0 {
            Credential::ApiKey(k) => Some(ApiKeyNode::prefix_of(k)),
            Credential::PartnerToken(_) => None,
        }
    }
    /// The service account an API key acts for; empty for a token.
    async fn service_account(&self) -> Option<ServiceAccountNode> {
        match &self.0 {
            Credential::ApiKey(k) => Some(ServiceAccountNode(k.account.clone())),
            Credential::PartnerToken(_) => None,
        }
    }
    /// When it was created (a token: issued).
    async fn created_at(&self) -> DateTimeScalar {
        match &self.0 {
            Credential::ApiKey(k) => k.created_at.into(),
            Credential::PartnerToken(t) => t.created_at.into(),
        }
    }
    /// When it stops working, if ever (after a rotation: the end of the grace period).
    async fn expires_at(&self) -> Option<DateTimeScalar> {
        match &self.0 {
            Credential::ApiKey(k) => k.expires_at.map(Into::into),
            Credential::PartnerToken(t) => Some(t.expires_at.into()),
        }
    }
    /// When it was last used, to within a minute.
    async fn last_used_at(&self) -> Option<DateTimeScalar> {
        match &self.0 {
            Credential::ApiKey(k) => k.last_used_at.map(Into::into),
            Credential::PartnerToken(t) => t.last_used_at.map(Into::into),
        }
    }
    /// When it was revoked.
    async fn revoked_at(&self) -> Option<DateTimeScalar> {
        match &self.0 {
            Credential::ApiKey(k) => k.revoked_at.map(Into::into),
            Credential::PartnerToken(t) => t.revoked_at.map(Into::into),
        }
    }
    /// The credential that replaced it in a rotation (its `id`, as above).
    async fn replaced_by_id(&self) -> Option<ID> {
        match &self.0 {
            Credential::ApiKey(k) => k.replaced_by.map(|id| to_id(Kind::ApiKey, id)),
            Credential::PartnerToken(t) => t.replaced_by.clone().map(ID),
        }
    }
}

/// A partner token as registered: never the token itself.
#[Object(name = "PartnerToken")]
impl PartnerTokenNode {
    /// Its token id (`jti`), for `revokeToken` and `rotateToken`.
    async fn token_id(&self) -> &str {
        &self.0.token_id
    }
    /// The partner it acts for (global id).
    async fn partner_id(&self) -> ID {
        to_id(Kind::Partner, self.0.partner.get())
    }
    /// When it was issued.
    async fn created_at(&self) -> DateTimeScalar {
        self.0.created_at.into()
    }
    /// When it stops working (after a rotation: the end of the grace period).
    async fn expires_at(&self) -> DateTimeScalar {
        self.0.expires_at.into()
    }
    /// The token that replaced it in a rotation (its token id).
    async fn replaced_by_id(&self) -> Option<&str> {
        self.0.replaced_by.as_deref()
    }
}

//! The claims Rapport mints and what a verified token yields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::AuthRejection;
use super::{KNOWN_ROLES, PARTNER_ROLE, PARTNER_SUBJECT_PREFIX};

/// The claims Rapport mints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject (user id).
    pub sub: String,
    /// One of [`KNOWN_ROLES`].
    pub role: String,
    /// Present exactly when `role` is `PARTNER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not-before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issued-at, seconds since the epoch.
    pub iat: i64,
    /// Token id (uuid v4 for minted tokens), for revocation.
    pub jti: String,
}

/// What a verified token says. Revocation and subject status are still to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// `sub`, non-empty.
    pub subject: String,
    /// `role`, one of [`KNOWN_ROLES`].
    pub role: String,
    /// `partner_id`, `Some` exactly when `role` is `PARTNER`.
    pub partner_id: Option<String>,
    /// `jti`, non-empty.
    pub token_id: String,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
}

pub(super) fn check_role(
    subject: &str,
    role: &str,
    partner_id: Option<&str>,
) -> Result<(), AuthRejection> {
    if !KNOWN_ROLES.contains(&role) {
        return Err(AuthRejection::UnknownRole);
    }
    match (role == PARTNER_ROLE, partner_id) {
        (true, None | Some("")) => Err(AuthRejection::PartnerWithoutPartnerId),
        (false, Some(_)) => Err(AuthRejection::PartnerIdWithoutPartnerRole),
        // One partner, one subject: a token cannot act for a partner under another name.
        (true, Some(partner_id))
            if subject.strip_prefix(PARTNER_SUBJECT_PREFIX) != Some(partner_id) =>
        {
            Err(AuthRejection::PartnerSubjectMismatch)
        }
        _ => Ok(()),
    }
}

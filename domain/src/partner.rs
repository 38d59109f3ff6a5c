//! Partners: resellers, referral partners and agencies that bring accounts.

use crate::ids::PartnerId;
use crate::values::Text;

/// An outside organization. Its credentials are JWTs carrying its id as `partner_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// Identity.
    pub id: PartnerId,
    /// Display name.
    pub name: Text,
    /// An inactive partner's tokens are refused on the very next request.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i32,
}

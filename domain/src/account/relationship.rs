use chrono::{DateTime, Utc};

use super::RelationshipType;
use crate::values::Text;

/// One change of an account's relationship type, kept forever as history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipChange {
    /// Type before.
    pub from: RelationshipType,
    /// Type after.
    pub to: RelationshipType,
    /// Why, in the actor's words.
    pub reason: Text,
    /// Subject of who made the change.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An agreement that is in force for an account, as far as the relationship rules need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementInForce {
    /// How the agreement is named to users (its global id).
    pub reference: String,
    /// Its title.
    pub title: String,
}

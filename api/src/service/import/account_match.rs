//! Which account a row is about, by the import's matching order (its own id, external id,
//! domain), and what else it collides with.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rapport_domain::ids::AccountId;
use rapport_domain::values::ExternalRef;

use super::account_row::Row;
use super::rows::{Refusal, refuse};
use super::{ImportOptions, MatchBy};
use crate::global_id::{self, Kind};

/// What a chunk's rows may match, looked up once for the chunk.
pub(super) struct Found {
    pub created_at: HashMap<i64, DateTime<Utc>>,
    pub by_external: HashMap<ExternalRef, AccountId>,
    pub by_domain: HashMap<String, Vec<AccountId>>,
}

/// The account a row is about, if any, or why it is refused as a possible duplicate.
pub(super) fn matched(
    options: &ImportOptions,
    found: &Found,
    row: &Row,
) -> Result<Option<AccountId>, Refusal> {
    let by_id = row
        .own
        .filter(|o| found.created_at.get(&o.id).is_some_and(|at| o.names(*at)))
        .map(|o| AccountId::new(o.id));
    let by_external = row
        .external
        .as_ref()
        .and_then(|e| found.by_external.get(e))
        .copied();
    let by_domain: BTreeSet<AccountId> = row
        .domains
        .iter()
        .flatten()
        .filter_map(|d| found.by_domain.get(d.as_str()))
        .flatten()
        .copied()
        .collect();
    let name = |id: &AccountId| global_id::encode(Kind::Account, id.get());
    let mut hit = None;
    for m in &options.match_by {
        hit = match m {
            MatchBy::Id => by_id,
            MatchBy::ExternalId => by_external,
            MatchBy::Domain if by_domain.len() > 1 => {
                return Err(refuse(
                    "domain",
                    format!(
                        "is named for several accounts ({}): a possible duplicate, not merged",
                        by_domain.iter().map(name).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            MatchBy::Domain => by_domain.iter().next().copied(),
            MatchBy::Email | MatchBy::Subject => None,
        };
        if hit.is_some() {
            break;
        }
    }
    if let Some(other) = by_external.filter(|e| Some(*e) != hit) {
        return Err(refuse(
            "external_id",
            format!(
                "is the external id of another account ({}) than the one this row matches: a possible duplicate, not merged",
                name(&other)
            ),
        ));
    }
    if let Some(other) = by_domain.iter().find(|d| Some(**d) != hit) {
        return Err(refuse(
            "domain",
            format!(
                "is named for another account ({}) than the one this row matches: a possible duplicate, not merged",
                name(other)
            ),
        ));
    }
    Ok(hit)
}

//! `totalCount` of contacts and accounts without counting every row.
//!
//! - **Maintained counts.** `list_counts` (migration `m20261209_000014_list_counts`) holds how
//!   many contacts and accounts there are per relationship type, kept by database triggers in
//!   the same transaction as every write, so it is exact. It answers when the list is unfiltered
//!   or filtered by relationship type alone and the caller reads every row (staff). A partner's
//!   scope is counted exactly with `COUNT(*)`: it holds only the accounts the partner referred.
//! - **Estimates.** When the caller accepts one ([`Counting::Estimate`]), any other filter is
//!   answered on PostgreSQL by the planner's row estimate for the list's query
//!   (`EXPLAIN (FORMAT JSON)`), which reads statistics, not rows. SQLite has no such estimate:
//!   it counts exactly.
//! - Everything else is an exact `COUNT(*)` over the filtered query.

use rapport_domain::account::RelationshipType;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Statement,
};

use super::entity::{account, contact};
use super::{AccountQuery, ContactQuery, Store, StoreError, scope};
use crate::auth::ReadScope;

/// How exact a count must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// The number of matching rows, exactly.
    Exact,
    /// An estimate is good enough (PostgreSQL's planner statistics); may still be exact.
    Estimate,
}

/// Which rows of a list a maintained count covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// Every row.
    All,
    /// The rows of one relationship type.
    Of(RelationshipType),
}

impl Counted {
    fn by(relationship: Option<RelationshipType>) -> Self {
        relationship.map_or(Self::All, Self::Of)
    }
}

/// The maintained count that answers `query`, when one does: no filter but the accounts'
/// relationship type.
fn counted_contacts(query: &ContactQuery) -> Option<Counted> {
    let relationship = query.account_filter.as_ref().and_then(|a| a.relationship);
    let only_relationship = ContactQuery {
        account_filter: relationship.map(|r| AccountQuery {
            relationship: Some(r),
            ..AccountQuery::default()
        }),
        ..ContactQuery::default()
    };
    let unfiltered_accounts = ContactQuery {
        account_filter: Some(AccountQuery::default()),
        ..ContactQuery::default()
    };
    (*query == only_relationship || *query == unfiltered_accounts)
        .then(|| Counted::by(relationship))
}

/// The maintained count that answers `query`, when one does.
fn counted_accounts(query: &AccountQuery) -> Option<Counted> {
    let only_relationship = AccountQuery {
        relationship: query.relationship,
        ..AccountQuery::default()
    };
    (*query == only_relationship).then(|| Counted::by(query.relationship))
}

impl Store {
    /// How many contacts match `query` within `scope` (see the module's doc for how).
    pub async fn contacts_total(
        &self,
        scope: ReadScope,
        query: &ContactQuery,
        counting: Counting,
    ) -> Result<u64, StoreError> {
        if scope.partner().is_none()
            && let Some(counted) = counted_contacts(query)
        {
            return self.maintained_count("contacts", counted).await;
        }
        if counting == Counting::Estimate && !self.is_sqlite() {
            let select = contact::Entity::find()
                .select_only()
                .column(contact::Column::Id)
                .filter(query.condition())
                .filter(scope::by_account(scope, contact::Column::AccountId))
                .build(DbBackend::Postgres);
            return self.planner_estimate(select).await;
        }
        self.contacts_count(scope, query).await
    }

    /// How many accounts match `query` within `scope` (see the module's doc for how).
    pub async fn accounts_total(
        &self,
        scope: ReadScope,
        query: &AccountQuery,
        counting: Counting,
    ) -> Result<u64, StoreError> {
        if scope.partner().is_none()
            && let Some(counted) = counted_accounts(query)
        {
            return self.maintained_count("accounts", counted).await;
        }
        if counting == Counting::Estimate && !self.is_sqlite() {
            let select = account::Entity::find()
                .select_only()
                .column(account::Column::Id)
                .filter(query.condition())
                .filter(scope::accounts(scope))
                .build(DbBackend::Postgres);
            return self.planner_estimate(select).await;
        }
        self.accounts_count(scope, query).await
    }

    /// The maintained count of `list` (`contacts` or `accounts`): the sum of its shards.
    async fn maintained_count(
        &self,
        list: &'static str,
        counted: Counted,
    ) -> Result<u64, StoreError> {
        let backend = self.reader().get_database_backend();
        let relationship = match counted {
            Counted::All => String::new(),
            Counted::Of(r) => format!(" AND relationship = '{}'", r.as_str()),
        };
        // `list` and the relationship type are fixed strings of this module, never input.
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM list_counts \
             WHERE list = '{list}'{relationship}"
        );
        let row = self
            .reader()
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
            .ok_or(StoreError::NotFound)?;
        let n = row.try_get::<i64>("", "n")?;
        u64::try_from(n)
            .map_err(|_| StoreError::corrupt("list_counts", list, format!("negative count {n}")))
    }

    /// PostgreSQL's estimate of how many rows `select` returns, from its planner statistics.
    async fn planner_estimate(&self, select: Statement) -> Result<u64, StoreError> {
        let explain = Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("EXPLAIN (FORMAT JSON) {}", select.sql),
            select.values.map(|v| v.0).unwrap_or_default(),
        );
        let row = self
            .reader()
            .query_one_raw(explain)
            .await?
            .ok_or(StoreError::NotFound)?;
        let plan = row.try_get::<serde_json::Value>("", "QUERY PLAN")?;
        let rows = plan
            .pointer("/0/Plan/Plan Rows")
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| {
                StoreError::corrupt("EXPLAIN", "plan", "no \"Plan Rows\" in the plan".to_owned())
            })?;
        // The planner's figure is a non-negative float; a count is a whole number.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "an estimate, rounded and clamped at zero"
        )]
        Ok(rows.round().max(0.0) as u64)
    }

    /// The maintained counts as `(list, relationship, n)`, keys whose count is zero left out,
    /// for tests that compare them with [`Store::counted_by_scan`].
    pub async fn maintained_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.list_count_rows(
            "SELECT list, relationship, CAST(SUM(n) AS BIGINT) AS n FROM list_counts \
             GROUP BY list, relationship HAVING SUM(n) <> 0 ORDER BY list, relationship",
        )
        .await
    }

    /// What the maintained counts should be, counted with `COUNT(*)` over the tables.
    pub async fn counted_by_scan(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.list_count_rows(
            "SELECT list, relationship, n FROM ( \
               SELECT 'accounts' AS list, relationship, COUNT(*) AS n FROM accounts \
               GROUP BY relationship \
               UNION ALL \
               SELECT 'contacts' AS list, a.relationship AS relationship, COUNT(*) AS n \
               FROM contacts c JOIN accounts a ON a.id = c.account_id GROUP BY a.relationship \
             ) counted ORDER BY list, relationship",
        )
        .await
    }

    async fn list_count_rows(&self, sql: &str) -> Result<Vec<(String, String, i64)>, StoreError> {
        let backend = self.reader().get_database_backend();
        let rows = self
            .reader()
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.try_get::<String>("", "list")?,
                    r.try_get::<String>("", "relationship")?,
                    r.try_get::<i64>("", "n")?,
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_relationship_type_is_answered_by_the_maintained_count() {
        let client = Some(RelationshipType::Client);
        let by_type = |relationship| AccountQuery {
            relationship,
            ..AccountQuery::default()
        };
        assert_eq!(
            counted_accounts(&AccountQuery::default()),
            Some(Counted::All)
        );
        assert_eq!(
            counted_accounts(&by_type(client)),
            Some(Counted::Of(RelationshipType::Client))
        );
        let searched = AccountQuery {
            search: Some("acme".into()),
            ..by_type(client)
        };
        assert_eq!(counted_accounts(&searched), None);

        assert_eq!(
            counted_contacts(&ContactQuery::default()),
            Some(Counted::All)
        );
        let of_clients = ContactQuery {
            account_filter: Some(by_type(client)),
            ..ContactQuery::default()
        };
        assert_eq!(
            counted_contacts(&of_clients),
            Some(Counted::Of(RelationshipType::Client))
        );
        let tagged = ContactQuery {
            tag: Some("vip".into()),
            ..ContactQuery::default()
        };
        assert_eq!(counted_contacts(&tagged), None);
        let of_searched_accounts = ContactQuery {
            account_filter: Some(searched),
            ..ContactQuery::default()
        };
        assert_eq!(counted_contacts(&of_searched_accounts), None);
    }
}

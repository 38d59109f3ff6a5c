//! A page of agreements in two statements whatever hangs off it: the page itself, then the
//! revisions of every agreement of the page joined with the agreement's account (and the
//! account's manager when asked). GraphQL's loaders are fed from these rows (see
//! `graphql::agreement::list`), so an agreement's `account`, and the permission checks of
//! its `summary` and `compliance`, cost no statement of their own.

use std::collections::{HashMap, HashSet};

use rapport_domain::agreement::Agreement;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter,
};

use super::account_row::AccountRow;
use super::by_position;
use super::entity::{account, agreement, agreement_revision};
use super::joined::join_managers;
use super::page::fetch_page;
use super::{AgreementQuery, AgreementSort, Joined, Page, PageRequest, Store, StoreError, scope};
use crate::auth::ReadScope;

const REVISION: &str = "r_";

impl Store {
    /// One page of agreements with, in one more statement, their revisions and their accounts
    /// (and the accounts' managers when `managers` and `scope` reads staff rows). The accounts
    /// carry no domains. An account is that of an agreement of the page, so it is in `scope`
    /// as the page is.
    pub async fn agreements_page_with_accounts(
        &self,
        scope: ReadScope,
        query: &AgreementQuery,
        page: &PageRequest<AgreementSort>,
        managers: bool,
    ) -> Result<(Page<Agreement>, Joined), StoreError> {
        let select = agreement::Entity::find()
            .filter(query.condition())
            .filter(scope::by_account(scope, agreement::Column::AccountId));
        let page = fetch_page(self.reader(), select, agreement::Column::Id, page).await?;
        let managers = managers && scope::reads_staff_rows(scope);
        let mut joined = Joined::default();
        let mut revisions: HashMap<i64, Vec<agreement_revision::Model>> = HashMap::new();
        if !page.items.is_empty() {
            let mut q = Query::select();
            for c in agreement_revision::Column::iter() {
                q.expr_as(
                    c.select_as(Expr::col((agreement_revision::Entity, c))),
                    Alias::new(format!("{REVISION}{}", c.as_str())),
                );
            }
            // The account's columns follow the revision's, read by position.
            let account_at = agreement_revision::Column::iter().count();
            by_position::select::<AccountRow>(&mut q);
            q.from(agreement_revision::Entity)
                .join(
                    JoinType::InnerJoin,
                    agreement::Entity,
                    Expr::col((agreement::Entity, agreement::Column::Id)).equals((
                        agreement_revision::Entity,
                        agreement_revision::Column::AgreementId,
                    )),
                )
                .join(
                    JoinType::InnerJoin,
                    account::Entity,
                    Expr::col((account::Entity, account::Column::Id))
                        .equals((agreement::Entity, agreement::Column::AccountId)),
                )
                .and_where(
                    Expr::col((
                        agreement_revision::Entity,
                        agreement_revision::Column::AgreementId,
                    ))
                    .is_in(page.items.iter().map(|r| r.id)),
                )
                .order_by(
                    (
                        agreement_revision::Entity,
                        agreement_revision::Column::AgreementId,
                    ),
                    Order::Asc,
                )
                .order_by(
                    (
                        agreement_revision::Entity,
                        agreement_revision::Column::Number,
                    ),
                    Order::Asc,
                );
            join_managers(&mut q, managers);
            let mut seen = HashSet::new();
            for row in self.reader().query_all(&q).await? {
                let revision = agreement_revision::Model::from_query_result(&row, REVISION)?;
                revisions
                    .entry(revision.agreement_id)
                    .or_default()
                    .push(revision);
                joined.push(&mut seen, &row, account_at, managers)?;
            }
        }
        let page = page.try_map(|row| {
            let own = revisions.remove(&row.id).unwrap_or_default();
            super::agreements::to_domain(row, own)
        })?;
        Ok((page, joined))
    }
}

//! The conditions a [`ReadScope`] adds to a read, one per kind of row: a partner's scope keeps
//! the accounts it referred and what hangs off them (contacts, agreements, histories,
//! measurements, credits, interactions), its own partner row, and no staff-only row at all.

use rapport_domain::ids::PartnerId;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

use super::entity::{account, agreement, contact, partner};
use crate::auth::ReadScope;

fn accounts_of(p: PartnerId) -> SelectStatement {
    Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(account::Column::PartnerId.eq(p.get()))
        .to_owned()
}

fn contacts_of(p: PartnerId) -> SelectStatement {
    Query::select()
        .column(contact::Column::Id)
        .from(contact::Entity)
        .and_where(contact::Column::AccountId.in_subquery(accounts_of(p)))
        .to_owned()
}

fn agreements_of(p: PartnerId) -> SelectStatement {
    Query::select()
        .column(agreement::Column::Id)
        .from(agreement::Entity)
        .and_where(agreement::Column::AccountId.in_subquery(accounts_of(p)))
        .to_owned()
}

fn when_partner(scope: ReadScope, f: impl FnOnce(PartnerId) -> Condition) -> Condition {
    scope.partner().map_or_else(Condition::all, f)
}

/// Accounts in scope.
pub(super) fn accounts(scope: ReadScope) -> Condition {
    when_partner(scope, |p| {
        Condition::all().add(account::Column::PartnerId.eq(p.get()))
    })
}

/// Rows whose `column` names an account in scope.
pub(super) fn by_account(scope: ReadScope, column: impl ColumnTrait) -> Condition {
    when_partner(scope, |p| {
        Condition::all().add(column.in_subquery(accounts_of(p)))
    })
}

/// Rows whose `column` names a contact in scope.
pub(super) fn by_contact(scope: ReadScope, column: impl ColumnTrait) -> Condition {
    when_partner(scope, |p| {
        Condition::all().add(column.in_subquery(contacts_of(p)))
    })
}

/// Rows whose `column` names an agreement in scope.
pub(super) fn by_agreement(scope: ReadScope, column: impl ColumnTrait) -> Condition {
    when_partner(scope, |p| {
        Condition::all().add(column.in_subquery(agreements_of(p)))
    })
}

/// Partner rows in scope: a partner reads only its own.
pub(super) fn partners(scope: ReadScope) -> Condition {
    when_partner(scope, |p| {
        Condition::all().add(partner::Column::Id.eq(p.get()))
    })
}

/// Credentials in scope, by the `column` naming the partner that owns them: a partner's scope
/// keeps its own, staff read every one.
pub(super) fn by_owner(scope: ReadScope, column: impl ColumnTrait) -> Condition {
    when_partner(scope, |p| Condition::all().add(column.eq(p.get())))
}

/// Whether the scope reads staff-only rows (the team, the audit log): a partner's reads none.
pub(super) fn reads_staff_rows(scope: ReadScope) -> bool {
    scope.partner().is_none()
}

//! Sorting on every connection: the sort keys a list can be ordered by, and an index for each
//! sort (with `id`, the last tie-breaker) on both databases.
//!
//! Text is sorted by a stored key, lower-cased by Rapport itself (Rust's Unicode lower-casing,
//! never the database's, whose `lower()` differs between SQLite and PostgreSQL) and compared
//! byte-wise: PostgreSQL's key columns use the `"C"` collation, SQLite's default `BINARY` is the
//! same order. New keys: `contacts.first_name_key`/`last_name_key`, `team_members.name_key`,
//! `partners.name_key` (`accounts.name_key`, `contacts.email_key` exist and get the collation).
//!
//! Agreements keep their terms as JSON; the dates a screen sorts by become columns
//! (`effective_from`, `term_end`, `cancel_by`, `next_review_on`, and `deadline`, the earlier of
//! `cancel_by` and `term_end`). They are computed by the domain, so this migration cannot fill
//! them: rows get `sort_version = 0` and the application fills them at start-up (see
//! `Store::migrate`) and on every save. `accounts.next_deadline` is the earliest `deadline` of
//! the account's agreements in force, kept by the same writes.
//!
//! `service_credits.amount_key` is the amount in ten-thousandths (an integer sorts the same
//! everywhere; the amount itself is a decimal string).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, TryGetable};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// New columns: (table, column, type). Text keys get the `"C"` collation on PostgreSQL;
/// `Key` columns are never NULL (their text column is not).
const COLUMNS: &[(&str, &str, Kind)] = &[
    ("contacts", "first_name_key", Kind::Text(200)),
    ("contacts", "last_name_key", Kind::Text(200)),
    ("team_members", "name_key", Kind::Key(200)),
    ("partners", "name_key", Kind::Key(200)),
    ("agreements", "effective_from", Kind::Date),
    ("agreements", "term_end", Kind::Date),
    ("agreements", "cancel_by", Kind::Date),
    ("agreements", "next_review_on", Kind::Date),
    ("agreements", "deadline", Kind::Date),
    ("agreements", "sort_version", Kind::Version),
    ("accounts", "next_deadline", Kind::Date),
    ("service_credits", "amount_key", Kind::BigInt),
];

/// Existing text columns sorted on, which get the `"C"` collation on PostgreSQL.
const COLLATED: &[(&str, &str, u32)] = &[
    ("accounts", "name_key", 200),
    ("accounts", "relationship", 32),
    ("contacts", "email_key", 254),
    ("agreements", "status", 32),
];

/// Indexes: (name, table, columns).
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("idx_accounts_sort_name", "accounts", &["name_key", "id"]),
    (
        "idx_accounts_sort_created",
        "accounts",
        &["created_at", "id"],
    ),
    (
        "idx_accounts_sort_updated",
        "accounts",
        &["updated_at", "id"],
    ),
    (
        "idx_accounts_sort_deadline",
        "accounts",
        &["next_deadline", "id"],
    ),
    (
        "idx_contacts_sort_last_name",
        "contacts",
        &["last_name_key", "id"],
    ),
    (
        "idx_contacts_sort_first_name",
        "contacts",
        &["first_name_key", "id"],
    ),
    ("idx_contacts_sort_email", "contacts", &["email_key", "id"]),
    (
        "idx_contacts_sort_created",
        "contacts",
        &["created_at", "id"],
    ),
    (
        "idx_contacts_account_last_name",
        "contacts",
        &["account_id", "last_name_key", "id"],
    ),
    (
        "idx_agreements_sort_status",
        "agreements",
        &["status", "id"],
    ),
    (
        "idx_agreements_sort_effective",
        "agreements",
        &["effective_from", "id"],
    ),
    (
        "idx_agreements_sort_term_end",
        "agreements",
        &["term_end", "id"],
    ),
    (
        "idx_agreements_sort_cancel_by",
        "agreements",
        &["cancel_by", "id"],
    ),
    (
        "idx_agreements_sort_review",
        "agreements",
        &["next_review_on", "id"],
    ),
    (
        "idx_agreements_sort_created",
        "agreements",
        &["created_at", "id"],
    ),
    (
        "idx_agreements_account_deadline",
        "agreements",
        &["account_id", "in_force", "deadline"],
    ),
    ("idx_agreements_unsorted", "agreements", &["sort_version"]),
    (
        "idx_service_credits_sort_period",
        "service_credits",
        &["agreement_id", "period_start", "id"],
    ),
    (
        "idx_service_credits_sort_amount",
        "service_credits",
        &["agreement_id", "amount_key", "id"],
    ),
    (
        "idx_team_members_sort_name",
        "team_members",
        &["name_key", "id"],
    ),
    ("idx_partners_sort_name", "partners", &["name_key", "id"]),
    ("idx_audit_log_sort_at", "audit_log", &["at", "id"]),
    (
        "idx_sync_jobs_sort_created",
        "sync_jobs",
        &["created_at", "id"],
    ),
];

#[derive(Clone, Copy)]
enum Kind {
    Text(u32),
    Key(u32),
    Date,
    BigInt,
    Version,
}

fn add_column(backend: DbBackend, table: &str, column: &str, kind: Kind) -> String {
    let ty = match (kind, backend) {
        (Kind::Text(n), DbBackend::Postgres) => format!("varchar({n}) COLLATE \"C\" NULL"),
        (Kind::Text(n), _) => format!("varchar({n}) NULL"),
        (Kind::Key(n), DbBackend::Postgres) => {
            format!("varchar({n}) COLLATE \"C\" NOT NULL DEFAULT ''")
        }
        (Kind::Key(n), _) => format!("varchar({n}) NOT NULL DEFAULT ''"),
        (Kind::Date, _) => "date NULL".to_owned(),
        (Kind::BigInt, _) => "bigint NULL".to_owned(),
        (Kind::Version, _) => "smallint NOT NULL DEFAULT 0".to_owned(),
    };
    format!("ALTER TABLE {table} ADD COLUMN {column} {ty}")
}

/// The amount in ten-thousandths, truncated; `None` when the text is not a decimal.
fn amount_key(raw: &str) -> Option<i64> {
    let (negative, digits) = match raw.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.trim()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut frac = 0i64;
    for c in fraction.chars().chain("0000".chars()).take(4) {
        frac = frac * 10 + i64::from(c.to_digit(10)?);
    }
    let key = whole.checked_mul(10_000)?.checked_add(frac)?;
    Some(if negative { -key } else { key })
}

async fn rows<T: TryGetable>(
    db: &impl ConnectionTrait,
    sql: &str,
) -> Result<Vec<(i64, Option<T>)>, DbErr> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_string(backend, sql))
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

async fn set(
    db: &impl ConnectionTrait,
    table: &str,
    column: &str,
    id: i64,
    value: sea_orm_migration::sea_orm::Value,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!("UPDATE {table} SET {column} = $1 WHERE id = $2"),
        _ => format!("UPDATE {table} SET {column} = ? WHERE id = ?"),
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [value, id.into()],
    ))
    .await?;
    Ok(())
}

/// Fills `key_col` of every row with the lower-cased `text_col`.
async fn fill_text_key(
    db: &impl ConnectionTrait,
    table: &str,
    text_col: &str,
    key_col: &str,
) -> Result<(), DbErr> {
    let sql = format!("SELECT id, {text_col} FROM {table} WHERE {text_col} IS NOT NULL");
    for (id, text) in rows::<String>(db, &sql).await? {
        let key = text.map(|t| t.to_lowercase());
        set(db, table, key_col, id, key.into()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = db.get_database_backend();
        for (table, column, kind) in COLUMNS {
            db.execute_unprepared(&add_column(backend, table, column, *kind))
                .await?;
        }
        if backend == DbBackend::Postgres {
            for (table, column, len) in COLLATED {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({len}) COLLATE \"C\""
                ))
                .await?;
            }
        }
        fill_text_key(db, "contacts", "first_name", "first_name_key").await?;
        fill_text_key(db, "contacts", "last_name", "last_name_key").await?;
        fill_text_key(db, "team_members", "name", "name_key").await?;
        fill_text_key(db, "partners", "name", "name_key").await?;
        for (id, amount) in rows::<String>(db, "SELECT id, amount FROM service_credits").await? {
            let key = amount.as_deref().and_then(amount_key);
            set(db, "service_credits", "amount_key", id, key.into()).await?;
        }
        for (name, table, cols) in INDEXES {
            let mut idx = Index::create()
                .name(*name)
                .table(Alias::new(*table))
                .to_owned();
            for col in *cols {
                idx.col(Alias::new(*col));
            }
            m.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new(*table))
                    .to_owned(),
            )
            .await?;
        }
        for (table, column, _) in COLUMNS.iter().rev() {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(*table))
                    .drop_column(Alias::new(*column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::amount_key;

    #[test]
    fn amounts_become_ten_thousandths() {
        assert_eq!(amount_key("1250.00"), Some(12_500_000));
        assert_eq!(amount_key("0.5"), Some(5_000));
        assert_eq!(amount_key("-3.25"), Some(-32_500));
        assert_eq!(amount_key("7"), Some(70_000));
        assert_eq!(amount_key("1.123456"), Some(11_234));
        assert_eq!(amount_key("x"), None);
    }
}

//! `audit_log` had two indexes on `(at, id)`: `idx_audit_log_sort_at` (the sort indexes) and
//! `idx_audit_log_at` (the filter indexes, made later for the same columns). Every audit row
//! paid for both; the planner uses either for the other's queries. The sort index goes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_audit_log_sort_at")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("CREATE INDEX idx_audit_log_sort_at ON audit_log (at, id)")
            .await?;
        Ok(())
    }
}

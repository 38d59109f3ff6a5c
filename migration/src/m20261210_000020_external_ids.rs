//! Records brought in by an import keep the id they had in the system they came from:
//! `external_source` (which system, e.g. `hubspot`) and `external_id` (its id there), on accounts
//! and contacts. The pair is unique per table, so re-importing a file finds the same records
//! again instead of creating copies. Both columns are nullable: records made in Rapport have
//! none, and a unique index ignores rows where either is NULL on both databases.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["accounts", "contacts"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            for column in ["external_source", "external_id"] {
                m.alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .add_column(ColumnDef::new(Alias::new(column)).string().null())
                        .to_owned(),
                )
                .await?;
            }
            m.create_index(
                Index::create()
                    .name(format!("ux_{table}_external"))
                    .table(Alias::new(*table))
                    .col(Alias::new("external_source"))
                    .col(Alias::new("external_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            m.drop_index(
                Index::drop()
                    .name(format!("ux_{table}_external"))
                    .table(Alias::new(*table))
                    .to_owned(),
            )
            .await?;
            for column in ["external_id", "external_source"] {
                m.alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
            }
        }
        Ok(())
    }
}

//! The phone numbers of live contacts, one row per contact and number, so that an inbound call
//! finds its contact through an index instead of reading every contact's phone list. Kept in the
//! same transaction as the contact row; an erased contact has none. Filled here from the phone
//! lists of the contacts that exist already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContactPhones {
    Table,
    ContactId,
    Number,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ContactPhones::Table)
                .col(big_integer(ContactPhones::ContactId))
                // E.164 with its `+` (at most 15 digits).
                .col(string_len(ContactPhones::Number, 20))
                .primary_key(
                    Index::create()
                        .col(ContactPhones::ContactId)
                        .col(ContactPhones::Number),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contact_phones_contact")
                        .from(ContactPhones::Table, ContactPhones::ContactId)
                        .to(Contacts::Table, Contacts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_contact_phones_number")
                .table(ContactPhones::Table)
                .col(ContactPhones::Number)
                .col(ContactPhones::ContactId)
                .to_owned(),
        )
        .await?;

        // `contacts.phones` is JSON text: `[{"number":"+33…","type":"MOBILE"}, …]`.
        let backend = m.get_database_backend();
        let fill = match backend {
            DatabaseBackend::Sqlite => {
                "INSERT INTO contact_phones (contact_id, number) \
                 SELECT DISTINCT c.id, json_extract(p.value, '$.number') \
                 FROM contacts c, json_each(c.phones) p \
                 WHERE c.erased_at IS NULL AND json_extract(p.value, '$.number') IS NOT NULL"
            }
            DatabaseBackend::Postgres => {
                "INSERT INTO contact_phones (contact_id, number) \
                 SELECT DISTINCT c.id, p.value ->> 'number' \
                 FROM contacts c, jsonb_array_elements(c.phones::jsonb) p \
                 WHERE c.erased_at IS NULL AND p.value ->> 'number' IS NOT NULL"
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "contact phones: no fill statement for {other:?}"
                )));
            }
        };
        m.get_connection().execute_unprepared(fill).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ContactPhones::Table).to_owned())
            .await
    }
}

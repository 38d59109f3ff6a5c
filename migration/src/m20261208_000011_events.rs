//! Events leave the outbox: what the relay, the outbound webhooks and the notification inbox
//! keep.
//!
//! - `outbox` gains the event's stable id (`evt_…`, the `webhook-id` of every delivery of it),
//!   its payload version, the actor (kind, id, subject, and the display name the relay
//!   fills in when it publishes), the account the event is about
//!   (partner scope and account filters), and `seq`: the order the relay published it in,
//!   assigned by one relay at a time. `published_at` (already there) is when.
//! - `webhook_endpoints`: where events go, owned by an admin or by a partner.
//! - `webhook_deliveries`: one row per event and endpoint, with the body as that endpoint's
//!   owner may read it (fixed at fan-out, so every retry sends the same bytes).
//! - `webhook_attempts`: the delivery log.
//! - `notifications`: the inbox of each team member.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    OwnerMemberId,
    PartnerId,
    Url,
    Description,
    EventTypes,
    AccountId,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    Enabled,
    DisabledAt,
    DisabledReason,
    FailingSince,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventId,
    EventSeq,
    EventType,
    AggregateKey,
    Body,
    State,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    LeasedBy,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    EndpointId,
    Attempt,
    At,
    Status,
    LatencyMs,
    Error,
    ResponseExcerpt,
    Manual,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    MemberId,
    Kind,
    Title,
    Body,
    SubjectId,
    EventId,
    CreatedAt,
    ReadAt,
}

/// Columns added to `outbox` one statement each (SQLite adds one column per `ALTER TABLE`).
const OUTBOX_COLUMNS: [(&str, &str); 8] = [
    ("event_id", "varchar(40) NULL"),
    ("version", "integer NOT NULL DEFAULT 1"),
    ("actor_kind", "varchar(16) NULL"),
    ("actor_id", "bigint NULL"),
    ("actor_subject", "varchar(200) NULL"),
    ("actor_name", "varchar(200) NULL"),
    ("account_id", "bigint NULL"),
    ("seq", "bigint NULL"),
];

fn index(name: &str, table: impl IntoIden, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create().name(name).table(table).to_owned();
    for col in cols {
        idx.col(Alias::new(*col));
    }
    if unique {
        idx.unique();
    }
    idx
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (column, ty) in OUTBOX_COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE outbox ADD COLUMN {column} {ty}"))
                .await?;
        }
        // Events written before this step get an id from their row; they were never relayed
        // and count as published (nothing subscribed to them when they happened).
        db.execute_unprepared(
            "UPDATE outbox SET event_id = 'evt_' || CAST(id AS varchar(20)), \
             published_at = COALESCE(published_at, at)",
        )
        .await?;
        m.create_index(index(
            "idx_outbox_event_id",
            Outbox::Table,
            &["event_id"],
            true,
        ))
        .await?;
        m.create_index(index("idx_outbox_seq", Outbox::Table, &["seq"], true))
            .await?;

        m.create_table(
            Table::create()
                .table(WebhookEndpoints::Table)
                .col(big_pk_auto(WebhookEndpoints::Id))
                .col(big_integer_null(WebhookEndpoints::OwnerMemberId))
                .col(big_integer_null(WebhookEndpoints::PartnerId))
                .col(string_len(WebhookEndpoints::Url, 2048))
                .col(string_len(WebhookEndpoints::Description, 500).default(""))
                .col(text(WebhookEndpoints::EventTypes))
                .col(big_integer_null(WebhookEndpoints::AccountId))
                .col(string_len(WebhookEndpoints::Secret, 100))
                .col(string_len_null(WebhookEndpoints::PreviousSecret, 100))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::PreviousSecretUntil,
                ))
                .col(boolean(WebhookEndpoints::Enabled).default(true))
                .col(timestamp_with_time_zone_null(WebhookEndpoints::DisabledAt))
                .col(string_len_null(WebhookEndpoints::DisabledReason, 500))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::FailingSince,
                ))
                .col(integer(WebhookEndpoints::Version).default(1))
                .col(string_len(WebhookEndpoints::CreatedBy, 200))
                .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_webhook_endpoints_partner",
            WebhookEndpoints::Table,
            &["partner_id", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(big_pk_auto(WebhookDeliveries::Id))
                .col(big_integer(WebhookDeliveries::EndpointId))
                .col(string_len(WebhookDeliveries::EventId, 40))
                .col(big_integer(WebhookDeliveries::EventSeq))
                .col(string_len(WebhookDeliveries::EventType, 80))
                .col(string_len(WebhookDeliveries::AggregateKey, 80))
                .col(text(WebhookDeliveries::Body))
                .col(string_len(WebhookDeliveries::State, 16))
                .col(integer(WebhookDeliveries::Attempts).default(0))
                .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::LeasedUntil,
                ))
                .col(string_len_null(WebhookDeliveries::LeasedBy, 100))
                .col(integer_null(WebhookDeliveries::LastStatus))
                .col(string_len_null(WebhookDeliveries::LastError, 500))
                .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::DeliveredAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_deliveries_endpoint")
                        .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                        .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            (
                "idx_webhook_deliveries_event",
                &["endpoint_id", "event_id"][..],
                true,
            ),
            (
                "idx_webhook_deliveries_due",
                &["state", "next_attempt_at"][..],
                false,
            ),
            (
                "idx_webhook_deliveries_order",
                &["endpoint_id", "aggregate_key", "event_seq"][..],
                false,
            ),
            (
                "idx_webhook_deliveries_log",
                &["endpoint_id", "id"][..],
                false,
            ),
        ] {
            m.create_index(index(name, WebhookDeliveries::Table, cols, unique))
                .await?;
        }

        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(big_pk_auto(WebhookAttempts::Id))
                .col(big_integer(WebhookAttempts::DeliveryId))
                .col(big_integer(WebhookAttempts::EndpointId))
                .col(integer(WebhookAttempts::Attempt))
                .col(timestamp_with_time_zone(WebhookAttempts::At))
                .col(integer_null(WebhookAttempts::Status))
                .col(integer(WebhookAttempts::LatencyMs))
                .col(string_len_null(WebhookAttempts::Error, 500))
                .col(string_len_null(WebhookAttempts::ResponseExcerpt, 1024))
                .col(boolean(WebhookAttempts::Manual).default(false))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_webhook_attempts_delivery")
                        .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                        .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_webhook_attempts_delivery", &["delivery_id", "id"][..]),
            ("idx_webhook_attempts_endpoint", &["endpoint_id", "id"][..]),
        ] {
            m.create_index(index(name, WebhookAttempts::Table, cols, false))
                .await?;
        }

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(big_pk_auto(Notifications::Id))
                .col(big_integer(Notifications::MemberId))
                .col(string_len(Notifications::Kind, 60))
                .col(string_len(Notifications::Title, 300))
                .col(text(Notifications::Body))
                .col(string_len_null(Notifications::SubjectId, 200))
                .col(string_len(Notifications::EventId, 40))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            (
                "idx_notifications_event",
                &["member_id", "event_id", "kind"][..],
                true,
            ),
            (
                "idx_notifications_inbox",
                &["member_id", "read_at", "id"][..],
                false,
            ),
        ] {
            m.create_index(index(name, Notifications::Table, cols, unique))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "notifications",
            "webhook_attempts",
            "webhook_deliveries",
            "webhook_endpoints",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        for name in ["idx_outbox_seq", "idx_outbox_event_id"] {
            m.drop_index(Index::drop().name(name).table(Outbox::Table).to_owned())
                .await?;
        }
        for (column, _) in OUTBOX_COLUMNS.iter().rev() {
            m.alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Alias::new(*column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

//! Backfill runs (`resyncAll`): one row per run and provider, walked page by page in contact-id
//! order by whichever worker holds its lease. A run with an `import_job_id` walks only the
//! contacts that import job created or changed (started when the job ends). A page's results and the cursor move in one
//! transaction fenced by the lease token, so a crash repeats at most the page in flight (bulk
//! upserts are safe to repeat) and two workers never advance one run.

use chrono::{DateTime, Utc};
use rapport_domain::ids::ContactId;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::entity::{contact, import_job_contact, sync_resync, sync_state};
use super::{Store, StoreError, Tx, lease};

/// A backfill run as stored.
pub type ResyncRow = sync_resync::Model;

const RUNNING: &str = "RUNNING";
const DONE: &str = "DONE";

/// A contact a backfill page synced in bulk, with what to remember of the delivery.
#[derive(Debug, Clone)]
pub struct BulkSynced {
    /// The contact.
    pub contact: ContactId,
    /// The provider's id for it.
    pub external_id: Option<String>,
    /// The provider's key for its email.
    pub email_key: Option<String>,
    /// The email sent.
    pub sent_email: Option<String>,
    /// The consent sent.
    pub sent_consent: Option<String>,
}

/// What one backfill page did.
#[derive(Debug, Clone, Default)]
pub struct ResyncPage {
    /// The last contact id of the page: the run continues after it.
    pub last_contact: i64,
    /// Contacts synced in bulk.
    pub synced: Vec<BulkSynced>,
    /// Contacts queued for the per-contact upsert.
    pub queued: Vec<ContactId>,
}

impl Tx {
    /// Starts a backfill of every live contact to `provider`, or returns the one already
    /// running (`false`): one run per provider at a time.
    pub async fn start_resync(
        &self,
        provider: &str,
        requested_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(ResyncRow, bool), StoreError> {
        let running = sync_resync::Entity::find()
            .filter(sync_resync::Column::Provider.eq(provider))
            .filter(sync_resync::Column::State.eq(RUNNING))
            .filter(sync_resync::Column::ImportJobId.is_null())
            .one(&self.inner)
            .await?;
        if let Some(run) = running {
            return Ok((run, false));
        }
        let total = contact::Entity::find()
            .filter(contact::Column::ErasedAt.is_null())
            .count(&self.inner)
            .await?;
        let row = sync_resync::ActiveModel {
            provider: Set(provider.to_owned()),
            state: Set(RUNNING.to_owned()),
            after_contact_id: Set(0),
            total: Set(i64::try_from(total).unwrap_or(i64::MAX)),
            processed: Set(0),
            synced: Set(0),
            queued: Set(0),
            pages: Set(0),
            last_error: Set(None),
            requested_by: Set(requested_by.to_owned()),
            lease_token: Set(None),
            lease_until: Set(None),
            started_at: Set(now),
            updated_at: Set(now),
            finished_at: Set(None),
            ..Default::default()
        }
        .insert(&self.inner)
        .await?;
        Ok((row, true))
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Takes the lease of `provider`'s running backfill when no live lease holds it.
    pub async fn claim_resync(
        &self,
        provider: &str,
        token: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<ResyncRow>, StoreError> {
        let free = sync_resync::Column::LeaseUntil
            .is_null()
            .or(sync_resync::Column::LeaseUntil.lt(now));
        let Some(run) = sync_resync::Entity::find()
            .filter(sync_resync::Column::Provider.eq(provider))
            .filter(sync_resync::Column::State.eq(RUNNING))
            .filter(free.clone())
            .order_by_asc(sync_resync::Column::Id)
            .one(self.writer())
            .await?
        else {
            return Ok(None);
        };
        // The same condition again in the update: of two workers racing, one changes the row.
        let taken = sync_resync::Entity::update_many()
            .col_expr(sync_resync::Column::LeaseToken, Expr::value(token))
            .col_expr(sync_resync::Column::LeaseUntil, Expr::value(until))
            .filter(sync_resync::Column::Id.eq(run.id))
            .filter(sync_resync::Column::State.eq(RUNNING))
            .filter(free)
            .exec(self.writer())
            .await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        Ok(sync_resync::Entity::find_by_id(run.id)
            .one(self.writer())
            .await?)
    }

    /// Up to `limit` live contacts after `after`, in id order: every live contact, or with
    /// `import_job` only those that import job created or changed.
    pub async fn live_contact_ids_after(
        &self,
        after: i64,
        limit: u64,
        import_job: Option<i64>,
    ) -> Result<Vec<ContactId>, StoreError> {
        let mut select = contact::Entity::find();
        if let Some(job) = import_job {
            select = select.filter(
                contact::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(import_job_contact::Column::ContactId)
                        .from(import_job_contact::Entity)
                        .and_where(import_job_contact::Column::JobId.eq(job))
                        .to_owned(),
                ),
            );
        }
        let ids: Vec<i64> = select
            .select_only()
            .column(contact::Column::Id)
            .filter(contact::Column::Id.gt(after))
            .filter(contact::Column::ErasedAt.is_null())
            .order_by_asc(contact::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(self.reader())
            .await?;
        Ok(ids.into_iter().map(ContactId::new).collect())
    }

    /// What `provider` last received for each of these contacts.
    pub async fn sync_states_for(
        &self,
        provider: &str,
        contacts: &[ContactId],
    ) -> Result<Vec<sync_state::Model>, StoreError> {
        Ok(sync_state::Entity::find()
            .filter(sync_state::Column::Provider.eq(provider))
            .filter(sync_state::Column::ContactId.is_in(contacts.iter().map(|c| c.get())))
            .all(self.writer())
            .await?)
    }

    async fn held_resync(
        tx: &sea_orm::DatabaseTransaction,
        id: i64,
        token: &str,
    ) -> Result<Option<ResyncRow>, StoreError> {
        Ok(sync_resync::Entity::find_by_id(id)
            .filter(sync_resync::Column::State.eq(RUNNING))
            .filter(sync_resync::Column::LeaseToken.eq(token))
            .one(tx)
            .await?)
    }

    /// Records a page of a held run: the bulk deliveries, the per-contact jobs, and the cursor,
    /// together; lets go of the lease unless `keep_lease`. `false` (and nothing written) if the
    /// lease was lost.
    pub async fn advance_resync(
        &self,
        id: i64,
        token: &str,
        page: &ResyncPage,
        now: DateTime<Utc>,
        keep_lease: bool,
    ) -> Result<bool, StoreError> {
        let tx = Tx::held(self.begin_write().await?);
        let Some(run) = Self::held_resync(&tx.inner, id, token).await? else {
            return Ok(false);
        };
        // A contact erased while its page was in flight may have been re-created by the bulk
        // call after its erasure reached the provider: erase it there again, and keep the
        // sync state its erasure left.
        let erased: Vec<i64> = contact::Entity::find()
            .select_only()
            .column(contact::Column::Id)
            .filter(contact::Column::Id.is_in(page.synced.iter().map(|s| s.contact.get())))
            .filter(contact::Column::ErasedAt.is_not_null())
            .into_tuple()
            .all(&tx.inner)
            .await?;
        for id in &erased {
            tx.enqueue_sync(&run.provider, ContactId::new(*id), "ERASE", now)
                .await?;
        }
        let synced: Vec<&BulkSynced> = page
            .synced
            .iter()
            .filter(|s| !erased.contains(&s.contact.get()))
            .collect();
        if !synced.is_empty() {
            sync_state::Entity::delete_many()
                .filter(sync_state::Column::Provider.eq(run.provider.clone()))
                .filter(sync_state::Column::ContactId.is_in(synced.iter().map(|s| s.contact.get())))
                .exec(&tx.inner)
                .await?;
            // Inserted in slices: PostgreSQL takes at most 65,535 bind values per statement.
            for slice in synced.chunks(1_000) {
                sync_state::Entity::insert_many(slice.iter().map(|s| sync_state::ActiveModel {
                    provider: Set(run.provider.clone()),
                    contact_id: Set(s.contact.get()),
                    external_id: Set(s.external_id.clone()),
                    email_key: Set(s.email_key.clone()),
                    sent_email: Set(s.sent_email.clone()),
                    sent_consent: Set(s.sent_consent.clone()),
                    last_synced_at: Set(Some(now)),
                    erased: Set(false),
                }))
                .exec(&tx.inner)
                .await?;
            }
        }
        for contact in &page.queued {
            tx.enqueue_sync(&run.provider, *contact, "UPSERT", now)
                .await?;
        }
        let mut update = sync_resync::Entity::update_many()
            .col_expr(
                sync_resync::Column::AfterContactId,
                Expr::value(page.last_contact),
            )
            .col_expr(
                sync_resync::Column::Processed,
                Expr::col(sync_resync::Column::Processed)
                    .add(count(page.synced.len() + page.queued.len())),
            )
            .col_expr(
                sync_resync::Column::Synced,
                Expr::col(sync_resync::Column::Synced).add(count(page.synced.len())),
            )
            .col_expr(
                sync_resync::Column::Queued,
                Expr::col(sync_resync::Column::Queued).add(count(page.queued.len())),
            )
            .col_expr(
                sync_resync::Column::Pages,
                Expr::col(sync_resync::Column::Pages).add(1),
            )
            .col_expr(sync_resync::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                sync_resync::Column::LastError,
                Expr::value(Option::<String>::None),
            );
        if !keep_lease {
            // The next page is anyone's: the run moves on with whichever worker steps next.
            update = update
                .col_expr(
                    sync_resync::Column::LeaseToken,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    sync_resync::Column::LeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                );
        }
        update
            .filter(sync_resync::Column::Id.eq(id))
            .exec(&tx.inner)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a held run done. `false` if the lease was lost.
    pub async fn finish_resync(
        &self,
        id: i64,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = lease::ending::<sync_resync::Entity>(DONE, now)
            .filter(sync_resync::Column::Id.eq(id))
            .filter(sync_resync::Column::State.eq(RUNNING))
            .filter(sync_resync::Column::LeaseToken.eq(token))
            .exec(self.writer())
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Lets go of a held run, keeping `error` when a page failed; no worker takes it up again
    /// before `retry_at`. `false` if the lease was lost.
    pub async fn release_resync(
        &self,
        id: i64,
        token: &str,
        error: Option<&str>,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut update = sync_resync::Entity::update_many()
            .col_expr(sync_resync::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                sync_resync::Column::LeaseToken,
                Expr::value(Option::<String>::None),
            )
            .col_expr(sync_resync::Column::LeaseUntil, Expr::value(retry_at));
        if let Some(error) = error {
            update = update.col_expr(sync_resync::Column::LastError, Expr::value(error));
        }
        let released = update
            .filter(sync_resync::Column::Id.eq(id))
            .filter(sync_resync::Column::State.eq(RUNNING))
            .filter(sync_resync::Column::LeaseToken.eq(token))
            .exec(self.writer())
            .await?;
        Ok(released.rows_affected == 1)
    }

    /// The latest backfill runs (of one provider, or all), newest first.
    pub async fn resyncs(
        &self,
        provider: Option<&str>,
        limit: u64,
    ) -> Result<Vec<ResyncRow>, StoreError> {
        let mut select = sync_resync::Entity::find();
        if let Some(p) = provider {
            select = select.filter(sync_resync::Column::Provider.eq(p));
        }
        Ok(select
            .order_by_desc(sync_resync::Column::Id)
            .limit(limit)
            .all(self.reader())
            .await?)
    }
}

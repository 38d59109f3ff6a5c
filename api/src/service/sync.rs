use rapport_domain::ids::ContactId;
use rapport_domain::permissions::{Action, Resource};

use super::Ctx;
use super::record::{Change, record};
use crate::error::ApiError;
use crate::global_id::Kind;
use crate::store::{AuditRecord, ResyncRow};

/// Sends a contact again to one enabled provider (or all): revives its dead letter, or queues a
/// fresh job, with the contact's current state (an erased contact is erased). Admin only.
pub async fn retry_sync(
    ctx: &Ctx<'_>,
    contact: ContactId,
    provider: Option<&str>,
) -> Result<(), ApiError> {
    ctx.authorize(Action::ManageIntegrations, &Resource::Global, "contact")?;
    let providers: Vec<String> = match provider {
        Some(p) => vec![enabled(ctx, p)?],
        None => ctx.providers.to_vec(),
    };
    if providers.is_empty() {
        return Err(ApiError::bad_input(
            "provider",
            "no sync provider is enabled",
        ));
    }
    let tx = ctx.store.begin().await?;
    let found = tx
        .load_contact(contact)
        .await?
        .ok_or(ApiError::NotFound("contact"))?;
    let kind = if found.is_erased() { "ERASE" } else { "UPSERT" };
    for p in &providers {
        tx.enqueue_sync(p, contact, kind, ctx.now).await?;
    }
    record(
        &tx,
        ctx,
        Change {
            action: "retrySync",
            kind: Kind::Contact,
            id: contact.get(),
            before: None,
            after: Some(serde_json::json!({"providers": providers})),
            events: vec![],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `provider` if it is enabled; otherwise a bad-input error naming the enabled ones.
fn enabled(ctx: &Ctx<'_>, provider: &str) -> Result<String, ApiError> {
    if ctx.providers.iter().any(|x| x == provider) {
        return Ok(provider.to_owned());
    }
    let known = if ctx.providers.is_empty() {
        "none is enabled".to_owned()
    } else {
        format!("enabled: {}", ctx.providers.join(", "))
    };
    Err(ApiError::bad_input(
        "provider",
        format!("is not an enabled sync provider ({known})"),
    ))
}

/// Starts a backfill of every live contact to `provider` (admins), run page by page by the sync
/// workers; returns the run and whether it is new. A backfill already running for the provider
/// is returned instead of starting a second one.
pub async fn resync_all(ctx: &Ctx<'_>, provider: &str) -> Result<(ResyncRow, bool), ApiError> {
    ctx.authorize(Action::ManageIntegrations, &Resource::Global, "sync")?;
    let provider = enabled(ctx, provider)?;
    let tx = ctx.store.begin().await?;
    let (run, started) = tx
        .start_resync(&provider, &ctx.caller.subject, ctx.now)
        .await?;
    if started {
        tx.audit(AuditRecord {
            actor: ctx.caller.subject.clone(),
            action: "resyncAll",
            entity_type: "Resync",
            entity_id: run.id,
            before: None,
            after: Some(serde_json::json!({"provider": provider, "total": run.total})),
            request_id: ctx.request_id.to_owned(),
            at: ctx.now,
        })
        .await?;
    }
    tx.commit().await?;
    Ok((run, started))
}

/// Resumes a provider paused after it refused our credentials (admins): its jobs and backfills
/// are taken up again. Resuming a provider that is not paused changes nothing.
pub async fn resume_sync_provider(ctx: &Ctx<'_>, provider: &str) -> Result<bool, ApiError> {
    ctx.authorize(Action::ManageIntegrations, &Resource::Global, "sync")?;
    let provider = enabled(ctx, provider)?;
    let tx = ctx.store.begin().await?;
    if !tx.resume_provider(&provider).await? {
        return Ok(false);
    }
    tx.audit(AuditRecord {
        actor: ctx.caller.subject.clone(),
        action: "resumeSyncProvider",
        entity_type: "SyncProvider",
        entity_id: 0,
        before: None,
        after: Some(serde_json::json!({"provider": provider})),
        request_id: ctx.request_id.to_owned(),
        at: ctx.now,
    })
    .await?;
    tx.commit().await?;
    Ok(true)
}

use rapport_domain::ids::ContactId;
use rapport_domain::permissions::{Action, Resource};

use super::Ctx;
use super::record::{Change, record};
use crate::error::ApiError;
use crate::global_id::Kind;

/// Sends a contact again to one enabled provider (or all): revives its dead letter, or queues a
/// fresh job, with the contact's current state (an erased contact is erased). Admin only.
pub async fn retry_sync(
    ctx: &Ctx<'_>,
    contact: ContactId,
    provider: Option<&str>,
) -> Result<(), ApiError> {
    ctx.authorize(Action::ManageIntegrations, &Resource::Global, "contact")?;
    let providers: Vec<String> = match provider {
        Some(p) if ctx.providers.iter().any(|x| x == p) => vec![p.to_owned()],
        Some(_) => {
            return Err(ApiError::bad_input(
                "provider",
                "is not an enabled sync provider",
            ));
        }
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

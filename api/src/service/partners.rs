use rapport_domain::events::DomainEvent;
use rapport_domain::ids::PartnerId;
use rapport_domain::partner::Partner;
use rapport_domain::permissions::{Action, Resource};
use rapport_domain::values::Text;

use super::record::{Change, record};
use super::{Ctx, check_version, snapshot};
use crate::error::ApiError;
use crate::global_id::Kind;

/// Adds a partner (admin only).
pub async fn create_partner(ctx: &Ctx<'_>, name: Text) -> Result<Partner, ApiError> {
    ctx.authorize(Action::ManagePartners, &Resource::Global, "partner")?;
    let tx = ctx.store.begin().await?;
    let partner = tx.insert_partner(&name, ctx.now).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "createPartner",
            kind: Kind::Partner,
            id: partner.id.get(),
            before: None,
            after: Some(snapshot::partner(&partner)),
            events: vec![DomainEvent::PartnerCreated(partner.id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(partner)
}

/// Renames, deactivates or reactivates a partner (admin only). Deactivation refuses the
/// partner's tokens on their next request.
pub async fn update_partner(
    ctx: &Ctx<'_>,
    id: PartnerId,
    expected_version: i32,
    name: Option<Text>,
    active: Option<bool>,
) -> Result<Partner, ApiError> {
    ctx.authorize(Action::ManagePartners, &Resource::Global, "partner")?;
    let tx = ctx.store.begin().await?;
    let mut partner = tx
        .load_partner(id)
        .await?
        .ok_or(ApiError::NotFound("partner"))?;
    check_version(partner.version, expected_version)?;
    let before = snapshot::partner(&partner);
    if let Some(name) = name {
        partner.name = name;
    }
    if let Some(active) = active {
        partner.active = active;
    }
    let saved = tx.save_partner(partner, expected_version, ctx.now).await?;
    record(
        &tx,
        ctx,
        Change {
            action: "updatePartner",
            kind: Kind::Partner,
            id: id.get(),
            before: Some(before),
            after: Some(snapshot::partner(&saved)),
            events: vec![DomainEvent::PartnerUpdated(id)],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

//! Use cases. Each runs in one transaction that writes the change, its audit row and its
//! outbox events together; authorization is decided here, with the row-level facts at hand.

mod account_domains;
mod accounts;
pub(crate) mod agreement_compute;
mod agreement_events;
mod agreements;
mod bootstrap;
mod contacts;
mod credential_list;
mod credential_owner;
mod credentials;
mod demo;
pub mod import;
pub mod import_jobs;
mod interactions;
mod notifications;
mod partners;
mod provision;
mod record;
mod snapshot;
mod sync;
mod team;
mod tokens;
mod webhook_endpoints;
mod webhooks;

pub use account_domains::confirm_account_domains;
pub use accounts::{
    AccountChanges, account_scope, assign_account_manager, churn_account, create_account,
    demote_to_customer, promote_to_client, update_account,
};
pub use agreements::{
    BatchResult, SchedulerReport, approve_agreement, complete_review, create_agreement_draft,
    propose_amendment, record_measurements, reject_agreement, renew_agreement, run_scheduler,
    start_review, submit_agreement, terminate_agreement, update_agreement_draft,
};
pub use bootstrap::ensure_bootstrap_admin;
pub use contacts::{ContactChanges, create_contact, erase_contact, update_contact};
pub use credential_list::{Credential, credentials};
pub use credentials::{
    CreatedKey, KeyLimits, api_keys, create_api_key, create_service_account, revoke_api_key,
    rotate_api_key,
};
pub use demo::{DemoReport, seed_demo_data};
pub use interactions::{ManualInteraction, record_interaction};
pub use notifications::{
    inbox_owner, mark_notifications_read, notifications_page, own_notification,
    unread_notification_count,
};
pub use partners::{create_partner, update_partner};
pub use provision::provision_team_member;
pub use sync::{resume_sync_provider, resync_all, retry_sync};
pub use team::{TeamMemberChanges, create_team_member, update_team_member};
pub use tokens::{IssuedToken, TokenLimits, issue_partner_token, revoke_token, rotate_token};
pub use webhook_endpoints::{
    EndpointChanges, MAX_OVERLAP_HOURS, NewEndpoint, WithSecret, create_webhook_endpoint,
    delete_webhook_endpoint, redeliver_webhook, rotate_webhook_endpoint_secret,
    update_webhook_endpoint,
};
pub use webhooks::{
    CallRecord, CallerIdentity, MemberChange, MemberEvent, WebhookOutcome, apply_member_event,
    identify_caller, record_call,
};

use chrono::{DateTime, Utc};
use rapport_domain::permissions::{Action, Resource, authorize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Store;

/// Who is acting, in which request, at what time.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The database.
    pub store: &'a Store,
    /// The caller.
    pub caller: &'a Caller,
    /// The request's id (audit rows carry it).
    pub request_id: &'a str,
    /// The time of the request; rules never read the clock themselves.
    pub now: DateTime<Utc>,
    /// The contact-sync providers enabled: a contact change enqueues one job per provider.
    pub providers: &'a [String],
    /// The registered providers themselves, where a use case needs more than their names
    /// (erasure keeps each provider's key for the address it erases); `None` where no use case
    /// run with this context erases.
    pub registry: Option<&'a rapport_integrations::Registry>,
}

impl Ctx<'_> {
    /// Refuses unless the caller may perform `action` on `resource`.
    pub fn authorize(
        &self,
        action: Action,
        resource: &Resource,
        what: &'static str,
    ) -> Result<(), ApiError> {
        authorize(&self.caller.principal, action, resource).map_err(|d| ApiError::denied(d, what))
    }
}

/// Enqueues a sync of each contact to every enabled provider, in the change's transaction.
pub(crate) async fn enqueue_sync(
    tx: &crate::store::Tx,
    ctx: &Ctx<'_>,
    contacts: &[rapport_domain::ids::ContactId],
    erase: bool,
) -> Result<(), ApiError> {
    let kind = if erase { "ERASE" } else { "UPSERT" };
    for provider in ctx.providers {
        for contact in contacts {
            tx.enqueue_sync(provider, *contact, kind, ctx.now).await?;
        }
    }
    Ok(())
}

/// Refuses a stale `expectedVersion` before doing any work (the save checks again atomically).
pub(crate) fn check_version(current: i32, expected: i32) -> Result<(), ApiError> {
    if current == expected {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "expectedVersion is {expected} but the record is at version {current}; read it again and retry"
        )))
    }
}

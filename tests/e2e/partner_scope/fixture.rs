//! Two partners, each with referred accounts (a client with a manager, its child), contacts,
//! an agreement with a measurement, a credit, a review and a notice of termination, calls, and
//! relationship history; and an account of nobody's, which no partner may see.

use std::collections::BTreeSet;

use chrono::Days;
use rapport_api::global_id::{self, Kind};
use rapport_api::store::NewInteraction;
use rapport_domain::contact::{InteractionDirection, InteractionKind};
use rapport_domain::ids::ContactId;
use rapport_tests::{TestApp, calendar, complete_sections, measurement};
use serde_json::json;

/// One partner's token and every global id of the rows it referred.
#[derive(Debug, Clone)]
pub struct Side {
    /// The partner's name.
    pub name: String,
    /// A partner token.
    pub token: String,
    /// Its own partner id, its accounts, their contacts, agreements and interactions.
    pub own: BTreeSet<String>,
}

/// What [`two_partners`] made.
#[derive(Debug)]
pub struct World {
    /// The two partners.
    pub sides: [Side; 2],
    /// Ids of rows nobody referred (a direct account, its contact and agreement) and of the
    /// team.
    pub staff_ids: BTreeSet<String>,
    /// Every team member's subject and email: none may reach a partner.
    pub staff_secrets: Vec<String>,
    /// Every team member's display name.
    pub staff_names: BTreeSet<String>,
}

const COMPLETE_REVIEW: &str = "mutation($input: CompleteReviewInput!) {
  completeReview(input: $input) { agreement { version } } }";
const TERMINATE: &str = "mutation($input: TerminateAgreementInput!) {
  terminateAgreement(input: $input) { agreement { version } } }";

fn raw(kind: Kind, id: &str) -> i64 {
    global_id::decode(kind, id).unwrap_or_else(|| panic!("not a {kind:?} id: {id}"))
}

/// A client account with an agreement that went through measurement, a credit, a review and
/// notice; answers the ids of the agreement and of its account's contacts and calls.
async fn referred_rows(app: &TestApp, account: &str, child: &str, tag: &str) -> Vec<String> {
    let admin = app.admin_token.clone();
    let (manager, manager_token) = app.member("ACCOUNT_MANAGER").await;
    app.promote(account, &manager, 1).await;
    let mut ids = vec![
        app.contact(
            account,
            &format!("{tag} One"),
            Some(&format!("one@{tag}.example")),
        )
        .await,
        app.contact(account, &format!("{tag} Two"), None).await,
        app.contact(child, &format!("{tag} Three"), None).await,
    ];
    let (agreement, version, _) = app.active_agreement(account, complete_sections()).await;
    let now = rapport_tests::earlier_today(1);
    app.record_measurements(&admin, &agreement, json!([measurement("frt", "120", now)]))
        .await
        .ok();
    app.agreement_action(&admin, "startReview", &agreement, version)
        .await
        .ok();
    app.gql(
        COMPLETE_REVIEW,
        json!({"input": {"agreementId": agreement, "expectedVersion": version + 1, "outcome": "CONTINUE"}}),
    )
    .await
    .ok();
    app.gql_as(
        Some(&manager_token),
        TERMINATE,
        json!({"input": {"agreementId": agreement, "expectedVersion": version + 2,
            "kind": "CONVENIENCE", "reason": "moving on",
            "effectiveOn": (calendar().today + Days::new(30)).to_string()}}),
    )
    .await
    .ok();
    let tx = app.store.begin().await.expect("a transaction");
    for (n, contact) in ids.clone().iter().take(2).enumerate() {
        let id = tx
            .insert_interaction(
                &NewInteraction {
                    contact: ContactId::new(raw(Kind::Contact, contact)),
                    kind: InteractionKind::Call,
                    direction: Some(InteractionDirection::Inbound),
                    at: now,
                    duration_seconds: Some(60),
                    source: "ringover".to_owned(),
                    summary: Some("Call ended".to_owned()),
                    external_key: format!("{tag}-{n}"),
                },
                now,
            )
            .await
            .expect("an interaction")
            .expect("a new interaction");
        ids.push(global_id::encode(Kind::Interaction, id));
    }
    tx.commit().await.expect("committed");
    ids.push(agreement);
    ids
}

async fn side(app: &TestApp, name: &str) -> Side {
    let (partner, token) = app.partner(name).await;
    let account = app
        .account_as(&token, &format!("{name} Holdings"), json!({}))
        .await;
    let child = app
        .account_as(
            &token,
            &format!("{name} Subsidiary"),
            json!({"parentId": account}),
        )
        .await;
    let mut own: BTreeSet<String> = [partner, account.clone(), child.clone()].into();
    own.extend(referred_rows(app, &account, &child, &name.to_lowercase()).await);
    Side {
        name: name.to_owned(),
        token,
        own,
    }
}

/// Builds the world.
pub async fn two_partners(app: &TestApp) -> World {
    let sides = [side(app, "North").await, side(app, "South").await];
    let direct = app
        .account_as(&app.admin_token.clone(), "Direct Ltd", json!({}))
        .await;
    let mut staff_ids: BTreeSet<String> = referred_rows(app, &direct, &direct, "direct")
        .await
        .into_iter()
        .collect();
    staff_ids.insert(direct);
    let team = app
        .gql(
            "{ teamMembers(first: 100) { nodes { id name email subject } } }",
            json!({}),
        )
        .await
        .ok();
    let members = team.data("/teamMembers/nodes").as_array().expect("members");
    assert!(members.len() >= 7, "the fixture's team: {}", team.body);
    let (mut staff_secrets, mut staff_names) = (Vec::new(), BTreeSet::new());
    for m in members {
        let field = |k: &str| m[k].as_str().expect("a string").to_owned();
        staff_ids.insert(field("id"));
        staff_secrets.push(field("email"));
        staff_secrets.push(field("subject"));
        staff_names.insert(field("name"));
    }
    World {
        sides,
        staff_ids,
        staff_secrets,
        staff_names,
    }
}

//! A partner reaches only the rows of the accounts it referred, and sees the people who acted
//! on them by display name only — proven over every field of the schema, enumerated by
//! introspection (not hand-listed): a new list or person-naming field is probed the day it
//! appears.

mod fixture;
mod store;
mod walk;

use std::collections::BTreeSet;

use rapport_tests::{Gql, TestApp, spawn_app};
use serde_json::{Value, json};

use fixture::{World, two_partners};
use walk::{Needs, Probe, Schema, global_ids, values_of};

/// One probe's answer to one partner.
struct Answer {
    side: usize,
    /// Whether the probe put an id of another kind or owner into a `filter`.
    filter: bool,
    probe: String,
    variables: Value,
    res: Gql,
}

impl Answer {
    fn context(&self) -> String {
        format!(
            "{} as partner {} with {}: {}",
            self.probe, self.side, self.variables, self.res.body
        )
    }
}

/// Runs every probe as each partner: id-taking fields with every id of the world, id filters
/// with every id the partner must never be answered.
async fn probe_everything(app: &TestApp, world: &World) -> (Vec<Probe>, Vec<Answer>) {
    let probes = Schema::load(app).await.probes();
    let pool: Vec<String> = world
        .sides
        .iter()
        .flat_map(|s| s.own.iter().cloned())
        .chain(world.staff_ids.iter().cloned())
        .collect();
    let mut answers = Vec::new();
    for (i, side) in world.sides.iter().enumerate() {
        let foreign: Vec<&String> = pool.iter().filter(|id| !side.own.contains(*id)).collect();
        for probe in &probes {
            let variables: Vec<Value> = match probe.needs {
                Needs::Nothing => vec![json!({})],
                Needs::Id => pool.iter().map(|id| json!({"id": id})).collect(),
                Needs::Ids => vec![json!({"ids": pool})],
                Needs::FilterId => foreign.iter().map(|id| json!({"filterId": id})).collect(),
            };
            for variables in variables {
                let res = app
                    .gql_as(Some(&side.token), &probe.query, variables.clone())
                    .await;
                answers.push(Answer {
                    side: i,
                    filter: probe.needs == Needs::FilterId,
                    probe: probe.field.clone(),
                    variables,
                    res,
                });
            }
        }
    }
    (probes, answers)
}

/// The error codes of an answer; a probe the server could not even read is a broken walk.
fn codes(a: &Answer) -> Vec<String> {
    a.res.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("none")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_row_any_field_answers_a_partner_is_one_it_referred() {
    let app = spawn_app().await;
    let world = two_partners(&app).await;
    let (probes, answers) = probe_everything(&app, &world).await;

    let fields: BTreeSet<&str> = probes.iter().map(|p| p.field.as_str()).collect();
    for must in [
        "Query.accounts",
        "Query.contacts",
        "Query.agreements",
        "Query.node",
        "Query.nodes",
        "Account.children",
        "Account.contacts",
        "Account.agreements",
        "Account.relationshipHistory",
        "Contact.interactions",
        "Partner.accounts",
        "TeamMember.managedAccounts",
        "Agreement.credits",
        "Agreement.revisions",
        "Query.accounts(filter.partnerId)",
    ] {
        assert!(
            fields.contains(must),
            "the walk did not reach {must}: {fields:?}"
        );
    }

    let mut seen = [BTreeSet::new(), BTreeSet::new()];
    let mut problems = Vec::new();
    for a in &answers {
        let side = &world.sides[a.side];
        for code in codes(a) {
            // An id of another kind in a filter is refused naming the filter field.
            let wrong_kind = a.filter && code == "BAD_USER_INPUT";
            if code != "FORBIDDEN" && code != "NOT_FOUND" && !wrong_kind {
                problems.push(format!("answered {code}: {}", a.context()));
            }
        }
        let mut ids = BTreeSet::new();
        global_ids(&a.res.body["data"], &mut ids);
        for id in ids {
            if side.own.contains(&id) {
                seen[a.side].insert(id);
            } else {
                problems.push(format!("answered {id}, not its own: {}", a.context()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} answers; the first ones:\n{}",
        problems.len(),
        answers.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (i, side) in world.sides.iter().enumerate() {
        let missed: Vec<&String> = side.own.difference(&seen[i]).collect();
        assert!(
            missed.is_empty(),
            "the walk never reached these rows of {}: {missed:?}",
            side.name
        );
    }
}

/// The fields that name who acted on a record.
const PERSON_FIELDS: [&str; 5] = ["actor", "createdBy", "approvedBy", "heldBy", "by"];

#[tokio::test]
async fn no_field_a_partner_reaches_shows_a_team_member_but_by_display_name() {
    let app = spawn_app().await;
    let world = two_partners(&app).await;
    let (_, answers) = probe_everything(&app, &world).await;

    let mut problems = Vec::new();
    let mut shown: BTreeSet<(String, String)> = BTreeSet::new();
    for a in &answers {
        let text = a.res.body.to_string();
        for secret in &world.staff_secrets {
            if text.contains(secret.as_str()) {
                problems.push(format!("shows {secret}: {}", a.context()));
            }
        }
        let side = &world.sides[a.side];
        for key in PERSON_FIELDS {
            let mut values = Vec::new();
            values_of(&a.res.body["data"], key, &mut values);
            for v in values.into_iter().filter_map(Value::as_str) {
                let display = world.staff_names.contains(v) || v == "Rapport" || v == side.name;
                if !display {
                    problems.push(format!("{key} = {v:?} is no display name: {}", a.context()));
                }
                shown.insert((key.to_owned(), v.to_owned()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} answers; the first ones:\n{}",
        problems.len(),
        answers.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    for key in PERSON_FIELDS {
        assert!(
            shown.iter().any(|(k, _)| k == key),
            "no partner answer carried `{key}`, so it was not tested: {shown:?}"
        );
    }

    // Staff still see who acted as recorded: the subject.
    let account = world.sides[0]
        .own
        .iter()
        .find(|id| {
            rapport_api::global_id::decode(rapport_api::global_id::Kind::Account, id).is_some()
        })
        .expect("an account");
    let as_partner = app
        .gql_as(
            Some(&world.sides[0].token),
            "query($id: ID!) { account(id: $id) { relationshipHistory { actor } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    let as_admin = app
        .gql(
            "query($id: ID!) { account(id: $id) { relationshipHistory { actor } } }",
            json!({"id": account}),
        )
        .await
        .ok();
    let admin_name = app
        .gql("{ viewer { teamMember { name } } }", json!({}))
        .await
        .ok()
        .data("/viewer/teamMember/name")
        .clone();
    assert_eq!(
        (
            as_admin.data("/account/relationshipHistory/0/actor"),
            as_partner.data("/account/relationshipHistory/0/actor")
        ),
        (&json!("bootstrap-admin"), &admin_name),
        "staff see the subject, the partner the admin's name"
    );
}

#[tokio::test]
async fn a_partner_cannot_filter_by_account_manager_to_learn_who_manages_its_accounts() {
    let app = spawn_app().await;
    let world = two_partners(&app).await;
    let team: Vec<&String> = world
        .staff_ids
        .iter()
        .filter(|id| {
            rapport_api::global_id::decode(rapport_api::global_id::Kind::TeamMember, id).is_some()
        })
        .collect();
    assert!(team.len() >= 7, "the fixture's team: {team:?}");
    for side in &world.sides {
        for member in &team {
            for query in [
                "query($m: ID!) { accounts(filter: {accountManagerId: $m}) { nodes { id } } }",
                "query($m: ID!) { contacts(filter: {account: {accountManagerId: $m}}) { nodes { id } } }",
            ] {
                let res = app
                    .gql_as(Some(&side.token), query, json!({"m": member}))
                    .await;
                assert_eq!(
                    res.error_code(),
                    Some("FORBIDDEN"),
                    "{} filtering by {member}: {}",
                    side.name,
                    res.body
                );
            }
        }
    }
    // Staff filter by manager as before.
    let staff = app
        .gql(
            "query($m: ID!) { accounts(filter: {accountManagerId: $m}) { nodes { id } } }",
            json!({"m": team[0]}),
        )
        .await;
    assert_eq!(staff.error_code(), None, "{}", staff.body);
}

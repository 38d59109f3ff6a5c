//! `AgreementFilter` on `Query.agreements` and `Account.agreements`.

use chrono::{Datelike, Days, NaiveDate};
use rapport_tests::{TestApp, calendar, complete_sections, spawn_app};
use serde_json::{Value, json};

use super::{ids, refused, set};

const LIST: &str = "query($filter: AgreementFilter, $first: Int, $after: String) {
  agreements(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id }
  }
}";

/// Three agreements with different states, accounts and dates.
struct World {
    /// ACTIVE, client "Alpha", the standard dates (from January 1st of last year to
    /// December 31st of next year).
    alpha: String,
    alpha_account: String,
    /// ACTIVE, client "Beta", from January 1st of this year to June 30th of next year.
    beta: String,
    beta_until: NaiveDate,
    /// DRAFT, customer "Gamma", the standard dates.
    gamma: String,
    gamma_account: String,
}

async fn world(app: &TestApp) -> World {
    let cal = calendar();
    let alpha_fx = app
        .client_with_agreement("Alpha", complete_sections())
        .await;
    let beta_from = NaiveDate::from_ymd_opt(cal.today.year(), 1, 1).expect("date");
    let beta_until = NaiveDate::from_ymd_opt(cal.today.year() + 1, 6, 30).expect("date");
    let mut beta_sections = complete_sections();
    beta_sections["summary"]["effectiveFrom"] = json!(beta_from.to_string());
    beta_sections["summary"]["effectiveUntil"] = json!(beta_until.to_string());
    let beta_fx = app.client_with_agreement("Beta", beta_sections).await;
    let gamma_account = app
        .account_as(&app.admin_token.clone(), "Gamma", json!({}))
        .await;
    let gamma = app
        .draft_agreement(
            &app.admin_token.clone(),
            &gamma_account,
            complete_sections(),
        )
        .await
        .ok()
        .data("/createAgreementDraft/agreement/id")
        .as_str()
        .expect("draft id")
        .to_owned();
    World {
        alpha: alpha_fx.agreement,
        alpha_account: alpha_fx.account,
        beta: beta_fx.agreement,
        beta_until,
        gamma,
        gamma_account,
    }
}

async fn listed(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let res = app
        .gql_as(Some(token), LIST, json!({"filter": filter, "first": 50}))
        .await
        .ok();
    let got = ids(&res, "/agreements");
    assert_eq!(
        res.data("/agreements/totalCount").as_u64(),
        Some(got.len() as u64),
        "totalCount counts the same filter: {}",
        res.body
    );
    let mut got = got;
    got.sort();
    got
}

#[tokio::test]
async fn agreements_filter_by_status_set_account_relationship_and_date_windows_all_together() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let w = world(&app).await;
    let cal = calendar();
    let this_year = NaiveDate::from_ymd_opt(cal.today.year(), 1, 1).expect("date");
    let beta_cancel_by = w.beta_until.checked_sub_days(Days::new(30)).expect("date");

    let cases: Vec<(Value, Vec<&String>)> = vec![
        (json!({}), vec![&w.alpha, &w.beta, &w.gamma]),
        (json!({"statusIn": ["ACTIVE"]}), vec![&w.alpha, &w.beta]),
        (json!({"statusIn": ["DRAFT", "EXPIRED"]}), vec![&w.gamma]),
        (json!({"accountId": w.alpha_account}), vec![&w.alpha]),
        (json!({"relationshipType": "CUSTOMER"}), vec![&w.gamma]),
        (
            json!({"relationshipType": "CLIENT"}),
            vec![&w.alpha, &w.beta],
        ),
        // Beta's term ends on June 30th of next year, Alpha's on December 31st; the draft
        // has no term yet.
        (
            json!({"termEnd": {"to": w.beta_until.to_string()}}),
            vec![&w.beta],
        ),
        (
            json!({"termEnd": {"from": w.beta_until.to_string(), "to": cal.until.to_string()}}),
            vec![&w.alpha, &w.beta],
        ),
        // Inclusive on both ends: a window of exactly the one day.
        (
            json!({"cancelBy": {"from": beta_cancel_by.to_string(), "to": beta_cancel_by.to_string()}}),
            vec![&w.beta],
        ),
        // The draft's notice deadline comes from its sections: December 1st of next year.
        (
            json!({"cancelBy": {"from": w.beta_until.to_string()}}),
            vec![&w.alpha, &w.gamma],
        ),
        // Reviews every 3 months from the start: April 1st of this year for Beta, of last
        // year for Alpha; a draft has no review date.
        (
            json!({"nextReviewOn": {"from": this_year.to_string()}}),
            vec![&w.beta],
        ),
        (
            json!({"nextReviewOn": {"to": this_year.pred_opt().expect("date").to_string()}}),
            vec![&w.alpha],
        ),
        (
            json!({"effectiveFrom": {"to": cal.from.to_string()}}),
            vec![&w.alpha, &w.gamma],
        ),
        // Every part must hold.
        (
            json!({"statusIn": ["ACTIVE", "DRAFT"], "relationshipType": "CLIENT", "termEnd": {"to": w.beta_until.to_string()}}),
            vec![&w.beta],
        ),
        (
            json!({"statusIn": ["DRAFT"], "relationshipType": "CLIENT"}),
            vec![],
        ),
        (
            json!({"accountId": w.alpha_account, "nextReviewOn": {"from": this_year.to_string()}}),
            vec![],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(
            listed(&app, &admin, filter.clone()).await,
            set(&want),
            "filter {filter}"
        );
    }

    // Keyset pages hold under a filter: two pages of one, then nothing more.
    let filter = json!({"statusIn": ["ACTIVE"]});
    let first = app
        .gql(LIST, json!({"filter": filter, "first": 1}))
        .await
        .ok();
    assert_eq!(ids(&first, "/agreements"), vec![w.alpha.clone()]);
    assert_eq!(first.data("/agreements/pageInfo/hasNextPage"), true);
    let second = app
        .gql(
            LIST,
            json!({"filter": filter, "first": 1, "after": first.data("/agreements/pageInfo/endCursor")}),
        )
        .await
        .ok();
    assert_eq!(ids(&second, "/agreements"), vec![w.beta.clone()]);
    assert_eq!(second.data("/agreements/pageInfo/hasNextPage"), false);

    // On an account, the filter narrows its agreements; another account's id matches none.
    let nested = "query($id: ID!, $filter: AgreementFilter) {
      account(id: $id) { agreements(first: 10, filter: $filter) { totalCount nodes { id } } }
    }";
    let res = app
        .gql(
            nested,
            json!({"id": w.gamma_account, "filter": {"statusIn": ["DRAFT"], "cancelBy": {"from": cal.today.to_string()}}}),
        )
        .await
        .ok();
    assert_eq!(ids(&res, "/account/agreements"), vec![w.gamma.clone()]);
    let res = app
        .gql(
            nested,
            json!({"id": w.gamma_account, "filter": {"accountId": w.alpha_account}}),
        )
        .await
        .ok();
    assert_eq!(ids(&res, "/account/agreements"), Vec::<String>::new());
    assert_eq!(
        res.data("/account/agreements/totalCount"),
        0,
        "{}",
        res.body
    );
    let res = app
        .gql(
            nested,
            json!({"id": w.gamma_account, "filter": {"statusIn": ["ACTIVE"]}}),
        )
        .await
        .ok();
    assert_eq!(ids(&res, "/account/agreements"), Vec::<String>::new());
}

#[tokio::test]
async fn bad_agreement_filters_are_refused_naming_the_input_field() {
    let app = spawn_app().await;
    for (filter, field) in [
        (
            json!({"termEnd": {"from": "2027-05-01", "to": "2027-04-30"}}),
            "filter.termEnd.from",
        ),
        (
            json!({"cancelBy": {"from": "next week"}}),
            "filter.cancelBy.from",
        ),
        (
            json!({"nextReviewOn": {"to": "2027-02-30"}}),
            "filter.nextReviewOn.to",
        ),
        (
            json!({"effectiveFrom": {"from": "2027-01-02", "to": "2027-01-01"}}),
            "filter.effectiveFrom.from",
        ),
        (json!({"statusIn": []}), "filter.statusIn"),
        (json!({"accountId": "not-an-id"}), "filter.accountId"),
    ] {
        let res = app.gql(LIST, json!({"filter": filter, "first": 5})).await;
        refused(&res, field);
    }
}

#[tokio::test]
async fn a_partner_filtering_agreements_sees_only_those_of_accounts_it_referred() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, partner) = app.partner("Referrer").await;
    let referred = app.account_as(&partner, "Referred", json!({})).await;
    let manager = app.member("ACCOUNT_MANAGER").await;
    app.promote(&referred, &manager.0, 1).await;
    let (own, _, _) = app.active_agreement(&referred, complete_sections()).await;

    assert_eq!(
        listed(&app, &partner, json!({"statusIn": ["ACTIVE", "DRAFT"]})).await,
        vec![own.clone()]
    );
    assert_eq!(
        listed(&app, &partner, json!({"relationshipType": "CLIENT"})).await,
        vec![own.clone()]
    );
    // Naming an account it did not refer widens nothing.
    assert_eq!(
        listed(&app, &partner, json!({"accountId": w.alpha_account})).await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(
            &app,
            &partner,
            json!({"accountId": w.gamma_account, "statusIn": ["DRAFT"]})
        )
        .await,
        Vec::<String>::new()
    );
    // Staff see all four.
    assert_eq!(
        listed(
            &app,
            &app.admin_token.clone(),
            json!({"statusIn": ["ACTIVE", "DRAFT"]})
        )
        .await
        .len(),
        4
    );
}

#[tokio::test]
async fn agreements_written_before_the_date_columns_existed_get_them_when_migrations_run() {
    let app = spawn_app().await;
    let fx = app
        .client_with_agreement("Older", complete_sections())
        .await;
    let filter = json!({"termEnd": {"from": calendar().today.to_string()}});
    assert_eq!(
        listed(&app, &app.admin_token.clone(), filter.clone()).await,
        vec![fx.agreement.clone()]
    );
    // As the migration leaves a row written by an older Rapport.
    app.store
        .execute_raw(
            "UPDATE agreements SET effective_from = NULL, term_end = NULL, cancel_by = NULL, \
             next_review_on = NULL, deadline = NULL, sort_version = 0",
        )
        .await
        .expect("reset");
    assert_eq!(
        listed(&app, &app.admin_token.clone(), filter.clone()).await,
        Vec::<String>::new()
    );
    app.store.migrate().await.expect("migrate");
    assert_eq!(
        listed(&app, &app.admin_token.clone(), filter).await,
        vec![fx.agreement.clone()]
    );
}

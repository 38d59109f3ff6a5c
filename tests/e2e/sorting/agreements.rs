//! Agreements: STATUS, EFFECTIVE_FROM, TERM_END, CANCEL_BY, NEXT_REVIEW_ON, CREATED_AT, with
//! drafts (no term, no review date) mixed in; top-level and under their account.

use chrono::Days;
use rapport_tests::{calendar, complete_sections, spawn_app};
use serde_json::json;

use super::{Conn, Read, query};

const SELECTION: &str = "status createdAt summary { effectiveFrom } reviewAndTermination { termEnd cancelBy nextReviewOn }";

fn fields() -> Vec<(&'static str, Read)> {
    vec![
        ("STATUS", Read::Plain("/status")),
        ("EFFECTIVE_FROM", Read::Plain("/summary/effectiveFrom")),
        ("TERM_END", Read::Plain("/reviewAndTermination/termEnd")),
        ("CANCEL_BY", Read::Plain("/reviewAndTermination/cancelBy")),
        (
            "NEXT_REVIEW_ON",
            Read::Plain("/reviewAndTermination/nextReviewOn"),
        ),
        ("CREATED_AT", Read::Instant("/createdAt")),
    ]
}

#[tokio::test]
async fn agreements_sort_by_every_field_both_ways() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let cal = calendar();
    let mut first_account = None;
    for (i, (days_later, notice)) in [(40, 30), (0, 90), (40, 60), (10, 30)].iter().enumerate() {
        let mut sections = complete_sections();
        sections["summary"]["effectiveFrom"] =
            json!((cal.from + Days::new(*days_later)).to_string());
        sections["reviewAndTermination"]["noticePeriodDays"] = json!(notice);
        let fixture = app
            .client_with_agreement(&format!("Client {i}"), sections.clone())
            .await;
        // A draft beside it: no term, no review date, a cancel-by from its own sections.
        sections["reviewAndTermination"]["noticePeriodDays"] = json!(notice + 5);
        app.draft_agreement(&admin, &fixture.account, sections)
            .await
            .ok();
        first_account.get_or_insert(fixture.account);
    }
    let top = Conn {
        app: &app,
        token: admin.clone(),
        query: query("AgreementOrder", None, "agreements", "", SELECTION),
        path: "/agreements",
        vars: json!({}),
    };
    assert_eq!(top.check_fields(&fields(), 3).await, 8);

    let ranks = top.ranks().await;
    top.check_order(
        &json!([{"field": "STATUS", "direction": "DESC"}, {"field": "EFFECTIVE_FROM"}, {"field": "CANCEL_BY", "direction": "DESC"}]),
        &[
            (Read::Plain("/status"), true),
            (Read::Plain("/summary/effectiveFrom"), false),
            (Read::Plain("/reviewAndTermination/cancelBy"), true),
        ],
        &ranks,
        3,
    )
    .await;

    let nested = Conn {
        app: &app,
        token: admin.clone(),
        query: query(
            "AgreementOrder",
            Some(("node", "Account")),
            "agreements",
            "",
            SELECTION,
        ),
        path: "/node/agreements",
        vars: json!({"id": first_account.expect("an account")}),
    };
    assert_eq!(nested.check_fields(&fields(), 1).await, 2);
}

#[tokio::test]
async fn credits_sort_by_period_and_amount_both_ways() {
    use chrono::Months;
    use rapport_tests::{credit_rule, frt_metric, measurement, sections_with};

    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let fx = app
        .client_with_agreement(
            "Credited Co",
            sections_with(vec![frt_metric()], vec![credit_rule("frt", "5")]),
        )
        .await;
    let cal = calendar();
    // Missed by 100 % (the 10 % tier) or by a third (the flat 5 %), over four months: two
    // equal amounts, so the id decides between them.
    for (months_ago, value) in [(1, "120"), (2, "80"), (3, "120"), (4, "70")] {
        let at = cal.last_month - Months::new(months_ago - 1);
        app.record_measurements(
            &admin,
            &fx.agreement,
            json!([measurement("frt", value, at)]),
        )
        .await
        .ok();
    }
    let c = Conn {
        app: &app,
        token: admin.clone(),
        query: query(
            "ServiceCreditOrder",
            Some(("node", "Agreement")),
            "credits",
            "",
            "periodStart amount { amount }",
        ),
        path: "/node/credits",
        vars: json!({"id": fx.agreement}),
    };
    let listed = c
        .check_fields(
            &[
                ("PERIOD_START", Read::Plain("/periodStart")),
                ("AMOUNT", Read::Amount("/amount/amount")),
                ("CREATED_AT", Read::IdOrder),
            ],
            1,
        )
        .await;
    assert_eq!(listed, 4);
    let amounts: Vec<String> = c
        .walk(
            &json!([{"field": "AMOUNT", "direction": "DESC"}]),
            100,
            false,
        )
        .await
        .iter()
        .map(|n| n["amount"]["amount"].as_str().expect("amount").to_owned())
        .collect();
    assert_eq!(amounts, ["300.00", "300.00", "150.00", "150.00"]);
}

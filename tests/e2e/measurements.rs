//! Measurements through GraphQL: batches with per-item errors, idempotent re-sends and
//! corrections, compliance statuses, the service-credit ledger (tiers, caps, recomputation)
//! and the events a breach writes.

use chrono::Datelike;
use rapport_api::global_id::{self, Kind};
use rapport_tests::{
    Gql, TestApp, calendar, complete_sections, credit_rule, earlier_today, frt_metric, measurement,
    metric, sections_with, spawn_app,
};
use serde_json::{Value, json};

const LEDGER: &str = "query($id: ID!) {
  agreement(id: $id) {
    credits(first: 50) { totalCount nodes { metricKey periodStart amount { amount currency } reason } }
    compliance { overall creditsIncurred { amount currency } metrics { metricKey status observed target measurementCount } }
  }
}";

fn outcomes(res: &Gql) -> Vec<String> {
    res.data("/recordMeasurements/results")
        .as_array()
        .unwrap_or_else(|| panic!("no results: {}", res.body))
        .iter()
        .map(|r| r["outcome"].as_str().expect("outcome").to_owned())
        .collect()
}

fn counts(res: &Gql) -> (i64, i64) {
    (
        res.data("/recordMeasurements/recordedCount")
            .as_i64()
            .expect("recordedCount"),
        res.data("/recordMeasurements/refusedCount")
            .as_i64()
            .expect("refusedCount"),
    )
}

async fn ledger(app: &TestApp, id: &str) -> Gql {
    app.gql(LEDGER, json!({"id": id})).await.ok()
}

fn credits(res: &Gql) -> Vec<Value> {
    res.data("/agreement/credits/nodes")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn entry<'a>(res: &'a Gql, key: &str) -> &'a Value {
    res.data("/agreement/compliance/metrics")
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["metricKey"] == key))
        .unwrap_or_else(|| panic!("no compliance of {key}: {}", res.body))
}

fn this_month() -> String {
    let today = calendar().today;
    today.with_day(1).expect("first").to_string()
}

#[tokio::test]
async fn a_batch_keeps_its_good_items_reports_each_bad_one_and_is_idempotent_when_sent_again() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let fx = app
        .client_with_agreement("Measured Co", complete_sections())
        .await;
    let t0 = earlier_today(30);
    let t1 = earlier_today(20);
    let batch = json!([
        measurement("frt", "30", t0),
        measurement("nps", "5", t0),
        measurement("uptime", "150", t0),
        measurement("uptime", "99.9", t1),
    ]);

    let first = app
        .record_measurements(&admin, &fx.agreement, batch.clone())
        .await
        .ok();
    assert_eq!(
        outcomes(&first),
        ["RECORDED", "REFUSED", "REFUSED", "RECORDED"]
    );
    assert_eq!(counts(&first), (2, 2));
    let results = first.data("/recordMeasurements/results");
    assert_eq!(results[1]["index"], 1);
    assert_eq!(
        results[1]["errors"][0]["field"],
        "measurements[1].metricKey"
    );
    assert!(
        results[1]["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nps")),
        "{}",
        first.body
    );
    assert_eq!(results[2]["errors"][0]["field"], "measurements[2].value");
    assert!(
        results[2]["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("percentage")),
        "{}",
        first.body
    );
    assert_eq!(results[0]["errors"], json!([]));

    let read = ledger(&app, &fx.agreement).await;
    assert_eq!(entry(&read, "frt")["measurementCount"], 1);
    assert_eq!(entry(&read, "uptime")["measurementCount"], 1);
    assert_eq!(entry(&read, "uptime")["observed"], "99.9");

    // The same batch again changes nothing at all.
    let before = app.table_counts().await;
    let again = app
        .record_measurements(&admin, &fx.agreement, batch)
        .await
        .ok();
    assert_eq!(
        outcomes(&again),
        ["UNCHANGED", "REFUSED", "REFUSED", "UNCHANGED"]
    );
    assert_eq!(counts(&again), (2, 2));
    assert_eq!(app.table_counts().await, before, "a re-send writes nothing");

    // The same observation with another value corrects it.
    let corrected = app
        .record_measurements(&admin, &fx.agreement, json!([measurement("frt", "35", t0)]))
        .await
        .ok();
    assert_eq!(outcomes(&corrected), ["CORRECTED"]);
    let after = app.table_counts().await;
    let rows = |counts: &[(&str, i64)]| {
        counts
            .iter()
            .find(|(t, _)| *t == "measurements")
            .map(|(_, n)| *n)
    };
    assert_eq!(rows(&after), rows(&before), "a correction adds no row");
    let read = ledger(&app, &fx.agreement).await;
    assert_eq!(entry(&read, "frt")["observed"], "35");
    assert_eq!(entry(&read, "frt")["measurementCount"], 1);
}

#[tokio::test]
async fn a_breach_credits_its_tier_exactly_and_a_compliant_correction_recomputes_the_ledger() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let fx = app
        .client_with_agreement(
            "Credited Co",
            sections_with(vec![frt_metric()], vec![credit_rule("frt", "5")]),
        )
        .await;
    let at = earlier_today(10);

    // 120 minutes against at most 60: missed by 100 %, the 10 % tier of 3000.00 EUR.
    app.record_measurements(
        &admin,
        &fx.agreement,
        json!([measurement("frt", "120", at)]),
    )
    .await
    .ok();
    let read = ledger(&app, &fx.agreement).await;
    let entries = credits(&read);
    assert_eq!(entries.len(), 1, "{}", read.body);
    assert_eq!(entries[0]["metricKey"], "frt");
    assert_eq!(entries[0]["periodStart"], this_month());
    assert_eq!(
        entries[0]["amount"],
        json!({"amount": "300.00", "currency": "EUR"})
    );
    let reason = entries[0]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("tier from 50% missed: 10%") && reason.contains("3000.00 EUR"),
        "{reason}"
    );
    assert_eq!(
        read.data("/agreement/compliance/creditsIncurred"),
        &json!({"amount": "300.00", "currency": "EUR"})
    );

    // Corrected to 80: missed by 33.3 %, below the tier, so the flat 5 %.
    let res = app
        .record_measurements(&admin, &fx.agreement, json!([measurement("frt", "80", at)]))
        .await
        .ok();
    assert_eq!(outcomes(&res), ["CORRECTED"]);
    let read = ledger(&app, &fx.agreement).await;
    let entries = credits(&read);
    assert_eq!(entries.len(), 1, "{}", read.body);
    assert_eq!(entries[0]["amount"]["amount"], "150.00");
    assert!(
        entries[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("flat credit: 5%")),
        "{}",
        read.body
    );

    // Corrected to 50: the target is met, the period owes nothing.
    let res = app
        .record_measurements(&admin, &fx.agreement, json!([measurement("frt", "50", at)]))
        .await
        .ok();
    assert_eq!(outcomes(&res), ["CORRECTED"]);
    let read = ledger(&app, &fx.agreement).await;
    assert_eq!(credits(&read), Vec::<Value>::new(), "{}", read.body);
    assert_eq!(read.data("/agreement/credits/totalCount"), 0);
    assert_eq!(
        read.data("/agreement/compliance/creditsIncurred/amount"),
        "0.00"
    );
    assert_eq!(entry(&read, "frt")["status"], "AT_RISK");

    // Sending the compliant value again recomputes nothing.
    let before = app.table_counts().await;
    let res = app
        .record_measurements(&admin, &fx.agreement, json!([measurement("frt", "50", at)]))
        .await
        .ok();
    assert_eq!(outcomes(&res), ["UNCHANGED"]);
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn the_cap_limits_a_periods_credits_to_the_cent_and_recomputing_gives_the_same_ledger() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let capped = |key: &str| {
        let mut rule = credit_rule(key, "5");
        rule["capPercentPerPeriod"] = json!("8");
        rule
    };
    let fx = app
        .client_with_agreement(
            "Capped Co",
            sections_with(
                vec![
                    frt_metric(),
                    metric("resolution", "HOURS", "AT_MOST", "8", None),
                ],
                vec![capped("frt"), capped("resolution")],
            ),
        )
        .await;
    let at = earlier_today(10);
    let batch = json!([
        measurement("frt", "120", at),
        measurement("resolution", "16", at),
    ]);

    // Each breach earns 10 % (300.00); together they are capped at 8 % = 240.00.
    app.record_measurements(&admin, &fx.agreement, batch.clone())
        .await
        .ok();
    let read = ledger(&app, &fx.agreement).await;
    let entries = credits(&read);
    let amounts: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["metricKey"].as_str().expect("key"),
                e["amount"]["amount"].as_str().expect("amount"),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        [("frt", "240.00"), ("resolution", "0.00")],
        "{}",
        read.body
    );
    assert!(
        entries[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cap of 8%")),
        "{}",
        read.body
    );
    assert_eq!(
        read.data("/agreement/compliance/creditsIncurred"),
        &json!({"amount": "240.00", "currency": "EUR"})
    );

    // Re-sending changes nothing; correcting one to compliance recomputes the period.
    app.record_measurements(&admin, &fx.agreement, batch)
        .await
        .ok();
    assert_eq!(credits(&ledger(&app, &fx.agreement).await), entries);
    app.record_measurements(&admin, &fx.agreement, json!([measurement("frt", "30", at)]))
        .await
        .ok();
    let read = ledger(&app, &fx.agreement).await;
    let entries = credits(&read);
    assert_eq!(entries.len(), 1, "{}", read.body);
    assert_eq!(entries[0]["metricKey"], "resolution");
    assert_eq!(entries[0]["amount"]["amount"], "240.00", "capped, alone");
    assert_eq!(
        read.data("/agreement/compliance/creditsIncurred/amount"),
        "240.00"
    );
}

#[tokio::test]
async fn compliance_is_compliant_at_risk_on_the_warning_threshold_breached_or_not_measured() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let fx = app
        .client_with_agreement(
            "Judged Co",
            sections_with(
                vec![
                    metric("fast", "MINUTES", "AT_MOST", "60", Some("45")),
                    metric("edge", "MINUTES", "AT_MOST", "60", Some("45")),
                    metric("up", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
                    metric("floor", "PERCENT", "AT_LEAST", "99.5", Some("99.8")),
                    metric("ontarget", "PERCENT", "AT_LEAST", "99.5", None),
                    metric("silent", "SCORE", "AT_LEAST", "4", None),
                ],
                vec![json!({"metricKey": "up", "kind": "ESCALATION", "escalateTo": "ADMIN"})],
            ),
        )
        .await;
    let at = earlier_today(10);
    let res = app
        .record_measurements(
            &admin,
            &fx.agreement,
            json!([
                measurement("fast", "30", at),
                measurement("edge", "45", at),
                measurement("up", "99.4", at),
                measurement("floor", "99.8", at),
                measurement("ontarget", "99.5", at),
            ]),
        )
        .await
        .ok();
    assert_eq!(counts(&res), (5, 0));

    let read = app
        .gql(
            "query($id: ID!) { agreement(id: $id) { compliance { overall periodStart periodEnd metrics { metricKey status observed target measurementCount periodStart } } } }",
            json!({"id": fx.agreement}),
        )
        .await
        .ok();
    let table = [
        ("fast", "COMPLIANT", Some("30")),
        ("edge", "AT_RISK", Some("45")),
        ("up", "BREACHED", Some("99.4")),
        ("floor", "AT_RISK", Some("99.8")),
        ("ontarget", "COMPLIANT", Some("99.5")),
        ("silent", "NOT_MEASURED", None),
    ];
    for (key, status, observed) in table {
        let e = entry(&read, key);
        assert_eq!(e["status"], status, "{key}: {e}");
        assert_eq!(e["observed"], json!(observed), "{key}: {e}");
        assert_eq!(
            e["measurementCount"],
            i64::from(observed.is_some()),
            "{key}"
        );
        assert_eq!(e["periodStart"], this_month(), "{key}");
    }
    assert_eq!(read.data("/agreement/compliance/overall"), "BREACHED");
    assert_eq!(
        read.data("/agreement/compliance/periodStart"),
        &json!(this_month())
    );

    // Last month nothing was measured.
    let last = app
        .gql(
            "query($id: ID!, $p: Date) { agreement(id: $id) { compliance(period: $p) { overall metrics { status } } } }",
            json!({"id": fx.agreement, "p": calendar().last_month.date_naive().to_string()}),
        )
        .await
        .ok();
    assert_eq!(last.data("/agreement/compliance/overall"), "NOT_MEASURED");
    assert!(
        last.data("/agreement/compliance/metrics")
            .as_array()
            .expect("metrics")
            .iter()
            .all(|m| m["status"] == "NOT_MEASURED")
    );
}

#[tokio::test]
async fn a_breaching_batch_writes_measurement_breach_and_credit_events_to_the_outbox() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let fx = app
        .client_with_agreement("Evented Co", complete_sections())
        .await;
    let raw = global_id::decode(Kind::Agreement, &fx.agreement).expect("id");
    let events = || async {
        app.store
            .outbox_events_for("Agreement", raw)
            .await
            .expect("outbox")
    };
    let before = events().await;

    // At risk only: 50 minutes (warning from 45), no breach.
    app.record_measurements(
        &admin,
        &fx.agreement,
        json!([measurement("frt", "50", earlier_today(20))]),
    )
    .await
    .ok();
    let after_risk = events().await;
    assert_eq!(
        &after_risk[before.len()..],
        ["agreement.measurement_recorded", "agreement.metric_at_risk"]
    );

    // 200 minutes more (from another source): the average (125) breaches and earns a credit.
    let mut breach = measurement("frt", "200", earlier_today(10));
    breach["source"] = json!("probe");
    app.record_measurements(&admin, &fx.agreement, json!([breach.clone()]))
        .await
        .ok();
    let after_breach = events().await;
    let new = &after_breach[after_risk.len()..];
    for expected in [
        "agreement.measurement_recorded",
        "agreement.metric_breached",
        "agreement.credit_incurred",
    ] {
        assert!(new.contains(&expected.to_owned()), "{expected} in {new:?}");
    }
    assert!(
        !new.contains(&"agreement.metric_at_risk".to_owned()),
        "{new:?}"
    );

    // An idempotent re-send writes no event.
    app.record_measurements(&admin, &fx.agreement, json!([breach]))
        .await
        .ok();
    assert_eq!(events().await.len(), after_breach.len());
}

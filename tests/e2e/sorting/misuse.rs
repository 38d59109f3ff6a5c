//! Cursors only continue the order they were made in; too many keys, foreign cursors and
//! term-date sorts by callers who may not read terms are refused; a partner's sorted lists
//! hold only its rows.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport_tests::spawn_app;
use serde_json::{Value, json};

use super::{Conn, query};

#[tokio::test]
async fn a_cursor_made_under_one_order_is_refused_under_another() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    for name in ["b", "a", "c"] {
        app.account_as(&admin, name, json!({})).await;
    }
    let c = Conn {
        app: &app,
        token: admin.clone(),
        query: query("AccountOrder", None, "accounts", "", "name"),
        path: "/accounts",
        vars: json!({}),
    };
    let by_name = c
        .page(json!({"first": 1, "order": [{"field": "NAME"}]}))
        .await;
    let by_id = c.page(json!({"first": 1})).await;
    let name_cursor = by_name.cursors[0].clone();
    let id_cursor = by_id.cursors[0].clone();

    let ask = |args: Value| {
        let mut vars = args;
        vars["order"] = vars.get("order").cloned().unwrap_or(Value::Null);
        app.gql_as(Some(&admin), &c.query, vars)
    };
    for (args, field) in [
        (
            json!({"first": 1, "after": name_cursor, "order": [{"field": "NAME", "direction": "DESC"}]}),
            "after",
        ),
        (
            json!({"last": 1, "before": name_cursor, "order": [{"field": "CREATED_AT"}]}),
            "before",
        ),
        (json!({"first": 1, "after": name_cursor}), "after"),
        (
            json!({"first": 1, "after": id_cursor, "order": [{"field": "NAME"}]}),
            "after",
        ),
        (
            json!({"first": 1, "after": "not-a-cursor", "order": [{"field": "NAME"}]}),
            "after",
        ),
    ] {
        let res = ask(args.clone()).await;
        assert_eq!(
            res.error_code(),
            Some("BAD_USER_INPUT"),
            "{args}: {}",
            res.body
        );
        assert_eq!(res.error_field(), Some(field), "{args}: {}", res.body);
        assert!(res.data("/accounts").is_null(), "{}", res.body);
    }
    let message = ask(json!({"first": 1, "after": name_cursor, "order": [{"field": "NAME", "direction": "DESC"}]}))
        .await
        .body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("name:asc") && message.contains("name:desc"),
        "{message}"
    );

    // A forged cursor for the right order with a value of the wrong kind.
    let forged = URL_SAFE_NO_PAD.encode(r#"k1:{"o":"created_at:asc","k":[{"i":5}],"i":1}"#);
    let res = ask(json!({"first": 1, "after": forged, "order": [{"field": "CREATED_AT"}]})).await;
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some("after"));

    // The same cursor continues its own order.
    let next = c
        .page(json!({"first": 1, "after": name_cursor, "order": [{"field": "NAME"}]}))
        .await;
    assert_eq!(next.nodes[0]["name"], "b");

    let five = json!([{"field": "NAME"}, {"field": "CREATED_AT"}, {"field": "UPDATED_AT"}, {"field": "RELATIONSHIP_TYPE"}, {"field": "NAME"}]);
    let res = ask(json!({"first": 1, "order": five})).await;
    assert_eq!(res.error_code(), Some("BAD_USER_INPUT"), "{}", res.body);
    assert_eq!(res.error_field(), Some("orderBy"));
}

#[tokio::test]
async fn term_dates_sort_only_for_callers_who_read_terms_and_partners_sort_their_own_rows() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let (partner, partner_token) = app.partner("North").await;
    let (_, other_token) = app.partner("South").await;
    let (_, support) = app.member("SUPPORT_AGENT").await;
    let mut mine = Vec::new();
    for name in ["Zed", "ant", "Bee", "cat"] {
        let extra = json!({"partnerId": partner, "acquisitionChannel": "PARTNER"});
        mine.push(app.account_as(&admin, name, extra).await);
    }
    for name in ["Aaa", "zzz"] {
        app.account_as(&admin, name, json!({})).await;
    }
    let accounts = query("AccountOrder", None, "accounts", "", "name");
    let agreements = query("AgreementOrder", None, "agreements", "", "status");
    for token in [&partner_token, &support] {
        let res = app
            .gql_as(
                Some(token),
                &accounts,
                json!({"first": 5, "order": [{"field": "NEXT_DEADLINE"}]}),
            )
            .await;
        assert_eq!(res.error_code(), Some("FORBIDDEN"), "{}", res.body);
        for field in ["TERM_END", "CANCEL_BY", "NEXT_REVIEW_ON"] {
            let res = app
                .gql_as(
                    Some(token),
                    &agreements,
                    json!({"first": 5, "order": [{"field": field}]}),
                )
                .await;
            assert_eq!(res.error_code(), Some("FORBIDDEN"), "{field}: {}", res.body);
        }
        let res = app
            .gql_as(
                Some(token),
                &agreements,
                json!({"first": 5, "order": [{"field": "STATUS"}]}),
            )
            .await;
        assert!(res.body.get("errors").is_none(), "{}", res.body);
    }

    let names = |token: String| {
        let app = &app;
        let accounts = accounts.clone();
        async move {
            let c = Conn {
                app,
                token,
                query: accounts,
                path: "/accounts",
                vars: json!({}),
            };
            let mut out = Vec::new();
            for dir in ["ASC", "DESC"] {
                let nodes = c
                    .walk(
                        &json!([{"field": "NAME", "direction": dir}]),
                        1,
                        dir == "DESC",
                    )
                    .await;
                out.push(
                    nodes
                        .iter()
                        .map(|n| n["name"].as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>(),
                );
            }
            out
        }
    };
    assert_eq!(
        names(partner_token.clone()).await,
        [
            vec!["ant", "Bee", "cat", "Zed"],
            vec!["Zed", "cat", "Bee", "ant"]
        ]
    );
    assert_eq!(names(other_token).await, [Vec::<&str>::new(), Vec::new()]);
}

//! The GraphiQL page, through HTTP: its Content-Security-Policy, no inline script, pinned
//! bundles with integrity hashes, served by the binary (or from the configured CDN), and a
//! page script that keeps the token out of localStorage. The browser check
//! (`tests/conformance/run-browser.sh`) runs it in Chromium with no network.

use rapport_api::http::graphiql::{ASSETS, FALLBACK_CDN, embedded};
use rapport_tests::{TestApp, spawn_app, spawn_app_with};

async fn get(app: &TestApp, path: &str, accept: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app
        .client()
        .get(format!("{}{path}", app.address))
        .header("accept", accept)
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("body"))
}

fn csp(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_page_carries_a_strict_content_security_policy_and_no_inline_script() {
    let app = spawn_app().await;
    let (status, headers, html) = get(&app, "/graphql", "text/html").await;
    assert_eq!(status, 200);
    let policy = csp(&headers);
    for directive in [
        "default-src 'none'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count(),
        "every script is a file: {html}"
    );
    for asset in &ASSETS {
        assert!(
            html.contains(asset.integrity),
            "{} is pinned: {html}",
            asset.name
        );
    }
    if embedded() {
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(!html.contains("https://"), "nothing from outside: {html}");
        for asset in &ASSETS {
            let (status, headers, _) = get(&app, &format!("/graphiql/{}", asset.name), "*/*").await;
            assert_eq!(status, 200, "{}", asset.name);
            assert_eq!(
                headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some(asset.content_type)
            );
        }
    } else {
        // Built without the bundles: the same pinned files from the fallback CDN.
        assert!(
            policy.contains(&format!("script-src 'self' {FALLBACK_CDN};")),
            "{policy}"
        );
    }
    let (status, _, _) = get(&app, "/graphiql/nothing-here.js", "*/*").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_page_script_keeps_the_token_in_session_storage_and_clears_the_fragment() {
    let app = spawn_app().await;
    let (status, headers, script) = get(&app, "/graphiql/rapport-graphiql.js", "*/*").await;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/javascript")),
        "{headers:?}"
    );
    assert!(script.contains("session.setItem(KEY, token)"), "{script}");
    assert!(script.contains("history.replaceState"), "{script}");
    assert!(script.contains("shouldPersistHeaders: false"), "{script}");
    assert!(
        !script.contains("local.setItem"),
        "never written to localStorage: {script}"
    );
}

#[tokio::test]
async fn a_configured_assets_url_loads_the_pinned_bundles_from_there() {
    let app = spawn_app_with(|s| {
        s.graphql.graphiql_assets_url = "https://cdn.jsdelivr.net/npm/".into();
    })
    .await;
    let (_, headers, html) = get(&app, "/graphql", "text/html").await;
    for asset in &ASSETS {
        assert!(
            html.contains(&format!(
                "https://cdn.jsdelivr.net/npm/{}\" integrity=\"{}\"",
                asset.npm_path, asset.integrity
            )),
            "{html}"
        );
    }
    let policy = csp(&headers);
    assert!(
        policy.contains("script-src 'self' https://cdn.jsdelivr.net;"),
        "{policy}"
    );
    assert!(policy.contains("connect-src 'self';"), "{policy}");
}

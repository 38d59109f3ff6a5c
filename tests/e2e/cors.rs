//! Browsers on other origins (CORS), through HTTP: a preflight from an allowed origin is
//! answered with the methods, headers and max age; the real request carries
//! `Access-Control-Allow-Origin` (a 429 too); another origin gets none; with no origin
//! configured there are no CORS headers at all; a bad origin refuses to start.

use rapport_api::config::Settings;
use rapport_api::startup::Application;
use rapport_integrations::Registry;
use rapport_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;

const ALLOWED: &str = "http://app.rapport.test:5173";
const OTHER: &str = "http://evil.rapport.test:5173";

async fn cors_app() -> TestApp {
    spawn_app_with(|s| {
        s.http.cors_allowed_origins = vec![ALLOWED.to_owned(), "https://admin.rapport.test".into()];
        s.http.cors_max_age_secs = 900;
    })
    .await
}

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    headers: &str,
) -> (StatusCode, HeaderMap) {
    let res = app
        .client()
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("sent");
    (res.status(), res.headers().clone())
}

async fn post_from(app: &TestApp, origin: &str, token: Option<&str>) -> (StatusCode, HeaderMap) {
    let mut req = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("origin", origin)
        .header("content-type", "application/json")
        .json(&json!({"query": "{ viewer { subject } }"}));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("sent");
    (res.status(), res.headers().clone())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    header(headers, name)
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_gets_the_methods_headers_and_max_age() {
    let app = cors_app().await;
    for path in ["/graphql", "/graphql/schema.graphql"] {
        let (status, headers) = preflight(
            &app,
            path,
            ALLOWED,
            "authorization,content-type,apollographql-client-name",
        )
        .await;
        assert!(status.is_success(), "{path}: {status}");
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            Some(ALLOWED),
            "{path}"
        );
        let mut methods = list(&headers, "access-control-allow-methods");
        methods.sort();
        assert_eq!(methods, ["get", "options", "post"], "{path}");
        let allowed = list(&headers, "access-control-allow-headers");
        for wanted in rapport_api::http::ALLOWED_HEADERS {
            assert!(
                allowed.iter().any(|h| h == wanted),
                "{path}: {wanted} in {allowed:?}"
            );
        }
        assert!(allowed.iter().any(|h| h == "authorization"));
        assert_eq!(
            header(&headers, "access-control-max-age"),
            Some("900"),
            "{path}"
        );
        assert!(
            list(&headers, "vary").iter().any(|v| v == "origin"),
            "{path}"
        );
        assert_eq!(
            header(&headers, "access-control-allow-credentials"),
            None,
            "Rapport never allows credentials"
        );
    }
    // A header outside the list is refused at the preflight: the browser never sends it.
    let (status, headers) = preflight(&app, "/graphql", ALLOWED, "x-not-allowed").await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn the_real_request_from_an_allowed_origin_carries_the_origin_and_exposes_the_request_id() {
    let app = cors_app().await;
    let (status, headers) = post_from(&app, ALLOWED, Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert!(list(&headers, "vary").iter().any(|v| v == "origin"));
    let exposed = list(&headers, "access-control-expose-headers");
    for wanted in ["x-request-id", "retry-after", "ratelimit"] {
        assert!(
            exposed.iter().any(|h| h == wanted),
            "{wanted} in {exposed:?}"
        );
    }
    assert_eq!(header(&headers, "access-control-allow-credentials"), None);
    // A refusal is readable by the page too: it can tell "log in again" from a network error.
    let (status, headers) = post_from(&app, ALLOWED, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    // The body cap still applies to a cross-origin request.
    let pad = "x".repeat(257 * 1024);
    let res = app
        .client()
        .post(format!("{}/graphql", app.address))
        .header("origin", ALLOWED)
        .header("content-type", "application/json")
        .bearer_auth(&app.admin_token)
        .json(&json!({"query": "{ viewer { subject } }", "pad": pad}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        header(res.headers(), "access-control-allow-origin"),
        Some(ALLOWED)
    );
}

#[tokio::test]
async fn another_origin_gets_no_allow_origin_header_so_the_browser_blocks_it() {
    let app = cors_app().await;
    let (status, headers) = preflight(&app, "/graphql", OTHER, "authorization,content-type").await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    assert_eq!(header(&headers, "access-control-allow-methods"), None);
    let (_, headers) = post_from(&app, OTHER, Some(&app.admin_token)).await;
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    // An origin is matched whole: a longer host or another port is another origin.
    for near in [
        "http://app.rapport.test:5174",
        "https://app.rapport.test:5173",
        "http://app.rapport.test.evil:5173",
        "https://admin.rapport.test.evil",
    ] {
        let (_, headers) = post_from(&app, near, Some(&app.admin_token)).await;
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            None,
            "{near}"
        );
    }
}

#[tokio::test]
async fn a_rate_limited_answer_still_carries_the_allow_origin_header_and_preflights_are_not_counted()
 {
    let app = spawn_app_with(|s| {
        s.http.cors_allowed_origins = vec![ALLOWED.to_owned()];
        s.rate_limit.address_per_minute = 1;
        s.rate_limit.address_burst = 2;
    })
    .await;
    // Many preflights do not spend the address budget of the requests they precede.
    for _ in 0..20 {
        let (status, _) = preflight(&app, "/graphql", ALLOWED, "authorization").await;
        assert!(status.is_success(), "{status}");
    }
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (status, headers) = post_from(&app, ALLOWED, None).await;
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            Some(ALLOWED),
            "{status}"
        );
        statuses.push(status.as_u16());
    }
    assert_eq!(
        statuses,
        [401, 401, 429],
        "the burst of 2 is spent by refusals, not preflights"
    );
}

#[tokio::test]
async fn with_no_origin_configured_there_are_no_cors_headers() {
    let app = spawn_app().await;
    let (status, headers) = preflight(&app, "/graphql", ALLOWED, "authorization").await;
    assert!(!status.is_success(), "{status}");
    let (_, post) = post_from(&app, ALLOWED, Some(&app.admin_token)).await;
    for headers in [headers, post] {
        let cors: Vec<&str> = headers
            .keys()
            .map(|k| k.as_str())
            .filter(|k| k.starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{cors:?}");
        assert!(!list(&headers, "vary").iter().any(|v| v == "origin"));
    }
}

#[tokio::test]
async fn the_wildcard_allows_any_origin_without_credentials() {
    let app = spawn_app_with(|s| s.http.cors_allowed_origins = vec!["*".into()]).await;
    let (status, headers) = preflight(&app, "/graphql", OTHER, "authorization,content-type").await;
    assert!(status.is_success(), "{status}");
    assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&headers, "access-control-allow-credentials"), None);
    let (_, headers) = post_from(&app, OTHER, Some(&app.admin_token)).await;
    assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn an_origin_that_is_not_one_refuses_to_start_naming_it() {
    for (origins, named) in [
        (
            vec!["https://app.example.com/"],
            "`https://app.example.com/`",
        ),
        (vec!["app.example.com"], "`app.example.com`"),
        (vec!["*", "https://app.example.com"], "`*`"),
    ] {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings {
            data_dir: data_dir.path().to_path_buf(),
            ..Settings::default()
        };
        settings.http.port = 0;
        settings.http.cors_allowed_origins = origins.iter().map(|o| (*o).to_owned()).collect();
        let err = Application::build_with(settings, Registry::default())
            .await
            .expect_err("a bad origin must refuse to start")
            .to_string();
        assert!(
            err.contains("http.cors_allowed_origins") && err.contains(named),
            "{origins:?}: {err}"
        );
        assert!(
            !data_dir.path().join("rapport.db").exists(),
            "refused before touching the database"
        );
    }
}

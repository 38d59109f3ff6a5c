//! The `rapport` binary under test, and how the walk talks to it.

use std::fs::File;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The `rapport` binary serving on a free port, its log (JSON lines) going to a file.
pub(super) struct Server {
    pub(super) child: Child,
    pub(super) address: String,
    pub(super) token: String,
    pub(super) log: std::path::PathBuf,
    pub(super) _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) async fn start_server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("server.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", dir.path())
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_HTTP__WORKERS", "2")
        .env("RAPPORT_LOG__FORMAT", "json")
        .env("RAPPORT_LOG__FILTER", "info")
        .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0")
        // Thousands of probes as one admin, as fast as the server answers: the rate limit is
        // not what this test is about.
        .env("RAPPORT_RATE_LIMIT__SUBJECT_BURST", "100000")
        // Every refusal gets its log line (they are sampled by default), so the log can be
        // shown to hold every probe and no ERROR.
        .env("RAPPORT_LOG__REFUSAL_LINES", "1000000");
    if let Ok(server) = std::env::var("TEST_DATABASE_URL")
        && !server.trim().is_empty()
    {
        let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
        let url = rapport_api::store::create_postgres_database(&server, &name)
            .await
            .expect("a fresh PostgreSQL database");
        cmd.env("DATABASE_URL", url);
    }
    let token_file = dir.path().join("admin.token");
    cmd.env("RAPPORT_AUTH__BOOTSTRAP_TOKEN_FILE", &token_file);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(File::create(&log).expect("log file")))
        .spawn()
        .expect("the server starts");
    let log_path = log.clone();
    let address = tokio::task::spawn_blocking(move || {
        // The banner goes to stderr with the logs: wait for its last line in the log file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            if text.contains("Stop with Ctrl-C") {
                let banner = text
                    .lines()
                    .find(|l| l.contains("Rapport is serving GraphQL at"));
                break banner
                    .and_then(|l| {
                        l.split_whitespace()
                            .find(|w| w.starts_with("http://"))
                            .and_then(|url| url.strip_suffix("/graphql"))
                    })
                    .map(str::to_owned)
                    .unwrap_or_else(|| panic!("the banner names the address: {text}"));
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not finish its banner: {text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    })
    .await
    .expect("banner read");
    let token = std::fs::read_to_string(&token_file)
        .expect("the bootstrap token file")
        .trim()
        .to_owned();
    Server {
        child,
        address,
        token,
        log,
        _dir: dir,
    }
}

pub(super) async fn post(
    client: &reqwest::Client,
    server: &Server,
    query: &str,
    variables: &Value,
) -> (u16, Value) {
    let res = client
        .post(format!("{}/graphql", server.address))
        .bearer_auth(&server.token)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

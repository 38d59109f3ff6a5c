//! The real `rapport serve` as a log collector sees it: the banner on stderr with the logs,
//! no token in them unless a token file is named, and the request fields at the top level of
//! every JSON line of a request.

use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use rapport_tests::banner::{Banner, read_banner};
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_rapport-harness");

/// A served process, killed on drop.
struct Served {
    child: Child,
    banner: Banner,
    log: Arc<Mutex<Vec<u8>>>,
}

impl Served {
    /// Starts `serve` on an empty database (so it creates the bootstrap admin), JSON logs, its
    /// stderr a pipe (not a terminal).
    fn start(data_dir: &Path, env: &[(&str, &Path)]) -> Self {
        let mut cmd = Command::new(BINARY);
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RAPPORT_DATA_DIR", data_dir)
            .env("RAPPORT_HTTP__PORT", "0")
            .env("RAPPORT_HTTP__WORKERS", "1")
            .env("RAPPORT_LOG__FORMAT", "json")
            .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let banner = read_banner(child.stderr.take().expect("stderr"), log.clone());
        Self { child, banner, log }
    }

    /// Stops the server and answers its whole stderr and stdout.
    fn stop(mut self) -> (Vec<Value>, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout).expect("stdout");
        }
        let log = String::from_utf8(self.log.lock().expect("log").clone()).expect("utf-8");
        let lines = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        (lines, stdout)
    }
}

/// Whether `text` holds something shaped like a JWT.
fn holds_a_token(text: &str) -> bool {
    text.contains("#token=ey")
        || text
            .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .any(|w| w.starts_with("eyJ") && w.split('.').count() == 3)
}

#[tokio::test]
async fn the_banner_goes_to_stderr_as_json_and_holds_no_token_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("dir");
    let served = Served::start(dir.path(), &[]);
    assert!(
        served
            .banner
            .text
            .contains("rapport token --subject bootstrap-admin"),
        "the banner says where a token comes from: {}",
        served.banner.text
    );
    let (lines, stdout) = served.stop();
    assert_eq!(stdout, "", "nothing on stdout");
    let log: String = lines.iter().map(Value::to_string).collect();
    assert!(!holds_a_token(&log), "no token in the JSON log: {log}");
    assert!(
        lines.iter().any(|l| l["message"]
            .as_str()
            .is_some_and(|m| m.contains("Rapport is serving"))),
        "the banner is JSON lines of the log"
    );
}

#[tokio::test]
async fn the_token_file_gets_the_admin_token_and_request_lines_carry_the_request_fields() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("admin.token");
    let served = Served::start(
        &dir.path().join("data"),
        &[("RAPPORT_AUTH__BOOTSTRAP_TOKEN_FILE", &file)],
    );
    let mode = std::fs::metadata(&file)
        .expect("token file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "readable by this user only");
    let token = std::fs::read_to_string(&file)
        .expect("token")
        .trim()
        .to_owned();
    let client = reqwest::Client::new();
    let answer: Value = client
        .post(format!("{}/graphql", served.banner.address))
        .bearer_auth(&token)
        .header("x-request-id", "obs-req-1")
        .json(&json!({"query": "query WhoAmI { viewer { role } }"}))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["data"]["viewer"]["role"], "ADMIN", "{answer}");
    let refused = client
        .post(format!("{}/graphql", served.banner.address))
        .header("x-request-id", "obs-req-2")
        .json(&json!({"query": "query WhoAmI { viewer { role } }"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 401);
    let (lines, _) = served.stop();
    let log: String = lines.iter().map(Value::to_string).collect();
    assert!(!log.contains(&token), "the token stays out of the log");
    assert!(
        log.contains(&file.display().to_string()),
        "the banner names the file"
    );
    let finished = |id: &str| {
        lines
            .iter()
            .find(|l| {
                l["request_id"] == id
                    && (l["message"] == "request finished" || l["message"] == "request refused")
            })
            .unwrap_or_else(|| panic!("a line of {id}: {log}"))
            .clone()
    };
    let served_line = finished("obs-req-1");
    assert_eq!(served_line["operation"], "WhoAmI", "{served_line}");
    assert_eq!(served_line["subject_kind"], "staff", "{served_line}");
    assert_eq!(served_line["status"], 200);
    assert!(served_line.get("span").is_none() && served_line.get("spans").is_none());
    let refused_line = finished("obs-req-2");
    assert_eq!(refused_line["subject_kind"], "anonymous", "{refused_line}");
    assert_eq!(refused_line["status"], 401);
}

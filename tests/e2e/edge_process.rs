//! The edge of the real `rapport` process: what a flood of forged tokens writes to the log,
//! and the modes of the data folder and the SQLite files under a permissive umask.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;

const BINARY: &str = env!("CARGO_BIN_EXE_rapport-harness");

/// `rapport-harness <args>` under `umask 000`, with JSON logs, its data in `data_dir`.
fn rapport(data_dir: &Path, args: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask 000 && exec {BINARY} {args}"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", data_dir)
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_LOG__FORMAT", "json")
        .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0");
    cmd
}

/// A served process: its address and everything it writes to stderr so far.
struct Served {
    child: Child,
    address: String,
    log: Arc<Mutex<Vec<u8>>>,
}

impl Served {
    fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = rapport(data_dir, "serve")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let address =
            rapport_tests::banner::read_banner(child.stderr.take().expect("stderr"), log.clone())
                .address;
        Self {
            child,
            address,
            log,
        }
    }

    /// The log so far.
    fn log(&self) -> Vec<u8> {
        self.log.lock().expect("log").clone()
    }

    /// Waits until the log holds `needle`, and returns where it ends.
    fn offset_after(&self, needle: &str) -> usize {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = self.log();
            let text = String::from_utf8_lossy(&log);
            if let Some(at) = text.find(needle) {
                return text[at..].find('\n').map_or(text.len(), |nl| at + nl + 1);
            }
            assert!(Instant::now() < deadline, "{needle} never logged: {text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn a_flood_of_5000_forged_tokens_writes_a_few_kilobytes_of_log() {
    let dir = tempfile::tempdir().expect("dir");
    let status = rapport(dir.path(), "migrate").status().expect("migrate");
    assert!(status.success());
    let token = rapport(dir.path(), "token").output().expect("token");
    let token = String::from_utf8(token.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    // One sampling window for the whole flood, however slow the machine sending it: the
    // bound under test is lines per window, not the speed of the flood.
    let served = Served::start_with(dir.path(), &[("RAPPORT_LOG__REFUSAL_WINDOW_SECS", "600")]);
    let client = reqwest::Client::new();
    let marked = |id: &'static str| {
        client
            .post(format!("{}/graphql", served.address))
            .header("content-type", "application/json")
            .header("x-request-id", id)
            .bearer_auth(&token)
            .body(r#"{"query":"{ viewer { subject } }"}"#)
            .send()
    };
    assert_eq!(marked("flood-start").await.expect("sent").status(), 200);
    let start = served.offset_after("flood-start");

    let statuses: Vec<u16> = futures_util::stream::iter(0..5_000)
        .map(|i| {
            client
                .post(format!("{}/graphql", served.address))
                .header("content-type", "application/json")
                .bearer_auth(format!("forged.token.{i}"))
                .body(r#"{"query":"{ viewer { subject } }"}"#)
                .send()
        })
        .buffer_unordered(32)
        .map(|res| res.expect("answered").status().as_u16())
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "only refusals"
    );
    assert!(statuses.contains(&429), "the address limit was reached");

    assert_eq!(marked("flood-end").await.expect("sent").status(), 200);
    let end = served.offset_after("flood-end");
    let log = served.log();
    let flood = String::from_utf8_lossy(&log[start..end]).to_string();
    assert!(
        flood.len() <= 8 * 1024,
        "{} bytes of log for 5,000 refusals:\n{flood}",
        flood.len()
    );
    assert!(
        flood.contains("request refused"),
        "refusals are still logged, sampled: {flood}"
    );
}

#[test]
fn the_data_folder_is_0700_and_the_sqlite_files_0600_whatever_the_umask() {
    let root = tempfile::tempdir().expect("dir");
    let fresh = root.path().join("fresh");
    let served = Served::start(&fresh);
    let db = fresh.join("rapport.db");
    assert_eq!(mode(&fresh), 0o700, "the data folder");
    for file in [
        "rapport.db",
        "rapport.db-wal",
        "rapport.db-shm",
        "jwt-secret",
    ] {
        assert_eq!(mode(&fresh.join(file)), 0o600, "{file}");
    }
    assert!(db.exists());
    drop(served);

    // A folder and a database left open to everyone by an earlier version are narrowed.
    let loose = root.path().join("loose");
    std::fs::create_dir(&loose).expect("dir");
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let loose_db = loose.join("rapport.db");
    std::fs::write(&loose_db, b"").expect("empty database");
    std::fs::set_permissions(&loose_db, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let status = rapport(&loose, "migrate").status().expect("migrate");
    assert!(status.success());
    assert_eq!(mode(&loose), 0o700, "the existing folder is narrowed");
    assert_eq!(mode(&loose_db), 0o600, "the existing database is narrowed");
}

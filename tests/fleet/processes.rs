//! The fleet's processes: `rapport serve` ×3 and `rapport worker` ×2 (built here as
//! `rapport-harness`), each with its own data folder and port, one PostgreSQL database and one
//! shared `RAPPORT_JWT__SECRET`.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rapport_tests::mock::{MailchimpMock, RingoverMock, mailchimp, ringover};

/// A sync claim's lease, short so a killed worker's jobs come back quickly (above the call
/// timeout, as required).
pub const SYNC_LEASE_SECS: u64 = 3;
/// A webhook dispatcher's lease (at least the delivery timeout + 5 s).
pub const WEBHOOK_LEASE_SECS: u64 = 7;

/// One process of the fleet. SIGKILLed when dropped, so a failing run leaves none behind.
pub struct Process {
    /// `serve-1`, `worker-2`, …
    pub name: String,
    /// `http://127.0.0.1:PORT` for a server.
    pub url: Option<String>,
    child: Option<Child>,
}

impl Process {
    /// The operating system's id of the running process.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILLs the process (it must still be running) and reaps it.
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            panic!("{} was already stopped", self.name);
        };
        if let Some(status) = child.try_wait().expect("the process status") {
            panic!("{} had stopped by itself ({status})", self.name);
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the killed process is reaped");
    }

    /// Fails when the process stopped by itself.
    pub fn assert_running(&mut self) {
        if let Some(child) = self.child.as_mut()
            && let Some(status) = child.try_wait().expect("the process status")
        {
            panic!("{} stopped by itself ({status})", self.name);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the fleet's processes and runs the command line against the fleet's database.
pub struct Launcher {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Launcher {
    /// The settings every process shares: the database, the JWT secret, the providers (local
    /// mocks), webhooks to the local receiver, short leases, and quick polling.
    pub fn new(
        dir: &Path,
        database_url: &str,
        secret: &str,
        mc: &MailchimpMock,
        ro: &RingoverMock,
    ) -> Self {
        let pairs: [(&str, String); 24] = [
            ("DATABASE_URL", database_url.to_owned()),
            ("RAPPORT_JWT__SECRET", secret.to_owned()),
            ("RAPPORT_LOG__FILTER", "warn".to_owned()),
            ("RAPPORT_DATABASE__MIGRATE_ON_START", "false".to_owned()),
            ("RAPPORT_SYNC__BATCH_SIZE", "16".to_owned()),
            ("RAPPORT_SYNC__LEASE_SECS", SYNC_LEASE_SECS.to_string()),
            ("RAPPORT_SYNC__CALL_TIMEOUT_SECS", "2".to_owned()),
            ("RAPPORT_SYNC__POLL_MS", "100".to_owned()),
            ("RAPPORT_EVENTS__POLL_MS", "100".to_owned()),
            ("RAPPORT_EVENTS__WEBHOOKS__TIMEOUT_SECS", "2".to_owned()),
            (
                "RAPPORT_EVENTS__WEBHOOKS__LEASE_SECS",
                WEBHOOK_LEASE_SECS.to_string(),
            ),
            (
                "RAPPORT_EVENTS__WEBHOOKS__ALLOW_HTTP_HOSTS",
                "[\"127.0.0.1\"]".to_owned(),
            ),
            (
                "RAPPORT_EVENTS__WEBHOOKS__ALLOW_PRIVATE_HOSTS",
                "[\"127.0.0.1\"]".to_owned(),
            ),
            ("RAPPORT_RATE_LIMIT__ADDRESS_BURST", "100000".to_owned()),
            ("RAPPORT_RATE_LIMIT__SUBJECT_BURST", "100000".to_owned()),
            ("RAPPORT_MAILCHIMP__API_KEY", mailchimp::API_KEY.to_owned()),
            ("RAPPORT_MAILCHIMP__LIST_ID", mailchimp::LIST_ID.to_owned()),
            ("RAPPORT_MAILCHIMP__BASE_URL", mc.url()),
            ("RAPPORT_MAILCHIMP__TIMEOUT_SECS", "2".to_owned()),
            ("RAPPORT_RINGOVER__API_KEY", ringover::API_KEY.to_owned()),
            (
                "RAPPORT_RINGOVER__WEBHOOK_SECRET",
                ringover::WEBHOOK_SECRET.to_owned(),
            ),
            ("RAPPORT_RINGOVER__BASE_URL", ro.url()),
            ("RAPPORT_RINGOVER__TIMEOUT_MS", "1500".to_owned()),
            ("RAPPORT_RINGOVER__REQUESTS_PER_SECOND", "100.0".to_owned()),
        ];
        Self {
            dir: dir.to_path_buf(),
            env: pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    /// `rapport-harness ARGS` as process `name` (its own data folder and log file).
    fn command(&self, name: &str, args: &[&str]) -> Command {
        let data_dir = self.dir.join(name);
        std::fs::create_dir_all(&data_dir).expect("the data folder");
        let mut command = Command::new(env!("CARGO_BIN_EXE_rapport-harness"));
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RAPPORT_DATA_DIR", &data_dir)
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        command
    }

    fn log_file(&self, name: &str) -> std::fs::File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .expect("the process log")
    }

    /// Runs a command to its end and answers its standard output.
    pub fn run(&self, name: &str, args: &[&str]) -> String {
        let out = self.command(name, args).output().expect("the command runs");
        assert!(
            out.status.success(),
            "rapport {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Mints an operator token as process `name` would (its data folder, the shared secret).
    pub fn token(&self, name: &str, subject: &str) -> String {
        self.run(name, &["token", "--subject", subject])
    }

    /// Mints a token with `name`'s own generated secret instead of the shared one: the
    /// control that shows a token from another key is refused.
    pub fn token_without_shared_secret(&self, name: &str, subject: &str) -> String {
        let out = self
            .command(name, &["token", "--subject", subject])
            .env_remove("RAPPORT_JWT__SECRET")
            .output()
            .expect("the command runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Starts `rapport serve` on a free port: the scheduler every second, no sync worker and
    /// no relay inside (the workers do those).
    pub fn serve(&self, name: &str) -> Process {
        let port = free_port();
        let child = self
            .command(name, &["serve"])
            .env("RAPPORT_HTTP__PORT", port.to_string())
            .env("RAPPORT_HTTP__WORKERS", "2")
            .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "1")
            .env("RAPPORT_SYNC__RUN_IN_SERVER", "false")
            .env("RAPPORT_EVENTS__RELAY_IN_SERVER", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::from(self.log_file(name)))
            .spawn()
            .expect("the server starts");
        Process {
            name: name.to_owned(),
            url: Some(format!("http://127.0.0.1:{port}")),
            child: Some(child),
        }
    }

    /// Starts `rapport worker`: contact sync, the event relay and the webhook dispatcher.
    pub fn worker(&self, name: &str) -> Process {
        let child = self
            .command(name, &["worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(self.log_file(name)))
            .spawn()
            .expect("the worker starts");
        Process {
            name: name.to_owned(),
            url: None,
            child: Some(child),
        }
    }

    /// The last lines of a process's log, for failure messages.
    pub fn log_tail(&self, name: &str) -> String {
        let text =
            std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Waits until every server answers `/readyz`.
pub async fn wait_ready(client: &reqwest::Client, servers: &mut [Process], launcher: &Launcher) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for server in servers.iter_mut() {
        let url = format!("{}/readyz", server.url.as_deref().expect("a server"));
        loop {
            server.assert_running();
            if let Ok(res) = client.get(&url).send().await
                && res.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} is not ready after 60 s:\n{}",
                server.name,
                launcher.log_tail(&server.name)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

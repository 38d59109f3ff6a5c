//! The `rapport` binary as an operator runs it: its commands, JSON logs that carry the request
//! id on every line of a request, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rapport(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", data_dir)
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_LOG__FORMAT", "json")
        .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0");
    cmd
}

#[test]
fn help_lists_the_operator_commands() {
    let dir = tempfile::tempdir().expect("dir");
    let out = rapport(dir.path()).arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["serve", "migrate", "token", "schema"] {
        assert!(help.contains(command), "--help lists {command}: {help}");
    }
}

#[test]
fn serve_logs_json_lines_with_the_request_id_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let status = rapport(dir.path())
        .arg("migrate")
        .status()
        .expect("migrate runs");
    assert!(status.success());
    let token = rapport(dir.path())
        .arg("token")
        .output()
        .expect("token runs");
    let token = String::from_utf8(token.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");

    let mut child = rapport(dir.path())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // The banner goes to stderr with the logs; every line is kept to be read afterwards.
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push(line);
        }
        all
    });
    let first = rx
        .iter()
        .find(|l| l.contains("Rapport is serving GraphQL at"))
        .expect("the banner");
    let address = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .and_then(|url| url.strip_suffix("/graphql"))
        .expect("the banner names the address")
        .to_owned();

    let body = r#"{"query":"{ viewer { role } }"}"#;
    let started = Instant::now();
    let answer = loop {
        let out = Command::new("curl")
            .args(["-s", "-X", "POST", &format!("{address}/graphql")])
            .args([
                "-H",
                "content-type: application/json",
                "-H",
                "x-request-id: req-log-check",
            ])
            .args(["-H", &format!("authorization: Bearer {token}"), "-d", body])
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.contains("ADMIN") || started.elapsed() > Duration::from_secs(20) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(answer.contains("ADMIN"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let exit = child.wait().expect("exits");
    assert!(
        exit.success(),
        "a SIGTERM stops the server cleanly: {exit:?}"
    );

    let stderr = reader.join().expect("stderr read").join("\n");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut stdout)
        .expect("stdout");
    assert_eq!(stdout, "", "the banner and the logs go to stderr");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let of_request: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l.to_string().contains("req-log-check"))
        .collect();
    assert!(
        !of_request.is_empty(),
        "the request's lines carry its id: {stderr}"
    );
    assert!(
        of_request
            .iter()
            .any(|l| l["fields"]["message"] == "request finished"
                || l["message"] == "request finished"),
        "{of_request:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("shutdown") || l.to_string().contains("shutting down")),
        "the stop is logged: {stderr}"
    );
}

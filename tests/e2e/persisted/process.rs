//! The real `rapport serve` refuses to start on a bad documents file, naming it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_rapport-harness");

/// Runs `serve` with trusted documents from `file` and returns its exit status and stderr;
/// panics if it is still running after 60 s (it started instead of refusing).
fn serve_with_documents(file: &std::path::Path) -> (std::process::ExitStatus, String) {
    let data = tempfile::tempdir().expect("data dir");
    let mut child = Command::new(BINARY)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", data.path())
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS_ONLY", "true")
        .env("RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS", file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
                .expect("stderr");
            return (status, stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "serve started with the bad documents file {}",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_bad_documents_file_stops_the_server_starting_and_names_the_file_and_the_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        ("truncated.json", "{\"abc\": \"query {", "is not valid JSON"),
        (
            "list.json",
            "[\"query { viewer { role } }\"]",
            "must be a JSON object",
        ),
        (
            "broken-doc.json",
            "{\"abc\": \"query { viewer { \"}",
            "the document `abc` is not valid GraphQL",
        ),
    ];
    for (name, contents, problem) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, contents).expect("file");
        let (status, stderr) = serve_with_documents(&file);
        assert!(!status.success(), "{name}: {status}");
        let named = format!("graphql.trusted_documents: {}", file.display());
        assert!(stderr.contains(&named), "{name}: {stderr}");
        assert!(stderr.contains(problem), "{name}: {stderr}");
    }
    let missing = dir.path().join("missing.json");
    let (status, stderr) = serve_with_documents(&missing);
    assert!(!status.success());
    assert!(stderr.contains("missing.json: cannot be read"), "{stderr}");
}

//! A verify-only setup, the usual "tokens come from our identity provider" one: an asymmetric
//! algorithm pinned, public keys from a JWKS file or a PEM, no private key. Its first start on
//! an empty database creates the bootstrap admin and says how to get a token instead of
//! printing one; a token the provider signs then works; `rapport token` says it cannot mint.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/auth/testdata")
        .join(name)
}

fn rapport(data_dir: &Path, jwt: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RAPPORT_DATA_DIR", data_dir)
        .env("RAPPORT_HTTP__PORT", "0")
        .env("RAPPORT_LOG__FORMAT", "json")
        .env("RAPPORT_SCHEDULER__INTERVAL_SECS", "0")
        .envs(jwt.iter().map(|(k, v)| (*k, v.as_str())));
    cmd
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve`, collects its banner, and answers the banner and the base address.
fn serve(dir: &Path, jwt: &[(&str, String)]) -> (Killed, String, String) {
    let mut child = rapport(dir, jwt)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // The banner goes to stderr, with the logs.
    let stdout = child.stderr.take().expect("stderr");
    let child = Killed(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !banner.contains("Stop with Ctrl-C") {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                banner.push_str(&line);
                banner.push('\n');
            }
            Err(_) => panic!("the server did not finish its banner: {banner}"),
        }
    }
    // Keep draining so a later line never meets a closed pipe.
    std::thread::spawn(move || rx.into_iter().for_each(drop));
    let address = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .and_then(|url| url.strip_suffix("/graphql"))
        .expect("the banner names the address")
        .to_owned();
    (child, banner, address)
}

fn admin_token(alg: Algorithm, kid: Option<&str>, key: &EncodingKey) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    let claims = json!({
        "sub": "bootstrap-admin",
        "role": "ADMIN",
        "iss": "rapport",
        "aud": "rapport-api",
        "iat": now,
        "exp": now + 600,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    jsonwebtoken::encode(&header, &claims, key).expect("the identity provider signs")
}

fn gql(address: &str, token: &str, query: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-s", "-X", "POST", &format!("{address}/graphql")])
        .args(["-H", "content-type: application/json"])
        .args(["-H", &format!("authorization: Bearer {token}")])
        .args(["-d", &json!({ "query": query }).to_string()])
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn starts_verify_only(
    jwt: &[(&str, String)],
    alg: Algorithm,
    kid: Option<&str>,
    key: &EncodingKey,
) {
    let dir = tempfile::tempdir().expect("dir");
    let (server, banner, address) = serve(dir.path(), jwt);
    assert!(
        banner.contains("Created the bootstrap admin `bootstrap-admin`"),
        "{banner}"
    );
    for says in [
        "identity provider",
        "sub=bootstrap-admin",
        "role=ADMIN",
        "aud=rapport-api",
    ] {
        assert!(banner.contains(says), "the banner says {says}: {banner}");
    }
    assert!(!banner.contains("#token=ey"), "no token printed: {banner}");

    let admin = admin_token(alg, kid, key);
    let answer = gql(&address, &admin, "{ viewer { role } }");
    assert_eq!(
        answer["data"]["viewer"]["role"], "ADMIN",
        "the provider's token works: {answer}"
    );
    // Partner tokens come from the provider too: asking Rapport for one is a clear refusal.
    let partner = gql(
        &address,
        &admin,
        r#"mutation { createPartner(input: {name: "Referrer"}) { partner { id } } }"#,
    );
    let id = partner["data"]["createPartner"]["partner"]["id"]
        .as_str()
        .expect("a partner")
        .to_owned();
    let refused = gql(
        &address,
        &admin,
        &format!(r#"mutation {{ issuePartnerToken(input: {{partnerId: "{id}"}}) {{ token }} }}"#),
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INVALID_TRANSITION",
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("identity provider")),
        "{refused}"
    );

    let token = rapport(dir.path(), jwt)
        .arg("token")
        .output()
        .expect("token runs");
    let stderr = String::from_utf8_lossy(&token.stderr);
    assert!(!token.status.success(), "`rapport token` cannot succeed");
    assert!(token.stdout.is_empty(), "no token on stdout");
    assert!(
        stderr.contains("cannot mint") && stderr.contains("identity provider"),
        "{stderr}"
    );
    drop(server);

    // The second start (the database is no longer empty) starts too, and says the same.
    let (_again, banner, _) = serve(dir.path(), jwt);
    assert!(banner.contains("identity provider"), "{banner}");
}

#[test]
fn a_verify_only_setup_with_a_jwks_file_starts_and_says_where_tokens_come_from() {
    let key =
        EncodingKey::from_ec_pem(&std::fs::read(testdata("ec_p256_private.pem")).expect("key"))
            .expect("an ES256 key");
    starts_verify_only(
        &[
            ("RAPPORT_JWT__ALGORITHMS", r#"["ES256"]"#.to_owned()),
            (
                "RAPPORT_JWT__JWKS_FILE",
                testdata("es256_jwks.json").display().to_string(),
            ),
        ],
        Algorithm::ES256,
        Some("es256-test-1"),
        &key,
    );
}

#[test]
fn a_verify_only_setup_with_a_public_key_pem_starts_and_says_where_tokens_come_from() {
    let key = EncodingKey::from_rsa_pem(&std::fs::read(testdata("rsa_private.pem")).expect("key"))
        .expect("an RS256 key");
    starts_verify_only(
        &[
            ("RAPPORT_JWT__ALGORITHMS", r#"["RS256"]"#.to_owned()),
            (
                "RAPPORT_JWT__PUBLIC_KEY_PEM",
                testdata("rsa_public.pem").display().to_string(),
            ),
        ],
        Algorithm::RS256,
        None,
        &key,
    );
}

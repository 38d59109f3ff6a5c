//! Fixtures: the mock server, a provider pointed at it, a healthy Mailchimp.

use rapport_mailchimp::{MailchimpConfig, MailchimpProvider};
use secrecy::SecretString;

pub use crate::server::{MockServer, Recorded, Reply};

/// The audience id the fixtures use.
pub const LIST: &str = "a1b2c3d4e5";

/// What Mailchimp answers to a member write (abridged).
pub fn member_json() -> serde_json::Value {
    serde_json::json!({"id": "3e3417d7ef77d5932a6734b916515ed5", "status": "subscribed"})
}

/// Answers like a healthy Mailchimp: members written, tags set, deletions done.
pub fn healthy(request: &Recorded) -> Reply {
    match request.method.as_str() {
        "PUT" | "PATCH" => Reply::json(200, member_json()),
        "POST" if request.path.ends_with(&format!("/lists/{LIST}")) => {
            let members = request.json()["members"].as_array().map_or(0, Vec::len);
            Reply::json(
                200,
                serde_json::json!({"total_created": members, "total_updated": 0, "error_count": 0, "errors": []}),
            )
        }
        _ => Reply::status(204),
    }
}

/// A configuration pointed at the mock.
pub fn config(server: &MockServer) -> MailchimpConfig {
    let mut config = MailchimpConfig::new(SecretString::from("0123456789abcdef-us19"), LIST)
        .with_base_url(server.url());
    config.timeout_secs = 5;
    config
}

pub fn provider(server: &MockServer) -> MailchimpProvider {
    MailchimpProvider::new(config(server)).expect("a valid configuration")
}

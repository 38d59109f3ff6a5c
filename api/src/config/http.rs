//! Settings of the HTTP listener: address, body limits, trusted proxies, CORS.

use serde::{Deserialize, Serialize};

/// The HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Interface to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Largest request body accepted, checked before parsing.
    pub max_body_bytes: usize,
    /// Largest GraphQL multipart request (a file upload, e.g. `importRecords`), checked while
    /// it is read.
    pub max_upload_bytes: usize,
    /// How long in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// How long a request body may take to arrive, in seconds, before the request is answered
    /// 408 (request headers have their own fixed 30 s bound).
    pub body_timeout_secs: u64,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are believed, as addresses
    /// or CIDR blocks (`["127.0.0.1/32", "10.0.0.0/8"]`). Empty: the client is the peer.
    pub trusted_proxies: Vec<String>,
    /// Origins whose pages may call the API from a browser (CORS), exactly as browsers send
    /// them: `scheme://host[:port]`, no path (`["https://app.example.com"]`, or in the
    /// environment a comma-separated list). `["*"]` allows any origin; credentials are never
    /// allowed (the API takes bearer tokens, not cookies). Empty: same-origin only.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub cors_allowed_origins: Vec<String>,
    /// How long a browser may cache a preflight answer, in seconds (browsers cap it: Chromium
    /// at 7200).
    pub cors_max_age_secs: u64,
}

/// A list, or one string of comma-separated entries (as an environment variable gives it).
fn list_or_comma_separated<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    Ok(match ListOrString::deserialize(deserializer)? {
        ListOrString::List(list) => list,
        ListOrString::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 256 * 1024,
            max_upload_bytes: 64 * 1024 * 1024,
            shutdown_timeout_secs: 30,
            workers: 0,
            body_timeout_secs: 10,
            trusted_proxies: Vec::new(),
            cors_allowed_origins: Vec::new(),
            cors_max_age_secs: 600,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn cors_origins_come_as_a_list_in_the_file_or_comma_separated_in_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "rapport.toml",
                "[http]\ncors_allowed_origins = [\"https://app.example.com\"]\n",
            )?;
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.http.cors_allowed_origins, ["https://app.example.com"]);
            assert_eq!(s.http.cors_max_age_secs, 600);
            jail.set_env(
                "RAPPORT_HTTP__CORS_ALLOWED_ORIGINS",
                "http://localhost:5173, https://admin.example.com",
            );
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                s.http.cors_allowed_origins,
                ["http://localhost:5173", "https://admin.example.com"]
            );
            jail.set_env(
                "RAPPORT_HTTP__CORS_ALLOWED_ORIGINS",
                "https://app.example.com/",
            );
            let err = Settings::load(None).expect_err("a path is not an origin");
            assert!(
                err.to_string()
                    .contains("http.cors_allowed_origins: `https://app.example.com/`"),
                "{err}"
            );
            Ok(())
        });
    }
}

//! Cross-origin requests from browsers (CORS), by actix-cors: an allow-list of exact origins
//! (`http.cors_allowed_origins`), or `*` for any. Rapport never allows credentials (cookies,
//! HTTP authentication): a browser app sends its bearer token in `Authorization`, which a page
//! of another origin cannot read or forge, so a wildcard grants no ambient authority.
//!
//! With no origin configured the middleware is off: same-origin only, no CORS headers at all.

use actix_cors::Cors;
use actix_web::http::Method;
use actix_web::http::header::HeaderName;

use crate::config::HttpSettings;

/// The request headers a cross-origin page may send: the bearer token, JSON, a request id to
/// trace, and what Apollo Client sends (client awareness, and the CSRF-prevention headers
/// routers ask for). Automatic persisted queries carry their hash in the `extensions`
/// parameter, not in a header.
pub const ALLOWED_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

/// The response headers a cross-origin page may read: the request id (to quote in a support
/// ticket) and the rate-limit headers (to back off).
pub const EXPOSED_HEADERS: [&str; 4] = [
    "x-request-id",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
];

/// Which origins may call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// None: same-origin only.
    None,
    /// Any origin (`*`).
    Any,
    /// Exactly these, as browsers write them in `Origin` (`https://app.example.com`).
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Parses `http.cors_allowed_origins`: `*` alone, or origins `scheme://host[:port]` with
    /// the scheme http or https and nothing after the host and port. Each is kept as browsers
    /// serialize it (host lowercased, default port dropped).
    ///
    /// # Errors
    /// The first entry that is not an origin, named, with what is wrong.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let entries: Vec<&str> = entries.iter().map(|e| e.trim()).collect();
        if entries.contains(&"*") {
            return if entries.len() == 1 {
                Ok(Self::Any)
            } else {
                Err("http.cors_allowed_origins: `*` allows every origin; list it alone".into())
            };
        }
        if entries.is_empty() {
            return Ok(Self::None);
        }
        let mut origins = Vec::with_capacity(entries.len());
        for entry in entries {
            let origin = parse_origin(entry)
                .map_err(|why| format!("http.cors_allowed_origins: `{entry}` {why}"))?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Self::List(origins))
    }
}

fn parse_origin(entry: &str) -> Result<String, &'static str> {
    const SHAPE: &str =
        "is not an origin: write scheme://host[:port], e.g. https://app.example.com";
    let (scheme, rest) = entry.split_once("://").ok_or(SHAPE)?;
    if !matches!(scheme, "http" | "https") {
        return Err("is not an origin: the scheme must be http or https");
    }
    if rest.is_empty() {
        return Err(SHAPE);
    }
    // Anything after the authority never matches a browser's `Origin` header.
    if rest.contains(['/', '?', '#']) {
        return Err("is not an origin: it must not have a path (not even `/`), query or fragment");
    }
    if rest.contains('@') {
        return Err("is not an origin: it must not carry a user name or password");
    }
    let url = url::Url::parse(entry).map_err(|_| SHAPE)?;
    if url.host().is_none() {
        return Err(SHAPE);
    }
    Ok(url.origin().ascii_serialization())
}

/// The CORS middleware for `settings`, and whether it is on (an origin is configured).
/// Settings reach it validated ([`crate::config::Settings::validate`] parses the origins
/// first); origins that do not parse would turn it off, never widen it.
pub fn middleware(settings: &HttpSettings) -> (bool, Cors) {
    let origins =
        AllowedOrigins::parse(&settings.cors_allowed_origins).unwrap_or(AllowedOrigins::None);
    let max_age = usize::try_from(settings.cors_max_age_secs).unwrap_or(usize::MAX);
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allowed_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(max_age);
    match origins {
        AllowedOrigins::None => (false, cors),
        AllowedOrigins::Any => (true, cors.allow_any_origin().send_wildcard()),
        AllowedOrigins::List(list) => (
            true,
            list.iter()
                .fold(cors, |cors, origin| cors.allowed_origin(origin)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(entries: &[&str]) -> Result<AllowedOrigins, String> {
        AllowedOrigins::parse(&entries.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn origins_are_kept_as_browsers_write_them() {
        assert_eq!(parse(&[]), Ok(AllowedOrigins::None));
        assert_eq!(parse(&["*"]), Ok(AllowedOrigins::Any));
        assert_eq!(
            parse(&[
                "https://App.Example.com:443",
                "http://127.0.0.1:5173",
                "http://[::1]:3000",
                "https://app.example.com",
            ]),
            Ok(AllowedOrigins::List(vec![
                "https://app.example.com".into(),
                "http://127.0.0.1:5173".into(),
                "http://[::1]:3000".into(),
            ]))
        );
    }

    #[test]
    fn entries_that_are_not_origins_are_refused_naming_them() {
        for (entry, why) in [
            ("https://app.example.com/", "path"),
            ("https://app.example.com/app", "path"),
            ("https://app.example.com?x=1", "query"),
            ("app.example.com", "scheme://host"),
            ("ftp://app.example.com", "http or https"),
            ("https://", "scheme://host"),
            ("https://user@app.example.com", "user name"),
            ("https://app.example.com:99999", "scheme://host"),
            ("null", "scheme://host"),
        ] {
            let err = parse(&[entry]).expect_err(entry);
            assert!(
                err.starts_with("http.cors_allowed_origins: `")
                    && err.contains(entry)
                    && err.contains(why),
                "{entry}: {err}"
            );
        }
        let err = parse(&["*", "https://app.example.com"]).expect_err("a wildcard among origins");
        assert!(err.contains("list it alone"), "{err}");
    }
}

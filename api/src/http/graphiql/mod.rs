//! GraphiQL for browsers, served by the binary itself. Its browser bundles (GraphiQL, React,
//! ReactDOM: pinned versions, each checked by its integrity hash) come from:
//!
//! - the copy built into this binary when `api/graphiql/build.sh` ran before `cargo build`
//!   (the files are built from the pinned npm packages and never committed): nothing leaves
//!   the machine;
//! - `graphql.graphiql_assets_url` when it is set (a CDN or a mirror with npm's layout,
//!   `<base>/graphiql@3.9.0/graphiql.min.js`);
//! - otherwise, for a binary built without them, the same pinned files from unpkg (logged at
//!   start, and said on the page when they cannot load).
//!
//! The page carries a Content-Security-Policy with no inline script (the page's own script is
//! a file, `/graphiql/rapport-graphiql.js`) and `connect-src 'self'`. A token in the page's
//! fragment (`/graphql#token=…`, never sent to the server) is moved to `sessionStorage` (this
//! tab only) and the fragment is cleared from the address bar; GraphiQL never persists headers.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

include!(concat!(env!("OUT_DIR"), "/graphiql_assets.rs"));

/// The CDN a binary built without the bundles loads them from, unless
/// `graphql.graphiql_assets_url` names another.
pub const FALLBACK_CDN: &str = "https://unpkg.com";

/// Where the page's own files and the embedded bundles are served.
pub const ASSET_PATH: &str = "/graphiql";

/// One pinned browser bundle.
#[derive(Debug)]
pub struct Asset {
    /// Its file name under [`ASSET_PATH`].
    pub name: &'static str,
    /// Its path in npm's layout, under a CDN base.
    pub npm_path: &'static str,
    /// Its Subresource Integrity hash (of the file in the npm package).
    pub integrity: &'static str,
    /// Script or style sheet.
    pub content_type: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The bundles, pinned: the versions in `api/graphiql/package.json` and the hashes of their
/// files. Changing a version means changing its hashes here (the browser check fails until
/// both agree: browsers refuse a file whose hash differs).
pub const ASSETS: [Asset; 4] = [
    Asset {
        name: "react.production.min.js",
        npm_path: "react@18.3.1/umd/react.production.min.js",
        integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
        content_type: JS,
    },
    Asset {
        name: "react-dom.production.min.js",
        npm_path: "react-dom@18.3.1/umd/react-dom.production.min.js",
        integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
        content_type: JS,
    },
    Asset {
        name: "graphiql.min.js",
        npm_path: "graphiql@3.9.0/graphiql.min.js",
        integrity: "sha384-8NGfVj4CVlqHajlZj+bPJT4thxPMHMJYn7DWK2CvtopLd02E7qsPHazniBYvVjOO",
        content_type: JS,
    },
    Asset {
        name: "graphiql.min.css",
        npm_path: "graphiql@3.9.0/graphiql.min.css",
        integrity: "sha384-QMux00XgRtwRLSYIY3kw2rj1ovk5AuuliAchk+HSQbqdbGFnz9GYuqIlOqxhwCE2",
        content_type: CSS,
    },
];

/// The page's own script and style: Rapport's code, part of the source tree.
const OWN: [(&str, &str, &str); 2] = [
    (
        "rapport-graphiql.js",
        JS,
        include_str!("rapport-graphiql.js"),
    ),
    (
        "rapport-graphiql.css",
        CSS,
        include_str!("rapport-graphiql.css"),
    ),
];

/// Whether GraphiQL's bundles are built into this binary.
pub fn embedded() -> bool {
    EMBEDDED.is_some()
}

/// Where the page loads GraphiQL's bundles from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// From this server, under [`ASSET_PATH`].
    Embedded,
    /// From a CDN or mirror with npm's layout at this base URL.
    Cdn(String),
}

impl Source {
    /// The source `graphql.graphiql_assets_url` (empty: the built-in copy) chooses in this
    /// binary.
    pub fn of(assets_url: &str) -> Self {
        let url = assets_url.trim().trim_end_matches('/');
        match (url.is_empty(), embedded()) {
            (false, _) => Self::Cdn(url.to_owned()),
            (true, true) => Self::Embedded,
            (true, false) => Self::Cdn(FALLBACK_CDN.to_owned()),
        }
    }

    fn href(&self, asset: &Asset) -> String {
        match self {
            Self::Embedded => format!("{ASSET_PATH}/{}", asset.name),
            Self::Cdn(base) => format!("{base}/{}", asset.npm_path),
        }
    }

    /// The origin scripts and styles may come from besides this server's own.
    fn extra_origin(&self) -> Option<String> {
        match self {
            Self::Embedded => None,
            Self::Cdn(base) => url::Url::parse(base)
                .ok()
                .map(|u| u.origin().ascii_serialization()),
        }
    }
}

/// Checks `graphql.graphiql_assets_url`: empty, or an absolute http(s) URL.
///
/// # Errors
/// What is wrong with it.
pub fn validate_assets_url(assets_url: &str) -> Result<(), String> {
    let trimmed = assets_url.trim();
    if trimmed.is_empty() {
        return Ok(());
    }
    match url::Url::parse(trimmed) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.query().is_none()
                && u.fragment().is_none() =>
        {
            Ok(())
        }
        _ => Err(format!(
            "graphql.graphiql_assets_url: `{trimmed}` is not an absolute http(s) URL without \
             query or fragment (e.g. https://unpkg.com); leave it empty to serve the copy built \
             into rapport"
        )),
    }
}

/// The page's Content-Security-Policy: scripts and styles from this server (and the CDN in
/// CDN mode) only, no inline script and no eval, requests to this server only.
pub fn content_security_policy(source: &Source) -> String {
    let extra = source
        .extra_origin()
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'{extra}; style-src 'self'{extra}; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page, for GraphQL requests to `endpoint`.
pub fn page(endpoint: &str, source: &Source) -> String {
    let tag = |asset: &Asset| {
        let href = escape(&source.href(asset));
        let integrity = asset.integrity;
        if asset.content_type == CSS {
            format!(
                r#"<link rel="stylesheet" href="{href}" integrity="{integrity}" crossorigin="anonymous">"#
            )
        } else {
            format!(
                r#"<script src="{href}" integrity="{integrity}" crossorigin="anonymous"></script>"#
            )
        }
    };
    let [react, react_dom, graphiql_js, graphiql_css] = &ASSETS;
    let hint = match source {
        Source::Embedded => "GraphiQL's scripts did not load from this server.".to_owned(),
        Source::Cdn(base) if !embedded() && base == FALLBACK_CDN => format!(
            "GraphiQL's scripts did not load from {base}: this rapport was built without them \
             (run api/graphiql/build.sh, then cargo build, to serve them from rapport itself) \
             and this browser cannot reach {base}."
        ),
        Source::Cdn(base) => format!(
            "GraphiQL's scripts did not load from {base} (graphql.graphiql_assets_url). Without \
             internet, leave that setting empty to use the copy built into rapport."
        ),
    };
    let (endpoint, hint) = (escape(endpoint), escape(&hint));
    let (css, react, react_dom, graphiql_js) = (
        tag(graphiql_css),
        tag(react),
        tag(react_dom),
        tag(graphiql_js),
    );
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Rapport — GraphiQL</title>
  <link rel="icon" href="data:,">
  {css}
  <link rel="stylesheet" href="{ASSET_PATH}/rapport-graphiql.css">
</head>
<body>
  <div id="graphiql" data-endpoint="{endpoint}" data-hint="{hint}">Loading GraphiQL…</div>
  <noscript>GraphiQL needs JavaScript.</noscript>
  {react}
  {react_dom}
  {graphiql_js}
  <script src="{ASSET_PATH}/rapport-graphiql.js"></script>
</body>
</html>
"#
    )
}

/// The page as an answer, with its security headers.
pub fn page_response(endpoint: &str, assets_url: &str) -> HttpResponse {
    let source = Source::of(assets_url);
    let mut res = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page(endpoint, &source));
    let headers = res.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&source)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// GET /graphiql/{name}: the page's own files, and the bundles built into this binary.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    let name = name.into_inner();
    let found = OWN
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, ty, body)| (*ty, body.as_bytes()))
        .or_else(|| {
            let files = EMBEDDED.as_ref()?;
            ASSETS
                .iter()
                .zip(files.iter())
                .find(|(a, _)| a.name == name)
                .map(|(a, body)| (a.content_type, *body))
        });
    match found {
        Some((content_type, body)) => HttpResponse::Ok()
            .content_type(content_type)
            // Pinned content under a fixed name: an hour in the browser's cache.
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_this_server_and_in_cdn_mode_the_cdn_only() {
        let csp = content_security_policy(&Source::Embedded);
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("connect-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        let csp = content_security_policy(&Source::Cdn("https://cdn.example.com/npm".into()));
        assert!(
            csp.contains("script-src 'self' https://cdn.example.com;"),
            "{csp}"
        );
    }

    #[test]
    fn the_page_has_no_inline_script_and_pins_every_bundle() {
        let html = page(
            "/graphql",
            &Source::Cdn("https://cdn.example.com/npm".into()),
        );
        for asset in &ASSETS {
            assert!(
                html.contains(&format!(
                    "https://cdn.example.com/npm/{}\" integrity=\"{}\"",
                    asset.npm_path, asset.integrity
                )),
                "{html}"
            );
        }
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=").count(),
            "every script is a file: {html}"
        );
        let html = page("/graphql", &Source::Embedded);
        assert!(
            html.contains(r#"<script src="/graphiql/graphiql.min.js""#),
            "{html}"
        );
        assert!(!html.contains("https://"), "{html}");
    }

    #[test]
    fn the_assets_url_is_empty_or_an_absolute_http_url() {
        assert!(validate_assets_url("").is_ok());
        assert!(validate_assets_url("https://cdn.jsdelivr.net/npm").is_ok());
        for bad in ["/mirror", "cdn.example.com", "ftp://x", "https://x/?v=1"] {
            let err = validate_assets_url(bad).expect_err(bad);
            assert!(err.contains("graphql.graphiql_assets_url"), "{err}");
        }
    }
}

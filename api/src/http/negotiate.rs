//! Media types of GraphQL over HTTP.

/// What the response body is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// `application/graphql-response+json`: request errors answer 4xx.
    GraphqlResponse,
    /// `application/json`: request errors answer 200 (legacy clients).
    Json,
}

impl ResponseKind {
    /// The `Content-Type` to send.
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseKind::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            ResponseKind::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from an `Accept` header. A missing header, `*/*` and
/// `application/*` mean `application/json`. `None` means nothing acceptable (406).
pub fn negotiate(accept: Option<&str>) -> Option<ResponseKind> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(ResponseKind::Json);
    };
    let mut best: Option<(f32, u8, ResponseKind)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut q = 1.0_f32;
        for param in parts {
            if let Some(v) = param.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let (kind, specificity) = match media.as_str() {
            "application/graphql-response+json" => (ResponseKind::GraphqlResponse, 2),
            "application/json" => (ResponseKind::Json, 2),
            "application/*" | "*/*" => (ResponseKind::Json, 1),
            _ => continue,
        };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bq, bs, _)) => q > bq || (q == bq && specificity > bs),
        };
        if better {
            best = Some((q, specificity, kind));
        }
    }
    best.map(|(_, _, kind)| kind)
}

/// Whether the client prefers an HTML page (a browser opening `/graphql`).
pub fn wants_html(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.to_ascii_lowercase().contains("text/html"))
}

/// Whether a `Content-Type` is JSON (parameters such as `charset` allowed).
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|c| c.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_documented_media_type() {
        assert_eq!(negotiate(None), Some(ResponseKind::Json));
        assert_eq!(negotiate(Some("*/*")), Some(ResponseKind::Json));
        assert_eq!(
            negotiate(Some("application/json")),
            Some(ResponseKind::Json)
        );
        assert_eq!(
            negotiate(Some("application/graphql-response+json")),
            Some(ResponseKind::GraphqlResponse)
        );
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(ResponseKind::GraphqlResponse)
        );
        assert_eq!(
            negotiate(Some(
                "application/json, application/graphql-response+json;q=0.5"
            )),
            Some(ResponseKind::Json)
        );
        assert_eq!(negotiate(Some("text/html")), None);
    }

    #[test]
    fn json_content_types_may_carry_a_charset() {
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(!is_json(Some("text/plain;charset=UTF-8")));
        assert!(!is_json(None));
    }
}

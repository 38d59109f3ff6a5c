//! The middleware that counts every request in its bucket, and the 429 answer.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::json;

use super::bucket::{Decision, add_headers};
use super::limits::Authenticated;
use crate::http::client_addr::ClientAddr;
use crate::http::negotiate::{ResponseKind, negotiate};
use crate::http::{AppState, RequestId};

/// The 429 answer: a GraphQL error (`RATE_LIMITED`) on `/graphql`, a JSON error elsewhere.
pub fn too_many_requests(req: &HttpRequest, decision: &Decision) -> HttpResponse {
    let retry = match decision {
        Decision::Denied {
            retry_after_secs, ..
        } => *retry_after_secs,
        Decision::Allowed { .. } => 1,
    };
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone());
    let message = format!("too many requests; retry in {retry} s");
    if req.path().starts_with("/graphql") {
        let kind = negotiate(
            req.headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
        )
        .unwrap_or(ResponseKind::Json);
        HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
            .content_type(kind.content_type())
            .json(json!({"errors": [{
                "message": message,
                "extensions": {"code": "RATE_LIMITED", "requestId": rid, "retryAfter": retry}
            }]}))
    } else {
        HttpResponse::build(StatusCode::TOO_MANY_REQUESTS).json(json!({
            "code": "RATE_LIMITED",
            "message": message,
            "requestId": rid,
        }))
    }
}

/// Which bucket a request is counted in before it is handled.
enum Gate {
    /// Health probes: never limited.
    Exempt,
    /// A webhook route: counted per route, whoever sends it.
    Webhook(&'static str),
    /// Unauthenticated pages (the SDL, metrics): counted per address.
    Address,
    /// Everything else (GraphQL): counted per subject by the handler once the token is
    /// accepted, or per address when the answer is a refusal.
    AfterwardsIfRefused,
}

fn gate(path: &str) -> Gate {
    match path {
        "/healthz" | "/readyz" => Gate::Exempt,
        "/webhooks/ringover" => Gate::Webhook("ringover"),
        "/graphql/schema.graphql" | "/metrics" => Gate::Address,
        p if p.starts_with("/webhooks/mailchimp/") => Gate::Webhook("mailchimp"),
        _ => Gate::AfterwardsIfRefused,
    }
}

/// Applies the limits around every request.
pub async fn rate_limit_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let addr = req.extensions().get::<ClientAddr>().map(|a| a.0);
    let before = match gate(req.path()) {
        Gate::Exempt => None,
        Gate::Webhook(route) => state.edge.limits.webhook(route),
        Gate::Address => addr.and_then(|a| state.edge.limits.address(a)),
        Gate::AfterwardsIfRefused => None,
    };
    if let Some(decision @ Decision::Denied { .. }) = before {
        let (http_req, _) = req.into_parts();
        let mut res = too_many_requests(&http_req, &decision);
        add_headers(res.headers_mut(), &decision);
        return Ok(ServiceResponse::new(http_req, res).map_into_right_body());
    }
    let counted_after = matches!(gate(req.path()), Gate::AfterwardsIfRefused);
    let mut res = next.call(req).await?;
    let mut decision = before.or_else(|| res.request().extensions().get::<Decision>().copied());
    let status = res.status();
    let refused = status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS;
    let owner = (counted_after
        && refused
        && !res.request().extensions().contains::<Authenticated>())
    .then(|| {
        // Refused before authentication (a malformed request, say) but carrying a genuine
        // token: the token's subject answers for it, not everyone behind its address.
        (status != StatusCode::UNAUTHORIZED)
            .then(|| genuine_subject(&state, res.request()))
            .flatten()
    });
    let after = match owner {
        None => None,
        Some(Some(subject)) => state.edge.limits.subject(&subject),
        Some(None) => addr.and_then(|a| state.edge.limits.address(a)),
    };
    if let Some(after) = after {
        decision = Some(after);
        if let Decision::Denied { .. } = after {
            let http_req = res.request().clone();
            let mut limited = too_many_requests(&http_req, &after);
            add_headers(limited.headers_mut(), &after);
            return Ok(ServiceResponse::new(http_req, limited).map_into_right_body());
        }
    }
    if let Some(decision) = decision {
        add_headers(res.headers_mut(), &decision);
    }
    Ok(res.map_into_left_body())
}

/// The subject of the request's one bearer token, when its signature and claims verify.
fn genuine_subject(state: &AppState, req: &HttpRequest) -> Option<String> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    state
        .keys
        .verify_authorization_header(value.as_bytes())
        .ok()
        .map(|token| token.subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_gated_by_kind() {
        assert!(matches!(gate("/healthz"), Gate::Exempt));
        assert!(matches!(
            gate("/webhooks/ringover"),
            Gate::Webhook("ringover")
        ));
        assert!(matches!(
            gate("/webhooks/mailchimp/anything"),
            Gate::Webhook("mailchimp")
        ));
        assert!(matches!(gate("/metrics"), Gate::Address));
        assert!(matches!(gate("/graphql"), Gate::AfterwardsIfRefused));
        assert!(matches!(gate("/nope"), Gate::AfterwardsIfRefused));
    }
}

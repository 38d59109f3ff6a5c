//! Inbound provider webhooks: actix routes that check where a delivery comes from, read it with
//! the provider crate's parser, and hand it to `service` to apply.
//!
//! - `GET|POST /webhooks/mailchimp/{secret}` (feature `mailchimp`, on when
//!   `mailchimp.webhook_secret` is set): consent, names and address changes of members.
//! - `POST /webhooks/ringover` (feature `ringover`, on with the `ringover` section): signed call
//!   events, recorded as interactions.
//!
//! Answers: 200 for everything applied, ignored, unknown or repeated (providers retry anything
//! else); 400 for a body the parser refuses, naming what is wrong; 401 for a missing or bad
//! signature; 404 for a route that is off or a wrong secret (the route does not reveal itself);
//! 413 past [`MAX_BODY_BYTES`]; 500 when the database fails (the provider retries later).

#[cfg(feature = "mailchimp")]
mod mailchimp;
#[cfg(any(feature = "mailchimp", feature = "ringover"))]
mod reply;
#[cfg(feature = "ringover")]
mod ringover;

use std::borrow::Cow;

use actix_web::web;

/// The largest webhook body read. Provider events are a few kilobytes; anything past this is
/// refused (413) before it is parsed, and nothing is stored.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The path prefix of the Mailchimp route, whose last segment is a secret.
const MAILCHIMP_PREFIX: &str = "/webhooks/mailchimp/";

/// Registers the webhook routes of the providers compiled in.
pub fn routes(cfg: &mut web::ServiceConfig) {
    #[cfg(feature = "mailchimp")]
    cfg.route(
        "/webhooks/mailchimp/{secret}",
        web::get().to(mailchimp::probe),
    )
    .route(
        "/webhooks/mailchimp/{secret}",
        web::post().to(mailchimp::receive),
    );
    #[cfg(feature = "ringover")]
    cfg.route("/webhooks/ringover", web::post().to(ringover::receive));
    let _ = cfg;
}

/// The request path as logs may show it: the secret segment of the Mailchimp route is hidden.
pub fn loggable_path(path: &str) -> Cow<'_, str> {
    match path.strip_prefix(MAILCHIMP_PREFIX) {
        Some(secret) if !secret.is_empty() => Cow::Owned(format!("{MAILCHIMP_PREFIX}…")),
        _ => Cow::Borrowed(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mailchimp_secret_never_reaches_the_logs() {
        assert_eq!(
            loggable_path("/webhooks/mailchimp/very-secret"),
            "/webhooks/mailchimp/…"
        );
        assert_eq!(loggable_path("/webhooks/ringover"), "/webhooks/ringover");
        assert_eq!(loggable_path("/graphql"), "/graphql");
    }
}

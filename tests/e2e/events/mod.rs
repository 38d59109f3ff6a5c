//! Events leaving Rapport (issue 12).

mod webhooks_endpoints;
mod webhooks_send;

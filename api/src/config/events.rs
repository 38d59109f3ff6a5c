//! Settings of the event relay and its outlets (`[events]`, `[events.webhooks]`,
//! `[events.subscriptions]`).

use serde::{Deserialize, Serialize};

/// The relay: how often it looks at the outbox, how much it publishes at once, how long
/// published events are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSettings {
    /// Run the relay (and the webhook deliveries) inside the server.
    pub relay_in_server: bool,
    /// How long an idle relay waits before looking at the outbox again, in milliseconds.
    pub poll_ms: u64,
    /// Most events published in one transaction.
    pub batch_size: u64,
    /// Published events are pruned from the outbox after this many days.
    pub retention_days: u32,
    /// PostgreSQL only: connections of the relay and the webhook dispatcher when they run in
    /// the server (`relay_in_server`), apart from the API's pool so a burst of API writes
    /// cannot starve delivery. 0 shares the API's pool. SQLite always shares its one writer.
    pub pool_size: u32,
    /// Outbound webhooks.
    pub webhooks: WebhookSettings,
    /// GraphQL subscriptions over WebSocket.
    pub subscriptions: SubscriptionSettings,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            relay_in_server: true,
            poll_ms: 200,
            batch_size: 500,
            retention_days: 7,
            pool_size: 2,
            webhooks: WebhookSettings::default(),
            subscriptions: SubscriptionSettings::default(),
        }
    }
}

impl EventSettings {
    /// Refuses settings the relay cannot run with, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.batch_size == 0 {
            return Err("events.batch_size must be at least 1".to_owned());
        }
        if self.poll_ms == 0 {
            return Err("events.poll_ms must be at least 1".to_owned());
        }
        if self.webhooks.concurrency == 0 {
            return Err("events.webhooks.concurrency must be at least 1".to_owned());
        }
        if self.webhooks.timeout_secs == 0 {
            return Err("events.webhooks.timeout_secs must be at least 1".to_owned());
        }
        if self.webhooks.disable_after_hours < 13 {
            return Err(
                "events.webhooks.disable_after_hours must be at least 13 (longer than the \
                 retry schedule's largest delay, 12 hours)"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// Outbound webhooks: where requests may go and how long each may take.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Hosts that may be called over plain `http` (every other endpoint must be `https`).
    pub allow_http_hosts: Vec<String>,
    /// Hosts allowed to resolve to loopback, link-local or private addresses (refused
    /// otherwise).
    pub allow_private_hosts: Vec<String>,
    /// Seconds one attempt may take, connection included.
    pub timeout_secs: u64,
    /// Most bytes of a response body read (and kept as the excerpt's source).
    pub max_response_bytes: usize,
    /// Deliveries sent at once by one process.
    pub concurrency: usize,
    /// Seconds a dispatcher holds the deliveries it claimed: a dispatcher that dies mid-send
    /// leaves them to another after this (at least `timeout_secs` + 5).
    pub lease_secs: u64,
    /// An endpoint failing for this many hours (no success in between) is disabled and its
    /// owner notified.
    pub disable_after_hours: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_http_hosts: Vec::new(),
            allow_private_hosts: Vec::new(),
            timeout_secs: 10,
            max_response_bytes: 4096,
            concurrency: 8,
            lease_secs: 60,
            disable_after_hours: 72,
        }
    }
}

/// GraphQL subscriptions: bounds per connection and per subject.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubscriptionSettings {
    /// Most active subscriptions on one connection.
    pub max_per_connection: usize,
    /// Most open connections of one token subject (per process).
    pub max_connections_per_subject: usize,
    /// Events buffered for one subscriber before it is dropped as too slow.
    pub buffer: usize,
    /// Seconds between server pings on an idle connection.
    pub ping_secs: u64,
    /// Seconds between re-checks of a connection's token and member.
    pub recheck_secs: u64,
    /// Milliseconds between looks at the published stream while someone subscribes.
    pub poll_ms: u64,
    /// Seconds a new connection has to send `connection_init` before it is closed (4408).
    pub init_timeout_secs: u64,
    /// Largest WebSocket message a client may send, in bytes (a larger one closes the
    /// connection).
    pub max_message_bytes: usize,
}

impl Default for SubscriptionSettings {
    fn default() -> Self {
        Self {
            max_per_connection: 20,
            max_connections_per_subject: 10,
            buffer: 256,
            ping_secs: 15,
            recheck_secs: 2,
            poll_ms: 200,
            init_timeout_secs: 10,
            max_message_bytes: 65_536,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_zeroes_are_refused_by_name() {
        assert_eq!(EventSettings::default().validate(), Ok(()));
        let refused = |tweak: fn(&mut EventSettings)| {
            let mut settings = EventSettings::default();
            tweak(&mut settings);
            settings.validate().expect_err("refused")
        };
        assert!(refused(|s| s.batch_size = 0).contains("events.batch_size"));
        assert!(refused(|s| s.poll_ms = 0).contains("events.poll_ms"));
        assert!(refused(|s| s.webhooks.concurrency = 0).contains("events.webhooks.concurrency"));
        assert!(refused(|s| s.webhooks.timeout_secs = 0).contains("events.webhooks.timeout_secs"));
        assert!(
            refused(|s| s.webhooks.disable_after_hours = 1)
                .contains("events.webhooks.disable_after_hours")
        );
    }
}

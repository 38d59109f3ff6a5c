//! TLS to PostgreSQL only where it protects something. sqlx's default `sslmode=prefer`
//! negotiates TLS with any server that offers it, loopback included, where it encrypts
//! nothing worth encrypting and costs every statement a TLS record each way (8–17% of the
//! list page's throughput measured against a local PostgreSQL 15). So a URL that names a
//! loopback address, `localhost` or a unix socket, and says nothing about TLS, connects in
//! clear. A URL that says `sslmode=…` (or `ssl-mode=…`), or a `PGSSLMODE` environment
//! variable, always wins; remote hosts keep sqlx's default.

use std::net::IpAddr;

use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};

/// Whether `url` (or the `PGSSLMODE` variable) chooses the TLS mode itself.
fn tls_mode_explicit(url: &str) -> bool {
    if std::env::var_os("PGSSLMODE").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    let Some((_, query)) = url.split_once('?') else {
        return false;
    };
    query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .any(|key| key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode"))
}

/// Whether the server is on this machine: a unix socket, `localhost`, or a loopback address.
fn is_local(options: &PgConnectOptions) -> bool {
    if options.get_socket().is_some() {
        return true;
    }
    let host = options.get_host();
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The adjustment applied to the options sqlx parsed from `url`: TLS off for a local server
/// unless the URL (or `PGSSLMODE`) asked for a mode.
pub(super) fn local_in_clear(url: &str) -> impl Fn(PgConnectOptions) -> PgConnectOptions + use<> {
    let explicit = tls_mode_explicit(url);
    move |options| {
        if !explicit && is_local(&options) {
            options.ssl_mode(PgSslMode::Disable)
        } else {
            options
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    fn mode(url: &str) -> PgSslMode {
        let parsed = PgConnectOptions::from_str(url).expect("a valid URL");
        local_in_clear(url)(parsed).get_ssl_mode()
    }

    fn is_disabled(url: &str) -> bool {
        matches!(mode(url), PgSslMode::Disable)
    }

    #[test]
    fn a_loopback_or_socket_url_without_a_tls_mode_connects_in_clear() {
        if std::env::var_os("PGSSLMODE").is_some() {
            eprintln!("skipped: PGSSLMODE is set, and it wins");
            return;
        }
        for url in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@127.0.0.2/db",
            "postgres://u@localhost/db",
            "postgres://u@[::1]:5432/db",
            "postgres://u@localhost/db?host=/var/run/postgresql",
            "postgres://u@db.internal/db?host=/tmp",
        ] {
            assert!(is_disabled(url), "{url} should connect without TLS");
        }
    }

    #[test]
    fn an_explicit_tls_mode_wins_even_on_loopback() {
        assert!(matches!(
            mode("postgres://u@127.0.0.1/db?sslmode=require"),
            PgSslMode::Require
        ));
        assert!(matches!(
            mode("postgres://u@localhost/db?application_name=x&ssl-mode=prefer"),
            PgSslMode::Prefer
        ));
    }

    #[test]
    fn a_remote_host_keeps_the_default_tls_mode() {
        if std::env::var_os("PGSSLMODE").is_some() {
            eprintln!("skipped: PGSSLMODE is set, and it wins");
            return;
        }
        for url in [
            "postgres://u@db.internal/db",
            "postgres://u@10.0.0.5:5432/db",
        ] {
            assert!(matches!(mode(url), PgSslMode::Prefer), "{url}");
        }
    }

    /// Against the test server (`TEST_DATABASE_URL`, a loopback address in CI, whose server
    /// offers TLS): the default connects in clear; `sslmode=require` still gets TLS.
    #[tokio::test]
    async fn the_store_connects_to_a_local_postgres_in_clear_unless_the_url_asks_for_tls() {
        use std::time::Duration;

        use crate::store::{Store, StoreSettings, create_postgres_database};

        let Some(server) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.trim().is_empty())
        else {
            eprintln!("skipped: needs PostgreSQL (set TEST_DATABASE_URL)");
            return;
        };
        if std::env::var_os("PGSSLMODE").is_some() || tls_mode_explicit(&server) {
            eprintln!("skipped: the test server URL or PGSSLMODE already chooses a TLS mode");
            return;
        }
        let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
        let url = create_postgres_database(&server, &name)
            .await
            .expect("a test database");
        let settings = |url: String| StoreSettings {
            url,
            pool_size: 2,
            busy_timeout: Duration::from_secs(5),
        };
        let local = is_local(&PgConnectOptions::from_str(&url).expect("a valid URL"));
        let plain = Store::connect(&settings(url.clone()))
            .await
            .expect("connected");
        assert_eq!(
            plain.uses_tls().await.expect("pg_stat_ssl"),
            !local,
            "a URL without sslmode uses TLS only when the server is remote"
        );
        plain.close().await;
        let separator = if url.contains('?') { '&' } else { '?' };
        match Store::connect(&settings(format!("{url}{separator}sslmode=require"))).await {
            Ok(asked) => {
                assert!(
                    asked.uses_tls().await.expect("pg_stat_ssl"),
                    "sslmode=require must be honoured on loopback"
                );
                asked.close().await;
            }
            Err(e) => eprintln!("note: the test server offers no TLS ({e}); checked clear only"),
        }
    }
}

//! What `rapport serve` says when it is up: where GraphQL answers and how to get in. It goes to
//! stderr with the logs (as JSON lines shaped like log lines when logs are JSON, whatever the
//! log filter), and it never puts a token in a log:
//! the bootstrap admin's token is written to `auth.bootstrap_token_file` (0600) when that is
//! set, printed only when stderr is a terminal otherwise, and replaced by the command that mints
//! one (`rapport token`) when nobody would see it but a log collector.

use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::Context as _;

use crate::config::{LogFormat, Settings};
use crate::startup::{Application, identity_provider_instructions};

/// Writes the banner of `app`.
pub async fn announce(app: &Application, settings: &Settings) -> anyhow::Result<()> {
    let json = settings.log.format == LogFormat::Json;
    let say = |line: &str| {
        if json {
            eprintln!("{}", crate::logs::line("INFO", "rapport::banner", line));
        } else {
            eprintln!("{line}");
        }
    };
    let base = format!("http://{}:{}", settings.http.host, app.port());
    let subject = &settings.auth.bootstrap_admin_subject;
    say(&format!(
        "Rapport is serving GraphQL at {base}/graphql ({})",
        crate::cli::redact(&settings.database_url())
    ));
    let minutes = settings.auth.operator_token_minutes;
    if app.bootstrapped() && !app.can_mint() {
        say(&format!("Created the bootstrap admin `{subject}`."));
        say(&identity_provider_instructions(settings, subject, "ADMIN"));
        say(&format!(
            "Then open GraphiQL at {base}/graphql#token=<that token>"
        ));
    } else if app.bootstrapped() {
        let token = app.operator_token(subject).await?;
        if let Some(file) = &settings.auth.bootstrap_token_file {
            write_private(file, &token)?;
            say(&format!(
                "Created the bootstrap admin `{subject}`. Its admin token (valid {minutes} \
                 minutes) is in {}: open GraphiQL at {base}/graphql#token=<that token>",
                file.display()
            ));
        } else if std::io::stderr().is_terminal() {
            // A person is watching: the token goes to their terminal, never into a log event.
            eprintln!(
                "Created the bootstrap admin `{subject}`. Open GraphiQL with this admin token (valid {minutes} minutes):"
            );
            eprintln!("  {base}/graphql#token={token}");
        } else {
            say(&format!(
                "Created the bootstrap admin `{subject}`. Get an admin token with: rapport token \
                 --subject {subject} (or set auth.bootstrap_token_file), then open GraphiQL at \
                 {base}/graphql#token=<that token>"
            ));
        }
    } else if !app.can_mint() {
        say(&format!(
            "GraphiQL: {base}/graphql  (tokens come from your identity provider; this server only verifies them)"
        ));
    } else {
        say(&format!(
            "GraphiQL: {base}/graphql  (get a token with: rapport token --subject {subject})"
        ));
    }
    say(&format!(
        "Health: {base}/healthz   Schema: {base}/graphql/schema.graphql   Stop with Ctrl-C."
    ));
    Ok(())
}

/// Writes `token` to `file`, readable by this user only (0600, whatever the umask).
fn write_private(file: &Path, token: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let context = || {
        format!(
            "cannot write the admin token to {} (auth.bootstrap_token_file)",
            file.display()
        )
    };
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
        .with_context(context)?;
    out.set_permissions(std::fs::Permissions::from_mode(0o600))
        .with_context(context)?;
    writeln!(out, "{token}").with_context(context)?;
    Ok(())
}

//! The `rapport` command line: serve (default), migrate, token, schema, worker, relay, backup,
//! restore, healthcheck. The binary is
//! one call to [`main`]; test harnesses that must kill a real worker process build their own
//! binary from it.

mod import;
mod import_job;

use std::path::PathBuf;

use crate::config::Settings;
use crate::startup::{Application, load_keys, open_store, operator_token};
use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// Rapport: relationship management where clients and customers are different things.
#[derive(Debug, Parser)]
#[command(name = "rapport", version, about)]
struct Cli {
    /// Settings file (default: ./rapport.toml when present). `RAPPORT_*` variables override it.
    #[arg(long, global = true, env = "RAPPORT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Apply pending database migrations (and create the bootstrap admin on an empty database).
    Migrate,
    /// Print a short-lived token for a team member.
    Token {
        /// The member's subject (default: the bootstrap admin's).
        #[arg(long)]
        subject: Option<String>,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print the event catalogue: the JSON Schema (draft 2020-12) of every event type's
    /// envelope, or with `--markdown` the human-readable table.
    EventTypes {
        /// Print the Markdown table instead of the JSON Schema.
        #[arg(long)]
        markdown: bool,
    },
    /// Run only the background work: the contact-sync worker (when a provider is enabled), the
    /// event relay, the webhook dispatcher and import jobs (several may run at once against
    /// one database).
    Worker,
    /// Run only the event relay and the webhook dispatcher (several may run at once against
    /// one database).
    Relay,
    /// Copy the SQLite database to FILE while it serves (consistent: every transaction
    /// committed before the copy began). For PostgreSQL use pg_dump or pg_basebackup.
    Backup {
        /// Where the copy goes (refused if it exists, unless --force).
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place as the SQLite database (refused while a Rapport process has it
    /// open; an existing database is kept aside, and replaced only with --force).
    Restore {
        /// The backup made by `rapport backup`.
        file: PathBuf,
        /// Replace an existing database (it is kept as `<database>.before-restore-<time>`).
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 when the local server answers `/healthz` (for container health checks).
    Healthcheck {
        /// The URL to ask (default: http://127.0.0.1:<http.port>/healthz).
        #[arg(long)]
        url: Option<String>,
    },
    /// Import accounts, contacts, measurements or team members from a CSV or JSON Lines file
    /// (`--dry-run` first to see what each row would do).
    Import(import::ImportArgs),
    /// Fill an empty database with made-up accounts and contacts (queued for the enabled sync
    /// providers).
    DemoData {
        /// Accounts to create.
        #[arg(long, default_value_t = 20)]
        accounts: usize,
        /// Contacts to create, spread over the accounts.
        #[arg(long, default_value_t = 200)]
        contacts: usize,
    },
    /// Export accounts, contacts, agreements, measurements or credits as CSV or JSON Lines
    /// (every row and column: the operator's view), streamed to FILE or stdout.
    Export {
        /// accounts, contacts, agreements, measurements or credits.
        #[arg(long)]
        kind: String,
        /// csv (RFC 4180, formulas neutralised) or jsonl.
        #[arg(long, default_value = "csv")]
        format: String,
        /// The GraphQL list's filter input as JSON, e.g. '{"emailConsent":"SUBSCRIBED"}'.
        #[arg(long)]
        filter: Option<String>,
        /// Where to write (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Parses the command line and runs the command.
///
/// # Errors
/// Whatever stopped the command: bad settings, an unreachable database, a port in use.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", crate::graphql::sdl());
        return Ok(());
    }
    if let Command::EventTypes { markdown } = command {
        if markdown {
            print!("{}", crate::events::schema::catalogue_markdown());
        } else {
            print!("{}", crate::events::schema::catalogue_schema_text());
        }
        return Ok(());
    }
    crate::logs::init(&settings);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run(command, settings))
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Schema | Command::EventTypes { .. } => Ok(()),
        Command::Backup { file, force } => {
            let done = crate::ops::backup(&settings, &file, force).await?;
            eprintln!(
                "backed up to {} ({} bytes, {} migrations, {:.1} s); integrity check ok",
                done.file.display(),
                done.bytes,
                done.migrations,
                done.elapsed.as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { file, force } => {
            let done = crate::ops::restore(&settings, &file, force).await?;
            eprintln!(
                "restored {} into {}",
                file.display(),
                done.database.display()
            );
            if let Some(kept) = done.kept {
                eprintln!("the database it replaced is kept at {}", kept.display());
            }
            Ok(())
        }
        Command::Import(args) => import::run(&settings, args).await,
        Command::Healthcheck { url } => {
            let timeout = std::time::Duration::from_secs(3);
            crate::ops::healthcheck(&settings, url.as_deref(), timeout).await
        }
        Command::Migrate => {
            let store = open_store(&settings, true).await?;
            let created =
                crate::service::ensure_bootstrap_admin(&store, &settings.auth, chrono::Utc::now())
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot create the bootstrap admin: {e}"))?;
            eprintln!("migrations applied to {}", redact(&settings.database_url()));
            if created.is_some() {
                eprintln!(
                    "created the bootstrap admin `{}`",
                    settings.auth.bootstrap_admin_subject
                );
            }
            store.close().await;
            Ok(())
        }
        Command::Relay => {
            let store = open_store(&settings, false).await?;
            let events = crate::events::EventsHandle::new(store.clone(), &settings.events)
                .map_err(|e| anyhow::anyhow!("cannot start the event relay: {e}"))?;
            let id = format!("relay-{}", std::process::id());
            eprintln!("event relay {id} running; stop with Ctrl-C");
            // A step in progress always finishes: its batch commits, its attempts are recorded.
            events.run(id, stop_signal()).await;
            eprintln!("event relay stopped");
            store.close().await;
            Ok(())
        }
        Command::Worker => {
            let store = open_store(&settings, false).await?;
            let registry = std::sync::Arc::new(crate::providers::registry(&settings)?);
            let sync = crate::sync::SyncHandle::new(store.clone(), registry, &settings.sync)?;
            let events = crate::events::EventsHandle::new(store.clone(), &settings.events)
                .map_err(|e| anyhow::anyhow!("cannot start the event relay: {e}"))?;
            let id = format!("worker-{}", std::process::id());
            let providers = sync.registry().names();
            if providers.is_empty() {
                eprintln!(
                    "worker {id}: no contact-sync provider is enabled ([mailchimp] or [ringover]); running the event relay only; stop with Ctrl-C"
                );
            } else {
                eprintln!(
                    "worker {id} serving {providers:?} and the event relay; stop with Ctrl-C"
                );
            }
            let stop = stop_signal();
            let imports = {
                let runner = crate::service::import_jobs::JobRunner::new(
                    store.clone(),
                    sync.registry().clone(),
                    std::time::Duration::from_secs(settings.imports.lease_secs),
                );
                let idle = std::time::Duration::from_millis(settings.imports.poll_ms.max(1));
                let stop = stop.clone();
                tokio::spawn(async move { runner.run(idle, stop).await })
            };
            // One loop per provider beside the event loop: none waits on another.
            let syncing = (!providers.is_empty()).then(|| {
                let (sync, id, stop) = (sync.clone(), id.clone(), stop.clone());
                let idle = std::time::Duration::from_millis(settings.sync.poll_ms.max(1));
                tokio::spawn(async move { sync.run(id, idle, stop).await })
            });
            // Work in progress always finishes: its jobs complete or are released, its event
            // batch commits, its webhook attempts are recorded.
            events.run(id, stop).await;
            if let Some(syncing) = syncing {
                let _ = syncing.await;
            }
            let _ = imports.await;
            eprintln!("worker stopped");
            store.close().await;
            Ok(())
        }
        Command::DemoData { accounts, contacts } => {
            let store = open_store(&settings, true).await?;
            let registry = crate::providers::registry(&settings)?;
            let providers: Vec<String> = registry.names().iter().map(|n| (*n).to_owned()).collect();
            let started = std::time::Instant::now();
            let report = crate::service::seed_demo_data(
                &store,
                &providers,
                accounts,
                contacts,
                chrono::Utc::now(),
                |done| {
                    if done % 10_000 == 0 || done == contacts {
                        eprintln!("  {done}/{contacts} contacts written");
                    }
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo data not written: {e}"))?;
            eprintln!(
                "wrote {} accounts and {} contacts, queued {} sync jobs for {:?}, in {:.1} s",
                report.accounts,
                report.contacts,
                report.jobs,
                providers,
                started.elapsed().as_secs_f64()
            );
            store.close().await;
            Ok(())
        }
        Command::Export {
            kind,
            format,
            filter,
            out,
        } => {
            let store = open_store(&settings, false).await?;
            let rows =
                crate::export::cli::run(&store, &kind, &format, filter.as_deref(), out.as_deref())
                    .await;
            store.close().await;
            eprintln!("exported {} {kind}", rows?);
            Ok(())
        }
        Command::Token { subject } => {
            let store = open_store(&settings, false).await?;
            let keys = load_keys(&settings)?;
            let subject = subject.unwrap_or_else(|| settings.auth.bootstrap_admin_subject.clone());
            let token = operator_token(&store, &keys, &settings, &subject).await?;
            println!("{token}");
            store.close().await;
            Ok(())
        }
        Command::Serve => {
            let app = Application::build(settings.clone()).await?;
            crate::banner::announce(&app, &settings).await?;
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}

/// A flag raised by Ctrl-C or SIGTERM.
fn stop_signal() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminate => {}
        }
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    stop
}

/// A database URL without its password, for printing.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

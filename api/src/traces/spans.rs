//! The spans below a request: root fields, loader batches and statements. Each starts only when
//! the current OpenTelemetry context carries a [`RequestTracer`] (the request is traced);
//! otherwise the work runs as it is, untouched.

use std::future::Future;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Either};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;

/// The tracer of the server a traced request runs in, carried by the request's context.
#[derive(Debug, Clone)]
pub(super) struct RequestTracer(pub(super) SdkTracer);

/// The tracer and context of the traced request being run, if any.
fn current() -> Option<(SdkTracer, Context)> {
    Context::map_current(|cx| cx.get::<RequestTracer>().map(|t| (t.0.clone(), cx.clone())))
}

/// Runs `work` in a child span of the current one, ended when `work` is done.
fn in_child<F: Future>(
    tracer: &SdkTracer,
    parent: &Context,
    name: String,
    attributes: Vec<KeyValue>,
    work: F,
) -> impl Future<Output = F::Output> + use<F> {
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Internal)
        .with_attributes(attributes)
        .start_with_context(tracer, parent);
    let cx = parent.with_span(span);
    // A combinator, not an async block: the block would hold `work` twice (captured, then
    // awaited), doubling the size of every future it wraps.
    work.with_context(cx.clone()).map(move |out| {
        cx.span().end();
        out
    })
}

/// Runs one root field of a GraphQL operation (`Query.contacts`) in its own span.
pub(crate) fn root_field<F: Future>(
    root: &str,
    field: &str,
    work: F,
) -> Either<impl Future<Output = F::Output> + use<F>, F> {
    match current() {
        None => Either::Right(work),
        Some((tracer, cx)) => Either::Left(in_child(
            &tracer,
            &cx,
            format!("{root}.{field}"),
            vec![
                KeyValue::new("graphql.operation.type", root.to_ascii_lowercase()),
                KeyValue::new("graphql.field.name", field.to_owned()),
            ],
            work,
        )),
    }
}

/// The name of a loader type, for span names (`AccountLoader`).
pub(crate) fn loader_name<L>() -> &'static str {
    let name = std::any::type_name::<L>();
    name.rsplit("::").next().unwrap_or(name)
}

/// Runs one batch of a loader (`keys` of them, when known) in a `load LoaderName` span.
pub(crate) fn loader_batch<F: Future>(
    loader: &'static str,
    keys: Option<usize>,
    work: F,
) -> Either<impl Future<Output = F::Output> + use<F>, F> {
    match current() {
        None => Either::Right(work),
        Some((tracer, cx)) => {
            let mut attributes = vec![KeyValue::new("rapport.loader", loader)];
            if let Some(keys) = keys {
                attributes.push(KeyValue::new(
                    "rapport.keys",
                    i64::try_from(keys).unwrap_or(i64::MAX),
                ));
            }
            Either::Left(in_child(
                &tracer,
                &cx,
                format!("load {loader}"),
                attributes,
                work,
            ))
        }
    }
}

/// The spawner of a DataLoader: its batches run as [`crate::store::spawn_counted`] runs them,
/// each in a `load LoaderName` span of the request that asked first.
pub(crate) fn loader_spawner(
    loader: &'static str,
) -> impl Fn(BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> + Send + Sync + 'static {
    move |work| crate::store::spawn_counted(loader_batch(loader, None, work))
}

/// The longest statement text a span carries.
const MAX_STATEMENT: usize = 2_000;

/// Records a statement that just ran (the store's statement hook) as a client span of the
/// current request, back-dated by its duration `elapsed`. `sql` has its parameters as
/// placeholders (`$1`, `?`): the values are not recorded.
pub(crate) fn statement(system: &'static str, sql: &str, elapsed: Duration, failed: bool) {
    Context::map_current(|cx| {
        let Some(RequestTracer(tracer)) = cx.get::<RequestTracer>() else {
            return;
        };
        let end = SystemTime::now();
        let start = end.checked_sub(elapsed).unwrap_or(end);
        let sql = sql.trim();
        let verb = sql
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let mut text = sql;
        if text.len() > MAX_STATEMENT {
            let mut cut = MAX_STATEMENT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text = &text[..cut];
        }
        let mut span = tracer
            .span_builder(if verb.is_empty() {
                "SQL".to_owned()
            } else {
                verb.clone()
            })
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes(vec![
                KeyValue::new("db.system.name", system),
                KeyValue::new("db.operation.name", verb),
                KeyValue::new("db.query.text", text.to_owned()),
            ])
            .start_with_context(tracer, cx);
        if failed {
            span.set_status(Status::error("the statement failed"));
        }
        span.end_with_timestamp(end);
    });
}

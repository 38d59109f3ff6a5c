//! A local OTLP/HTTP receiver: accepts `POST /v1/traces` with protobuf bodies on a free port
//! of 127.0.0.1, as an OpenTelemetry Collector does, and decodes the spans with
//! `opentelemetry-proto`. Or, started with [`OtlpReceiver::hanging`], reads nothing and never
//! answers (a collector that is stuck).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message as _;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One span as the collector got it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// The trace id, 32 hex digits.
    pub trace_id: String,
    /// The span id, 16 hex digits.
    pub span_id: String,
    /// The parent's span id, empty for a root span.
    pub parent_span_id: String,
    /// The span's name.
    pub name: String,
    /// The OTLP span kind (1 internal, 2 server, 3 client).
    pub kind: i32,
    /// The attributes, values as text.
    pub attributes: BTreeMap<String, String>,
    /// `service.name` of the resource that sent it.
    pub service: String,
    /// Start and end, nanoseconds since the epoch.
    pub start_ns: u64,
    /// End.
    pub end_ns: u64,
}

impl ReceivedSpan {
    /// The attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// A running receiver; it stops when dropped.
#[derive(Debug)]
pub struct OtlpReceiver {
    endpoint: String,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OtlpReceiver {
    /// A receiver that accepts every export.
    pub async fn start() -> Self {
        Self::run(false).await
    }

    /// A receiver that takes connections and never answers.
    pub async fn hanging() -> Self {
        Self::run(true).await
    }

    async fn run(hang: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds a free port");
        let endpoint = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("bound address").port()
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&bodies);
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                if hang {
                    held.push(stream);
                    continue;
                }
                let bodies = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ = serve(stream, bodies).await;
                });
            }
        });
        Self {
            endpoint,
            bodies,
            task,
        }
    }

    /// The base URL to configure as `telemetry.otlp_endpoint` (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Every span received so far, decoded.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        let bodies = self
            .bodies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        bodies.iter().flat_map(|body| decode(body)).collect()
    }
}

fn text(value: Option<&AnyValue>) -> String {
    match value {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn attributes(list: &[KeyValue]) -> BTreeMap<String, String> {
    list.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                text(kv.value.as_ref().and_then(|v| v.value.as_ref())),
            )
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The spans of one export request body. Panics on a body that is not one.
fn decode(body: &[u8]) -> Vec<ReceivedSpan> {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
    let mut out = Vec::new();
    for resource in request.resource_spans {
        let service = resource
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .and_then(|a| a.get("service.name").cloned())
            .unwrap_or_default();
        for scope in resource.scope_spans {
            for span in scope.spans {
                out.push(ReceivedSpan {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    name: span.name.clone(),
                    kind: span.kind,
                    attributes: attributes(&span.attributes),
                    service: service.clone(),
                    start_ns: span.start_time_unix_nano,
                    end_ns: span.end_time_unix_nano,
                });
            }
        }
    }
    out
}

async fn serve(stream: TcpStream, bodies: Arc<Mutex<Vec<Vec<u8>>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut length = 0usize;
    let mut protobuf = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await? == 0 {
            return Ok(());
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim();
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            if name == "content-type" {
                protobuf = value == "application/x-protobuf";
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await?;
    let answer = if method == "POST" && path == "/v1/traces" && protobuf {
        bodies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(body);
        "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    } else {
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    };
    write.write_all(answer.as_bytes()).await?;
    write.shutdown().await?;
    Ok(())
}

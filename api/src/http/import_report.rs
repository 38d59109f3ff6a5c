//! `GET /imports/{id}/errors.csv`: an import job's full error report, every refused row as
//! `line,outcome,id,field,reason` (the columns of `rapport import --report`), streamed page by
//! page. Authenticated as `/export` is; the member who started the job and admins may read
//! it, anyone else gets 404 as for a job that does not exist. Cells are neutralised against
//! formula injection like every CSV export.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream::{self, StreamExt as _};

use super::AppState;
use super::export::{authenticated, refusal, request_id};
use crate::export::neutralise;
use crate::global_id::{self, Kind};
use crate::service::Ctx;
use crate::store::{ImportJobError, Store};

/// Refused rows per read.
const PAGE: u64 = 1_000;

fn csv_lines(rows: &[ImportJobError]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let _ = out.write_record([
            row.line.to_string().as_str(),
            "REFUSED",
            "",
            &neutralise(&row.field),
            &neutralise(&row.reason),
        ]);
    }
    out.into_inner().unwrap_or_default()
}

fn not_found(rid: &str) -> HttpResponse {
    refusal(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such import job",
        None,
        rid,
    )
}

/// GET /imports/{id}/errors.csv
pub async fn errors(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let rid = request_id(&req);
    let caller = match authenticated(&req, &state, &rid).await {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Some(raw) = global_id::decode(Kind::ImportJob, &id) else {
        return not_found(&rid);
    };
    let ctx = Ctx {
        store: &state.store,
        caller: &caller,
        request_id: &rid,
        now: chrono::Utc::now(),
        providers: &state.providers,
        registry: Some(&state.registry),
    };
    match crate::service::import_jobs::import_job(&ctx, raw).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&rid),
        Err(err) => {
            tracing::error!(error = %err, request_id = %rid, "error report failed");
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
                None,
                &rid,
            );
        }
    }
    let header_line = Bytes::from_static(b"line,outcome,id,field,reason\n");
    let pages = stream::unfold(Some((state.store.clone(), 0_i64)), move |cursor| {
        let rid = rid.clone();
        async move {
            let (store, after): (Store, i64) = cursor?;
            match store.import_job_errors(raw, after, PAGE).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map_or(after, |r| r.line);
                    Some((Ok(Bytes::from(csv_lines(&rows))), Some((store, last))))
                }
                Err(err) => {
                    tracing::error!(error = %err, request_id = %rid, "error report cut off");
                    Some((Err(std::io::Error::other("error report cut off")), None))
                }
            }
        }
    });
    let body = stream::iter([Ok::<_, std::io::Error>(header_line)]).chain(pages);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{raw}-errors.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

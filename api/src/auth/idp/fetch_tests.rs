//! The HTTP fetch against a local server: bounded size and time, no redirects, max-age read.

use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::stream;

use super::*;

const SMALL: &str = r#"{"keys": []}"#;

async fn certs() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=120"))
        .body(SMALL)
}

async fn no_cache() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-cache, max-age=600"))
        .body(SMALL)
}

async fn broken() -> HttpResponse {
    HttpResponse::InternalServerError().finish()
}

async fn redirect() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", "/certs"))
        .finish()
}

async fn big() -> HttpResponse {
    HttpResponse::Ok().body(vec![b' '; MAX_JWKS_BYTES + 1])
}

async fn big_chunked() -> HttpResponse {
    let chunk = web::Bytes::from(vec![b' '; 64 * 1024]);
    let chunks = (0..8).map(move |_| Ok::<_, actix_web::Error>(chunk.clone()));
    HttpResponse::Ok().streaming(stream::iter(chunks))
}

async fn slow() -> HttpResponse {
    actix_web::rt::time::sleep(Duration::from_secs(5)).await;
    HttpResponse::Ok().body(SMALL)
}

fn serve() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let server = HttpServer::new(|| {
        App::new()
            .route("/certs", web::get().to(certs))
            .route("/no-cache", web::get().to(no_cache))
            .route("/broken", web::get().to(broken))
            .route("/redirect", web::get().to(redirect))
            .route("/big", web::get().to(big))
            .route("/big-chunked", web::get().to(big_chunked))
            .route("/slow", web::get().to(slow))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    actix_web::rt::spawn(server);
    format!("http://127.0.0.1:{port}")
}

async fn fetch(root: &str, path: &str) -> Result<Fetched, FetchError> {
    HttpJwksSource::new(&format!("{root}{path}"), Duration::from_secs(1))
        .expect("a client")
        .fetch()
        .await
}

#[actix_web::test]
async fn a_document_is_fetched_with_its_max_age() {
    let root = serve();
    assert_eq!(
        fetch(&root, "/certs").await,
        Ok(Fetched {
            body: SMALL.as_bytes().to_vec(),
            max_age: Some(Duration::from_secs(120)),
        })
    );
    assert_eq!(fetch(&root, "/no-cache").await.map(|f| f.max_age), Ok(None));
}

#[actix_web::test]
async fn errors_redirects_oversize_bodies_and_slow_answers_fail_the_fetch() {
    let root = serve();
    assert_eq!(fetch(&root, "/broken").await, Err(FetchError::Status(500)));
    assert_eq!(
        fetch(&root, "/redirect").await,
        Err(FetchError::Status(302))
    );
    assert_eq!(fetch(&root, "/big").await, Err(FetchError::TooLarge));
    assert_eq!(
        fetch(&root, "/big-chunked").await,
        Err(FetchError::TooLarge)
    );
    assert_eq!(fetch(&root, "/slow").await, Err(FetchError::Timeout));
}

#[test]
fn max_age_reads_cache_control() {
    let headers = |value: &str| {
        let mut map = HeaderMap::new();
        map.insert(CACHE_CONTROL, value.parse().expect("a header value"));
        map
    };
    assert_eq!(
        max_age(&headers("public, max-age=3600, must-revalidate")),
        Some(Duration::from_secs(3600))
    );
    assert_eq!(
        max_age(&headers("Max-Age=60")),
        Some(Duration::from_secs(60))
    );
    assert_eq!(max_age(&headers("no-store")), None);
    assert_eq!(max_age(&headers("max-age=soon")), None);
    assert_eq!(max_age(&HeaderMap::new()), None);
}

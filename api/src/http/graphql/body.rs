//! Reading a request body up to a cap, refusing it as soon as it passes the cap.

use actix_web::web;
use futures_util::StreamExt as _;

/// Why a body was not read.
pub(in crate::http) enum BodyError {
    TooLarge,
    Read,
}

/// The body of `payload`, refused once longer than `max` bytes.
pub(in crate::http) async fn read_capped(
    mut payload: web::Payload,
    max: usize,
) -> Result<web::BytesMut, BodyError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Read)?;
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

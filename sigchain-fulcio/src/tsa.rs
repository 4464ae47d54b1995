//! Moving RFC 3161 messages to and from a timestamp authority (RFC 3161 §3.4, "Time-Stamp
//! Protocol via HTTP"): `POST` the DER `TimeStampReq` as `application/timestamp-query`, get
//! the DER `TimeStampResp` back as `application/timestamp-reply`.
//!
//! Only bytes move here. Building the request (message imprint, nonce) and checking the
//! answer (status, nonce, signature, chain, time) is the core's job.
//!
//! The signing config names a timestamp authority by its full endpoint URL (for Sigstore's
//! timestamp-authority, `{base}/api/v1/timestamp`), so these functions take that URL.

use sigchain_rekor::http::{HttpRequest, HttpResponse, Idempotency, Method};

use crate::endpoint::{split_url, EndpointError, RequestTo};
use crate::error::{error_body, truncate};
use crate::limits::MAX_TIMESTAMP_ANSWER_BYTES;

/// The media type of a `TimeStampReq`.
pub const TIMESTAMP_QUERY: &str = "application/timestamp-query";
/// The media type of a `TimeStampResp`.
pub const TIMESTAMP_REPLY: &str = "application/timestamp-reply";

/// Why a timestamp authority's answer was refused, or no request could be made.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// The endpoint URL is not usable.
    #[error("timestamp authority URL: {0}")]
    Url(#[from] EndpointError),
    /// The request is empty.
    #[error("the timestamp request is empty")]
    EmptyRequest,
    /// Another status than 200.
    #[error("the timestamp authority answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// Its message, or the start of its body.
        message: String,
    },
    /// The answer names a content type other than `application/timestamp-reply`.
    #[error("the timestamp authority answered with content type {content_type:?}, not {TIMESTAMP_REPLY}")]
    ContentType {
        /// What it said.
        content_type: String,
    },
    /// The answer is over the size limit.
    #[error("the timestamp answer is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Bytes received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The answer is empty.
    #[error("the timestamp answer is empty")]
    Empty,
}

/// `POST {url}` with the DER `TimeStampReq` `der`.
///
/// Marked [`Idempotency::Safe`]: a resent request yields another timestamp over the same
/// digest, as good as the lost one.
///
/// ```
/// use sigchain_fulcio::tsa::timestamp_request;
/// let to = timestamp_request("https://tsa.example/api/v1/timestamp", &[0x30, 0x00])?;
/// assert_eq!(to.base_url, "https://tsa.example");
/// assert_eq!(to.request.path_and_query, "/api/v1/timestamp");
/// assert_eq!(to.request.header("content-type"), Some("application/timestamp-query"));
/// # Ok::<(), sigchain_fulcio::tsa::TsaError>(())
/// ```
pub fn timestamp_request(url: &str, der: &[u8]) -> Result<RequestTo, TsaError> {
    if der.is_empty() {
        return Err(TsaError::EmptyRequest);
    }
    let (base_url, path_and_query) = split_url(url)?;
    Ok(RequestTo {
        base_url,
        request: HttpRequest {
            method: Method::Post,
            path_and_query,
            headers: vec![
                ("content-type".to_owned(), TIMESTAMP_QUERY.to_owned()),
                ("accept".to_owned(), TIMESTAMP_REPLY.to_owned()),
            ],
            body: Some(der.to_vec()),
            idempotency: Idempotency::Safe,
            max_response_bytes: MAX_TIMESTAMP_ANSWER_BYTES,
        },
    })
}

/// The DER `TimeStampResp` in `response`: status 200, content type
/// `application/timestamp-reply` (parameters allowed; a missing header is taken, as some
/// servers omit it), non-empty and within [`MAX_TIMESTAMP_ANSWER_BYTES`].
///
/// ```
/// use sigchain_fulcio::http::HttpResponse;
/// use sigchain_fulcio::tsa::{timestamp_answer, TsaError};
/// let mut response = HttpResponse::new(200, vec![0x30, 0x03, 0x02, 0x01, 0x00]);
/// response.headers.push(("content-type".to_owned(), "application/timestamp-reply".to_owned()));
/// assert_eq!(timestamp_answer(&response)?, [0x30, 0x03, 0x02, 0x01, 0x00]);
/// response.headers[0].1 = "text/html".to_owned();
/// assert!(matches!(timestamp_answer(&response), Err(TsaError::ContentType { .. })));
/// # Ok::<(), TsaError>(())
/// ```
pub fn timestamp_answer(response: &HttpResponse) -> Result<Vec<u8>, TsaError> {
    if response.body.len() > MAX_TIMESTAMP_ANSWER_BYTES {
        return Err(TsaError::TooLarge {
            len: response.body.len(),
            max: MAX_TIMESTAMP_ANSWER_BYTES,
        });
    }
    if response.status != 200 {
        let (_, message) = error_body(&response.body);
        return Err(TsaError::Status {
            status: response.status,
            message: truncate(&message),
        });
    }
    if let Some(content_type) = response.header("content-type") {
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case(TIMESTAMP_REPLY) {
            return Err(TsaError::ContentType {
                content_type: truncate(content_type),
            });
        }
    }
    if response.body.is_empty() {
        return Err(TsaError::Empty);
    }
    Ok(response.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn requests_and_answers() {
        assert!(matches!(
            timestamp_request("https://tsa.example/t", &[]),
            Err(TsaError::EmptyRequest)
        ));
        assert!(matches!(
            timestamp_request("tsa.example/t", &[1]),
            Err(TsaError::Url(_))
        ));
        let to = timestamp_request("http://127.0.0.1:3000/api/v1/timestamp", &[1, 2]).unwrap();
        assert_eq!(to.request.method, Method::Post);
        assert_eq!(to.request.body.as_deref(), Some(&[1u8, 2][..]));
        assert_eq!(to.request.idempotency, Idempotency::Safe);

        let mut answer = HttpResponse::new(200, vec![0x30, 0x00]);
        assert_eq!(timestamp_answer(&answer).unwrap(), [0x30, 0x00]);
        answer.headers.push((
            "content-type".to_owned(),
            "Application/Timestamp-Reply; charset=binary".to_owned(),
        ));
        assert!(timestamp_answer(&answer).is_ok());
        assert!(matches!(
            timestamp_answer(&HttpResponse::new(200, Vec::new())),
            Err(TsaError::Empty)
        ));
        assert!(matches!(
            timestamp_answer(&HttpResponse::new(
                200,
                vec![0; MAX_TIMESTAMP_ANSWER_BYTES + 1]
            )),
            Err(TsaError::TooLarge { .. })
        ));
        let refused = timestamp_answer(&HttpResponse::new(
            400,
            br#"{"code":400,"message":"error parsing timestamp request"}"#.to_vec(),
        ))
        .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the timestamp authority answered 400: error parsing timestamp request"
        );
    }

    proptest! {
        #[test]
        fn answers_never_panic(
            status in 100u16..600,
            content_type in proptest::option::of(".{0,40}"),
            body in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut response = HttpResponse::new(status, body.clone());
            if let Some(content_type) = content_type {
                response.headers.push(("content-type".to_owned(), content_type));
            }
            if let Ok(der) = timestamp_answer(&response) {
                prop_assert_eq!(status, 200);
                prop_assert_eq!(der, body);
            }
        }
    }
}

//! HTTP requests and responses as plain values: what the sans-IO builders return and the
//! checkers take, so that any transport (the `client` feature's reqwest driver, a test, a
//! caller's own stack) can move the bytes.

/// An HTTP method the Rekor APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

/// Whether sending a request twice can do harm.
///
/// A transport may retry an [`Idempotency::Safe`] request freely. An
/// [`Idempotency::Create`] request may already have been applied when its answer was lost;
/// the transport must not send it again itself, but report the ambiguity so that the caller
/// looks the entry up first (see the create flows in [`crate::v1`] and [`crate::v2`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Resending does no harm: reads, and requests whose repetition only yields another
    /// independent answer of the same kind (a second certificate from a CA, a second
    /// timestamp from a timestamp authority) that the caller may use in place of the lost one.
    Safe,
    /// Appends an entry: resending may append twice or hide the first answer.
    Create,
}

/// A request to make, relative to a service's base URL.
///
/// Its `Debug` form shows header names, the body's length and never their contents: a
/// request may carry a credential (an `Authorization` header, an identity token in a body).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// Path and query, starting with `/` (e.g. `/api/v1/log/entries?logIndex=3`).
    pub path_and_query: String,
    /// Headers to send besides the transport's own (`User-Agent`); without a
    /// `content-type` here, a body is sent as `application/json`.
    pub headers: Vec<(String, String)>,
    /// The body of a `POST` (JSON unless `headers` name another `content-type`).
    pub body: Option<Vec<u8>>,
    /// Whether the request may be resent.
    pub idempotency: Idempotency,
    /// The largest response body the checker will read; a transport stops reading past it.
    pub max_response_bytes: usize,
}

impl HttpRequest {
    /// The value of header `name` in [`HttpRequest::headers`] (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("header_names", &header_names)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("idempotency", &self.idempotency)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// A response as the transport received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers the checkers read, names in lower case: `location` (Rekor v1 names an
    /// existing entry there on 409), `x-log-index` (Rekor v2 names it there on 409),
    /// `retry-after`, `content-type`.
    pub headers: Vec<(String, String)>,
    /// The body, at most the request's `max_response_bytes`.
    pub body: Vec<u8>,
}

/// The headers a transport keeps for the checkers; others are dropped.
pub const KEPT_HEADERS: [&str; 4] = ["location", "x-log-index", "retry-after", "content-type"];

impl HttpResponse {
    /// A response with no headers.
    pub fn new(status: u16, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

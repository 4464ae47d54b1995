//! Requests and answers as plain values: what [`super::RepositoryApi`] builds and
//! the readers in [`super::answers`] take, so that any transport (the `client` feature's
//! reqwest driver, a test, a caller's own stack) can move the bytes.

use url::Url;

/// The HTTP methods the distribution API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// Whether a transport may send a request again after a failure it cannot see the end of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, manifest PUTs (the same bytes under the same name), upload starts (another
    /// session is harmless): resend on a 5xx or a lost connection.
    Safe,
    /// A step of an upload session whose state moved on if the server got it (a `PATCH`, the
    /// closing `PUT`): resend only when no connection was made.
    Once,
}

/// A request to make: an absolute URL, since token realms, upload locations and pagination
/// links all name their own.
///
/// `Debug` shows header names and the body's length, never their values: a request may carry
/// an `Authorization` header or a token request's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Where to send it.
    pub url: Url,
    /// Headers besides the transport's own (`User-Agent`, `Authorization`).
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// Whether it may be resent.
    pub idempotency: Idempotency,
    /// The largest answer body its reader accepts; a transport stops reading past it.
    pub max_response_bytes: u64,
}

impl Request {
    pub(crate) fn new(method: Method, url: Url, max_response_bytes: u64) -> Request {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
            max_response_bytes,
        }
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The value of header `name` (ASCII case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("header_names", &header_names)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("idempotency", &self.idempotency)
            .finish()
    }
}

/// An answer as the transport received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, at most the request's `max_response_bytes` (empty for `HEAD`, and for a blob
    /// the transport streamed elsewhere).
    pub body: Vec<u8>,
}

impl Response {
    /// An answer with no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

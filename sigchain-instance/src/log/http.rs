//! The HTTP face of the logs: the Rekor v1 API subset and the Rekor v2 write API plus the
//! C2SP tlog-tiles read API, answering in exactly the shapes Rekor does, so that Rekor
//! clients (sigstore-python's, sigchain-rekor's) accept them.
//!
//! | route | answer |
//! |---|---|
//! | `POST /api/v1/log/entries` | 201 `{uuid: entry}` + `Location` + `ETag`; 409 + `Location` if logged; 400 with a reason |
//! | `GET /api/v1/log/entries/{uuid}` | 200 `{uuid: entry}` (64- or 80-digit UUID); 404 |
//! | `GET /api/v1/log/entries?logIndex=N` | 200 `{uuid: entry}`; 404 |
//! | `POST /api/v1/log/entries/retrieve` | 200 `[{uuid: entry}, ...]` for `entryUUIDs` / `entries` / `logIndexes` |
//! | `POST /api/v1/index/retrieve` | 200 `[uuid, ...]` for `hash` / `publicKey` |
//! | `GET /api/v1/log` | 200 `LogInfo` |
//! | `GET /api/v1/log/proof?firstSize=&lastSize=` | 200 `ConsistencyProof`; 400 if out of order or past the tree |
//! | `GET /api/v1/log/publicKey` | 200 PEM |
//! | `POST /api/v2/log/entries` | 201 `TransparencyLogEntry`, every field present; 409 + `x-log-index` if logged; 400 |
//! | `GET /api/v2/checkpoint` | 200 the signed note |
//! | `GET /api/v2/tile/{L}/{N}[.p/{W}]`, `GET /api/v2/tile/entries/{N}[.p/{W}]` | 200 bytes; 404 |
//!
//! Every entry an answer carries has an inclusion proof to the log's current signed
//! checkpoint (and, for v1, a signed entry timestamp).
//!
//! Paths are matched after cleaning, as Rekor's router does (`path.Clean`): a trailing slash
//! or a doubled one does not matter. sigstore-python, for one, posts to
//! `/api/v1/log/entries/retrieve/`.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::uri::PathAndQuery;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sigchain_core::bundle::TlogEntry;
use sigchain_core::encoding::base64_decode;
use sigchain_rekor::entry::EntryUuid;
use sigchain_rekor::tiles::TileResource;
use sigchain_rekor::v1::wire;
use tower::ServiceExt as _;

use super::index;
use super::service::{Appended, Log, LogError};
use super::submission::{accept_v1, accept_v2, SubmissionError, MAX_SUBMISSION_BYTES};

/// Most entries one retrieve request may ask for.
pub const MAX_RETRIEVE: usize = 256;
/// Most UUIDs one search answer lists.
pub const MAX_SEARCH_RESULTS: usize = 4096;

/// The Rekor v1 routes of `log` (which must be a v1 log).
pub fn v1_router(log: Log) -> Router {
    Router::new()
        .route("/api/v1/log/entries", post(v1_create).get(v1_by_index))
        .route("/api/v1/log/entries/retrieve", post(v1_retrieve))
        .route("/api/v1/log/entries/{uuid}", get(v1_by_uuid))
        .route("/api/v1/index/retrieve", post(v1_search))
        .route("/api/v1/log", get(v1_log_info))
        .route("/api/v1/log/proof", get(v1_consistency))
        .route("/api/v1/log/publicKey", get(public_key))
        .layer(DefaultBodyLimit::disable())
        .with_state(log)
}

/// The Rekor v2 routes of `log` (which must be a v2 log).
pub fn v2_router(log: Log) -> Router {
    Router::new()
        .route("/api/v2/log/entries", post(v2_create))
        .route("/api/v2/checkpoint", get(v2_checkpoint))
        .route("/api/v2/tile/{*path}", get(v2_tile))
        .layer(DefaultBodyLimit::disable())
        .with_state(log)
}

/// `router` matching paths after cleaning them as Rekor's router does (Go's `path.Clean`:
/// empty and `.` segments dropped, `..` taking the one before it, no trailing slash), so
/// `/api/v1/log/entries/retrieve/` reaches the retrieve route as it does on Rekor.
pub fn with_clean_paths(router: Router) -> Router {
    Router::new().fallback_service(router.map_request(|mut request: Request| {
        if let Some(uri) = clean_uri(request.uri()) {
            *request.uri_mut() = uri;
        }
        request
    }))
}

/// The URI with its path cleaned, or `None` when it already is clean.
fn clean_uri(uri: &Uri) -> Option<Uri> {
    let path = clean_path(uri.path());
    if path == uri.path() {
        return None;
    }
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::from_maybe_shared(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// Go's `path.Clean` for a rooted path.
fn clean_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    format!("/{}", segments.join("/"))
}

/// Rekor's error body, `{"code": N, "message": "..."}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"code": status.as_u16(), "message": message.into()})),
    )
        .into_response()
}

impl IntoResponse for LogError {
    fn into_response(self) -> Response {
        match self {
            LogError::NotFound => error(StatusCode::NOT_FOUND, "entry not found"),
            LogError::BadRequest(reason) => error(StatusCode::BAD_REQUEST, reason),
            LogError::Stopped => error(StatusCode::SERVICE_UNAVAILABLE, self.to_string()),
            other => {
                tracing::error!(error = %other, "log failure");
                error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
}

impl IntoResponse for SubmissionError {
    fn into_response(self) -> Response {
        error(StatusCode::BAD_REQUEST, self.to_string())
    }
}

/// The request body, at most [`MAX_SUBMISSION_BYTES`]: Rekor answers an oversized entry with
/// a 400 and a reason, like any other entry it refuses, so this reads with its own bound
/// rather than the framework's (which would answer 413).
async fn read_body(body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, MAX_SUBMISSION_BYTES)
        .await
        .map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                format!("request is over the {MAX_SUBMISSION_BYTES}-byte limit"),
            )
        })
}

fn entry_location(uuid: &EntryUuid) -> HeaderValue {
    // A UUID is hex: always a valid header value.
    HeaderValue::from_str(&format!("/api/v1/log/entries/{uuid}"))
        .unwrap_or_else(|_| HeaderValue::from_static("/api/v1/log/entries"))
}

/// Rekor's `ETag` on a created entry: the bare entry UUID (unquoted, as Rekor sends it).
fn entry_tag(uuid: &EntryUuid) -> HeaderValue {
    HeaderValue::from_str(&uuid.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn v1_entry_map(log: &Log, index: u64) -> Result<Value, LogError> {
    let (uuid, entry) = log.v1_entry(index)?;
    Ok(json!({ uuid.to_string(): entry }))
}

async fn v1_create(State(log): State<Log>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let accepted = match accept_v1(&body, log.limits()) {
        Ok(accepted) => accepted,
        Err(e) => return e.into_response(),
    };
    let leaf = sigchain_core::tlog::hash_leaf(&accepted.body);
    let uuid = log.uuid(leaf);
    match log.append(accepted).await {
        Ok(Appended::New(index)) => match v1_entry_map(&log, index) {
            Ok(map) => (
                StatusCode::CREATED,
                [
                    (header::LOCATION, entry_location(&uuid)),
                    (header::ETAG, entry_tag(&uuid)),
                ],
                Json(map),
            )
                .into_response(),
            Err(e) => e.into_response(),
        },
        Ok(Appended::Duplicate(_)) => {
            let mut response = error(
                StatusCode::CONFLICT,
                format!(
                    "an equivalent entry already exists in the transparency log with UUID {uuid}"
                ),
            );
            response
                .headers_mut()
                .insert(header::LOCATION, entry_location(&uuid));
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn v1_by_uuid(State(log): State<Log>, Path(uuid): Path<String>) -> Response {
    let Some(uuid) = EntryUuid::parse(&uuid) else {
        return error(StatusCode::BAD_REQUEST, "not an entry UUID");
    };
    match log.find(uuid.leaf_hash()) {
        Some(index) => match v1_entry_map(&log, index) {
            Ok(map) => Json(map).into_response(),
            Err(e) => e.into_response(),
        },
        None => LogError::NotFound.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexQuery {
    log_index: Option<String>,
}

async fn v1_by_index(State(log): State<Log>, Query(query): Query<IndexQuery>) -> Response {
    let Some(index) = query.log_index.and_then(|i| i.parse::<u64>().ok()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "logIndex must be a non-negative integer",
        );
    };
    match v1_entry_map(&log, index) {
        Ok(map) => Json(map).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetrieveQuery {
    #[serde(default, rename = "entryUUIDs")]
    entry_uuids: Vec<String>,
    /// Proposed entries, found by the leaf hash of their canonical body.
    #[serde(default)]
    entries: Vec<Value>,
    #[serde(default)]
    log_indexes: Vec<i64>,
}

async fn v1_retrieve(State(log): State<Log>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Ok(query) = serde_json::from_slice::<RetrieveQuery>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected entryUUIDs, entries and/or logIndexes",
        );
    };
    if query.entry_uuids.len() + query.entries.len() + query.log_indexes.len() > MAX_RETRIEVE {
        return error(
            StatusCode::BAD_REQUEST,
            format!("at most {MAX_RETRIEVE} entries per request"),
        );
    }
    let mut indexes = Vec::new();
    for text in &query.entry_uuids {
        let Some(uuid) = EntryUuid::parse(text) else {
            return error(
                StatusCode::BAD_REQUEST,
                format!("not an entry UUID: {text}"),
            );
        };
        indexes.extend(log.find(uuid.leaf_hash()));
    }
    // Rekor canonicalizes a proposed entry as it would to append it (which checks its
    // signature) and looks its leaf hash up; a proposal it would refuse is a bad request.
    for proposed in &query.entries {
        let accepted = match accept_v1(proposed.to_string().as_bytes(), log.limits()) {
            Ok(accepted) => accepted,
            Err(e) => return e.into_response(),
        };
        indexes.extend(log.find(&sigchain_core::tlog::hash_leaf(&accepted.body)));
    }
    indexes.extend(
        query
            .log_indexes
            .iter()
            .filter_map(|&i| u64::try_from(i).ok()),
    );
    let mut entries = Vec::with_capacity(indexes.len());
    for index in indexes {
        match v1_entry_map(&log, index) {
            Ok(map) => entries.push(map),
            Err(LogError::NotFound) => {}
            Err(e) => return e.into_response(),
        }
    }
    Json(entries).into_response()
}

async fn v1_search(State(log): State<Log>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Ok(query) = serde_json::from_slice::<wire::SearchIndex>(&body) else {
        return error(StatusCode::BAD_REQUEST, "malformed search query");
    };
    let mut sets: Vec<Vec<u64>> = Vec::new();
    if let Some(hash) = &query.hash {
        let Some(key) = index::artifact_key(hash) else {
            return error(
                StatusCode::BAD_REQUEST,
                "hash must be [sha256:|sha384:|sha512:]<hex>",
            );
        };
        sets.push(log.search(&key));
    }
    if let Some(public_key) = &query.public_key {
        let der = public_key
            .content
            .as_deref()
            .and_then(base64_decode)
            .and_then(|pem| String::from_utf8(pem).ok())
            .and_then(|pem| index::pem_der(&pem));
        let Some(der) = der.filter(|_| public_key.format == "x509") else {
            return error(
                StatusCode::BAD_REQUEST,
                "publicKey must be format x509 with base64 PEM content",
            );
        };
        sets.push(log.search(&index::signer_key(&der)));
    }
    if query.email.is_some() {
        return error(StatusCode::BAD_REQUEST, "search by email is not supported");
    }
    let found: Vec<u64> = match query.operator.as_deref() {
        Some("and") => {
            let mut sets = sets.into_iter();
            let first = sets.next().unwrap_or_default();
            let rest: Vec<Vec<u64>> = sets.collect();
            first
                .into_iter()
                .filter(|i| rest.iter().all(|s| s.contains(i)))
                .collect()
        }
        Some("or") | None => {
            let mut all: Vec<u64> = sets.into_iter().flatten().collect();
            all.sort_unstable();
            all.dedup();
            all
        }
        Some(other) => {
            return error(StatusCode::BAD_REQUEST, format!("unknown operator {other}"));
        }
    };
    let mut uuids = Vec::with_capacity(found.len().min(MAX_SEARCH_RESULTS));
    for index in found.into_iter().take(MAX_SEARCH_RESULTS) {
        // Names only: no entry is read or signed for a search.
        match log.uuid_at(index) {
            Ok(uuid) => uuids.push(uuid.to_string()),
            Err(e) => return e.into_response(),
        }
    }
    Json(uuids).into_response()
}

async fn v1_log_info(State(log): State<Log>) -> Response {
    let head = log.head();
    Json(wire::LogInfo {
        root_hash: sigchain_core::encoding::hex_encode(&head.root_hash),
        signed_tree_head: head.note,
        tree_size: i64::try_from(head.tree_size).unwrap_or(i64::MAX),
        tree_id: log.tree_id().unwrap_or(0).to_string(),
        inactive_shards: None,
    })
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProofQuery {
    first_size: Option<String>,
    last_size: Option<String>,
}

async fn v1_consistency(State(log): State<Log>, Query(query): Query<ProofQuery>) -> Response {
    let parse = |v: Option<String>| v.and_then(|v| v.parse::<u64>().ok());
    let (Some(first), Some(last)) = (parse(query.first_size), parse(query.last_size)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "firstSize and lastSize must be non-negative integers",
        );
    };
    match log.consistency(first, last) {
        Ok((hashes, root)) => Json(wire::ConsistencyProof {
            root_hash: sigchain_core::encoding::hex_encode(&root),
            hashes: hashes
                .iter()
                .map(|h| sigchain_core::encoding::hex_encode(h))
                .collect(),
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn public_key(State(log): State<Log>) -> Response {
    let pem = sigchain_core::tlog::canonical::signer_pem(
        &sigchain_core::tlog::SignerMaterial::PublicKey(log.signer().public_key().spki_der()),
    );
    ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response()
}

async fn v2_create(State(log): State<Log>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let accepted = match accept_v2(&body, log.limits()) {
        Ok(accepted) => accepted,
        Err(e) => return e.into_response(),
    };
    match log.append(accepted).await {
        Ok(Appended::New(index)) => match log.tlog_entry(index) {
            Ok(entry) => (StatusCode::CREATED, Json(v2_entry_json(&entry))).into_response(),
            Err(e) => e.into_response(),
        },
        Ok(Appended::Duplicate(index)) => {
            let mut response = error(StatusCode::CONFLICT, "entry already exists");
            if let Ok(value) = HeaderValue::from_str(&index.to_string()) {
                response.headers_mut().insert("x-log-index", value);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

/// A Rekor v2 create answer: the `TransparencyLogEntry` as rekor-tiles' gateway writes it
/// (`EmitUnpopulated`). The core's form ([`TlogEntry::to_json`]) already writes indices,
/// sizes and hashes when zero or empty; rekor-tiles also writes `integratedTime` "0", which
/// clients modelled on its answers (sigstore-python) require, and a bundle leaves out.
fn v2_entry_json(entry: &TlogEntry) -> Value {
    let mut value: Value = serde_json::from_str(&entry.to_json()).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields
            .entry("integratedTime")
            .or_insert_with(|| Value::from("0"));
    }
    value
}

async fn v2_checkpoint(State(log): State<Log>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        log.head().note,
    )
        .into_response()
}

async fn v2_tile(State(log): State<Log>, Path(path): Path<String>) -> Response {
    let resource = match TileResource::parse(&format!("tile/{path}")) {
        Ok(resource) => resource,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let bytes = match resource {
        TileResource::Tile(id) => log.tile(id),
        TileResource::EntryBundle(id) => log.entry_bundle(id),
        TileResource::Checkpoint => return error(StatusCode::NOT_FOUND, "not a tile"),
    };
    match bytes {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_as_go_path_clean_does() {
        for (path, clean) in [
            (
                "/api/v1/log/entries/retrieve/",
                "/api/v1/log/entries/retrieve",
            ),
            (
                "/api/v1/log/entries/retrieve",
                "/api/v1/log/entries/retrieve",
            ),
            ("//api//v1/./log/", "/api/v1/log"),
            ("/api/v1/log/x/../entries", "/api/v1/log/entries"),
            ("/../api/v1/log", "/api/v1/log"),
            ("/api/v2/tile/0/x001/234.p/5", "/api/v2/tile/0/x001/234.p/5"),
            ("/", "/"),
        ] {
            assert_eq!(clean_path(path), clean, "{path}");
        }
        let uri: Uri = "/api/v1/log/entries/?logIndex=3".parse().unwrap();
        assert_eq!(
            clean_uri(&uri).unwrap().to_string(),
            "/api/v1/log/entries?logIndex=3"
        );
        assert!(clean_uri(&"/api/v1/log".parse().unwrap()).is_none());
    }
}

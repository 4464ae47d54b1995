//! Readers of the registry's answers: each takes a [`Response`] (and what was asked) and
//! gives the checked result or a typed error. Nothing here trusts the registry's word for a
//! digest: manifests are hashed, `Docker-Content-Digest` must agree with the bytes.

use oci_spec::image::{Descriptor, ImageIndex};
use serde::Deserialize;
use url::Url;

use super::endpoint::same_origin;
use super::error::{OciErrorEntry, OciErrors};
use super::http::Response;
use super::limits::{MAX_ERROR_ENTRIES, MAX_ERROR_TEXT};
use super::{RegistryError, RegistryLimits};
use crate::layout::{parse_manifest, LayoutLimits, ManifestKind};
use crate::reference::{Digest, DigestAlgorithm, Tag};
use crate::store::{ManifestRef, Referrers, StoredManifest};

/// The header registries name content digests in.
pub const DIGEST_HEADER: &str = "docker-content-digest";

/// The entries of an OCI error body; anything else gives none. At most
/// [`MAX_ERROR_ENTRIES`], texts cut at [`MAX_ERROR_TEXT`] characters.
pub fn oci_errors(body: &[u8]) -> OciErrors {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        errors: Vec<Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let cut = |text: String| -> String {
        text.chars()
            .filter(|c| !c.is_control())
            .take(MAX_ERROR_TEXT)
            .collect()
    };
    match serde_json::from_slice::<Body>(body) {
        Ok(body) => OciErrors(
            body.errors
                .into_iter()
                .take(MAX_ERROR_ENTRIES)
                .map(|e| OciErrorEntry {
                    code: cut(e.code),
                    message: cut(e.message),
                })
                .collect(),
        ),
        Err(_) => OciErrors::default(),
    }
}

/// The error for an answer with a status `what` does not expect.
pub fn unexpected(registry: &str, what: &str, response: &Response) -> RegistryError {
    RegistryError::Status {
        registry: registry.to_owned(),
        what: what.to_owned(),
        status: response.status,
        errors: oci_errors(&response.body),
    }
}

/// The media type of a `Content-Type` value, parameters dropped.
fn media_type_of(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// The `Docker-Content-Digest` header, parsed, if present.
pub fn digest_header(registry: &str, response: &Response) -> Result<Option<Digest>, RegistryError> {
    match response.header(DIGEST_HEADER) {
        None => Ok(None),
        Some(value) => {
            Digest::parse(value.trim())
                .map(Some)
                .map_err(|e| RegistryError::BadHeader {
                    registry: registry.to_owned(),
                    header: "Docker-Content-Digest",
                    problem: e.to_string(),
                })
        }
    }
}

/// A manifest `GET`'s answer: `None` on 404; else the manifest, checked:
/// - by digest, the bytes hash to the digest asked for;
/// - a `Docker-Content-Digest` header names the bytes' digest;
/// - the bytes parse as an OCI or Docker schema 2 manifest or index, of the media type served.
pub fn manifest_answer(
    registry: &str,
    reference: &ManifestRef,
    response: &Response,
    limits: &RegistryLimits,
) -> Result<Option<StoredManifest>, RegistryError> {
    match response.status {
        200 => {}
        404 => return Ok(None),
        _ => {
            return Err(unexpected(
                registry,
                &format!("GET manifest {reference}"),
                response,
            ))
        }
    }
    let bytes = &response.body;
    if bytes.len() as u64 > limits.max_manifest_bytes {
        return Err(RegistryError::TooLarge {
            what: "manifest",
            limit: limits.max_manifest_bytes,
        });
    }
    if let ManifestRef::Digest(expected) = reference {
        if let Err(mismatch) = expected.verify(bytes) {
            return Err(RegistryError::ManifestDigestMismatch {
                registry: registry.to_owned(),
                expected: expected.to_string(),
                computed: mismatch.computed.to_string(),
            });
        }
    }
    if let Some(header) = digest_header(registry, response)? {
        if let Err(mismatch) = header.verify(bytes) {
            return Err(RegistryError::HeaderDigestMismatch {
                registry: registry.to_owned(),
                header: header.to_string(),
                computed: mismatch.computed.to_string(),
            });
        }
    }
    let served = response.header("content-type").map(media_type_of);
    let layout_limits = LayoutLimits {
        max_manifest_bytes: limits.max_manifest_bytes,
        ..LayoutLimits::default()
    };
    // A served type that names a manifest kind must agree with the document; any other
    // (`application/json`, none) leaves the document's own `mediaType` to decide.
    let expected_type = served
        .filter(|t| ManifestKind::from_media_type(t).is_some())
        .map(oci_spec::image::MediaType::from);
    let parsed = parse_manifest(bytes, expected_type.as_ref(), &layout_limits)?;
    let media_type = parsed.kind().media_type().to_string();
    let algorithm = match reference {
        ManifestRef::Digest(digest) => digest.algorithm(),
        ManifestRef::Tag(_) => DigestAlgorithm::Sha256,
    };
    Ok(Some(StoredManifest {
        digest: Digest::of(algorithm, bytes),
        media_type,
        bytes: bytes.clone(),
    }))
}

/// What a manifest `HEAD` says: the digest, media type and size the registry names. None of
/// it is checked (there are no bytes to hash): use it to learn whether a manifest exists or
/// has changed, never as the digest to sign or verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHead {
    /// `Docker-Content-Digest`, if sent.
    pub digest: Option<Digest>,
    /// The media type served, parameters dropped.
    pub media_type: Option<String>,
    /// `Content-Length`, if sent.
    pub size: Option<u64>,
}

/// A manifest `HEAD`'s answer: `None` on 404.
pub fn manifest_head_answer(
    registry: &str,
    reference: &ManifestRef,
    response: &Response,
) -> Result<Option<ManifestHead>, RegistryError> {
    match response.status {
        200 => {}
        404 => return Ok(None),
        _ => {
            return Err(unexpected(
                registry,
                &format!("HEAD manifest {reference}"),
                response,
            ))
        }
    }
    let digest = digest_header(registry, response)?;
    if let (ManifestRef::Digest(asked), Some(named)) = (reference, &digest) {
        if asked != named {
            return Err(RegistryError::HeaderDigestMismatch {
                registry: registry.to_owned(),
                header: named.to_string(),
                computed: asked.to_string(),
            });
        }
    }
    Ok(Some(ManifestHead {
        digest,
        media_type: response
            .header("content-type")
            .map(|t| media_type_of(t).to_owned()),
        size: response
            .header("content-length")
            .and_then(|v| v.trim().parse().ok()),
    }))
}

/// A blob `HEAD`'s answer: whether the repository has it.
pub fn blob_exists(
    registry: &str,
    digest: &Digest,
    response: &Response,
) -> Result<bool, RegistryError> {
    match response.status {
        200 => Ok(true),
        404 => Ok(false),
        _ => Err(unexpected(
            registry,
            &format!("HEAD blob {digest}"),
            response,
        )),
    }
}

/// The `Location` of an upload answer, resolved against the request's URL.
fn location(registry: &str, request_url: &Url, response: &Response) -> Result<Url, RegistryError> {
    let bad = |problem: &str| RegistryError::BadHeader {
        registry: registry.to_owned(),
        header: "Location",
        problem: problem.to_owned(),
    };
    let value = response.header("location").ok_or_else(|| bad("missing"))?;
    if value.len() > 8 * 1024 {
        return Err(bad("too long"));
    }
    let url = request_url
        .join(value.trim())
        .map_err(|_| bad("not a URL"))?;
    if url.fragment().is_some() || !matches!(url.scheme(), "http" | "https") {
        return Err(bad("not an http(s) URL without fragment"));
    }
    Ok(url)
}

/// How an upload start (or a mount request) was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadStart {
    /// A session is open at this URL.
    Session(Url),
    /// The blob was mounted from the other repository (201): nothing to upload.
    Mounted,
}

/// The answer to [`super::RepositoryApi::start_upload`] or
/// [`super::RepositoryApi::mount_blob`]: 202 with the session's `Location`, or 201 for a
/// mount done.
pub fn upload_started(
    registry: &str,
    request_url: &Url,
    response: &Response,
) -> Result<UploadStart, RegistryError> {
    match response.status {
        201 => Ok(UploadStart::Mounted),
        202 => location(registry, request_url, response).map(UploadStart::Session),
        _ => Err(unexpected(registry, "POST blob upload", response)),
    }
}

/// The answer to a chunk (`PATCH`): 202 with the session's next `Location`. A `Range`
/// header, when sent, must say the registry has exactly `0-end`.
pub fn chunk_accepted(
    registry: &str,
    request_url: &Url,
    response: &Response,
    end: u64,
) -> Result<Url, RegistryError> {
    if response.status != 202 {
        return Err(unexpected(registry, "PATCH blob chunk", response));
    }
    if let Some(range) = response.header("range") {
        let range = range.trim().trim_start_matches("bytes=");
        let has = range.split_once('-').and_then(|(start, last)| {
            Some((start.parse::<u64>().ok()?, last.parse::<u64>().ok()?))
        });
        if has != Some((0, end)) {
            return Err(RegistryError::BadHeader {
                registry: registry.to_owned(),
                header: "Range",
                problem: format!("the registry has {range:?}, 0-{end} was sent"),
            });
        }
    }
    location(registry, request_url, response)
}

/// The answer to the `PUT` that closes an upload: 201, and a `Docker-Content-Digest`, when
/// sent, naming the digest uploaded.
pub fn upload_finished(
    registry: &str,
    digest: &Digest,
    response: &Response,
) -> Result<(), RegistryError> {
    created(registry, "blob", digest, response)
}

/// The answer to a manifest `PUT`: 201, and a `Docker-Content-Digest`, when sent, naming the
/// digest of the bytes sent.
pub fn manifest_stored(
    registry: &str,
    digest: &Digest,
    response: &Response,
) -> Result<(), RegistryError> {
    created(registry, "manifest", digest, response)
}

/// A `PUT` of a blob or manifest answered 201, naming (if at all) the digest that was sent.
fn created(
    registry: &str,
    what: &str,
    digest: &Digest,
    response: &Response,
) -> Result<(), RegistryError> {
    if response.status != 201 {
        return Err(unexpected(
            registry,
            &format!("PUT {what} {digest}"),
            response,
        ));
    }
    agrees(registry, digest, response)
}

fn agrees(registry: &str, digest: &Digest, response: &Response) -> Result<(), RegistryError> {
    match digest_header(registry, response)? {
        Some(header) if header != *digest => Err(RegistryError::HeaderDigestMismatch {
            registry: registry.to_owned(),
            header: header.to_string(),
            computed: digest.to_string(),
        }),
        _ => Ok(()),
    }
}

/// One page of a tag list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagsPage {
    /// The tags on this page.
    pub tags: Vec<Tag>,
    /// The next page, from the `Link` header (same origin as the request).
    pub next: Option<Url>,
}

/// A tag list page: 200 with `{"name":…,"tags":[…]}` (`tags` may be null), and the next
/// page from `Link: <…>; rel="next"`. A missing repository (404) is an empty list.
pub fn tags_page(
    registry: &str,
    request_url: &Url,
    response: &Response,
    limits: &RegistryLimits,
) -> Result<TagsPage, RegistryError> {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        tags: Option<Vec<String>>,
    }
    match response.status {
        200 => {}
        404 => {
            return Ok(TagsPage {
                tags: Vec::new(),
                next: None,
            })
        }
        _ => return Err(unexpected(registry, "GET tags/list", response)),
    }
    if response.body.len() as u64 > limits.max_json_bytes {
        return Err(RegistryError::TooLarge {
            what: "tag list",
            limit: limits.max_json_bytes,
        });
    }
    let body: Body = serde_json::from_slice(&response.body).map_err(|e| RegistryError::Json {
        what: "tag list",
        reason: e.to_string(),
    })?;
    let tags = body
        .tags
        .unwrap_or_default()
        .iter()
        .map(|t| {
            Tag::parse(t).map_err(|_| RegistryError::Json {
                what: "tag list",
                reason: format!("{:?} is not a tag", t.chars().take(140).collect::<String>()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let next = match response.header("link") {
        None => None,
        Some(link) => next_link(link, request_url, limits.max_header_bytes).map_err(|problem| {
            RegistryError::BadHeader {
                registry: registry.to_owned(),
                header: "Link",
                problem: problem.to_owned(),
            }
        })?,
    };
    Ok(TagsPage { tags, next })
}

/// The `rel="next"` target of a `Link` header (RFC 8288), resolved against `base`; it must
/// stay on `base`'s origin (a registry may not send the client, and its token, elsewhere).
///
/// ```
/// use sigchain_oci::registry::answers::next_link;
/// let base = url::Url::parse("http://127.0.0.1:5000/v2/app/tags/list?n=2").unwrap();
/// let next = next_link(r#"</v2/app/tags/list?n=2&last=b>; rel="next""#, &base, 8192).unwrap();
/// assert_eq!(next.unwrap().as_str(), "http://127.0.0.1:5000/v2/app/tags/list?n=2&last=b");
/// assert!(next_link(r#"<http://elsewhere.example/x>; rel="next""#, &base, 8192).is_err());
/// ```
pub fn next_link(header: &str, base: &Url, max_len: usize) -> Result<Option<Url>, &'static str> {
    if header.len() > max_len {
        return Err("too long");
    }
    let mut rest = header.trim();
    while !rest.is_empty() {
        let Some(open) = rest.strip_prefix('<') else {
            return Err("a link does not start with '<'");
        };
        let (target, after) = open.split_once('>').ok_or("unterminated '<'")?;
        // Parameters run to the next comma outside quotes.
        let mut in_quotes = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quotes = !in_quotes;
                }
                c == ',' && !in_quotes
            })
            .map(|(i, _)| i)
            .unwrap_or(after.len());
        let params = &after[..end];
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        if is_next {
            let url = base
                .join(target.trim())
                .map_err(|_| "the next link is not a URL")?;
            if !same_origin(&url, base) {
                return Err("the next link leaves the registry");
            }
            return Ok(Some(url));
        }
        rest = after[end..].trim_start_matches(',').trim_start();
    }
    Ok(None)
}

/// A referrers answer: 404 means the registry has no referrers API
/// ([`Referrers::Unsupported`]); 200 is an image index whose descriptors are returned
/// de-duplicated by digest and, when `artifact_type` is given, only of that type (a registry
/// may ignore the filter).
pub fn referrers_answer(
    registry: &str,
    response: &Response,
    artifact_type: Option<&str>,
    limits: &RegistryLimits,
) -> Result<Referrers, RegistryError> {
    match response.status {
        200 => {}
        404 => return Ok(Referrers::Unsupported),
        _ => return Err(unexpected(registry, "GET referrers", response)),
    }
    if response.body.len() as u64 > limits.max_json_bytes {
        return Err(RegistryError::TooLarge {
            what: "referrers index",
            limit: limits.max_json_bytes,
        });
    }
    let index: ImageIndex =
        serde_json::from_slice(&response.body).map_err(|e| RegistryError::Json {
            what: "referrers index",
            reason: e.to_string(),
        })?;
    if index.manifests().len() > limits.max_referrers {
        return Err(RegistryError::TooLarge {
            what: "referrers index (descriptors)",
            limit: limits.max_referrers as u64,
        });
    }
    let mut found: Vec<Descriptor> = Vec::new();
    for descriptor in index.manifests() {
        if found
            .iter()
            .any(|seen| seen.digest() == descriptor.digest())
        {
            continue;
        }
        let kind = descriptor.artifact_type().as_ref().map(|t| t.to_string());
        if artifact_type.is_some_and(|wanted| kind.as_deref() != Some(wanted)) {
            continue;
        }
        Digest::parse(descriptor.digest().as_ref()).map_err(|e| RegistryError::Json {
            what: "referrers index",
            reason: format!("descriptor digest: {e}"),
        })?;
        found.push(descriptor.clone());
    }
    Ok(Referrers::Listed(found))
}

use oci_spec::image::{Descriptor, ImageIndex, MediaType};
use proptest::prelude::*;
use url::Url;

use super::answers::*;
use super::http::{Idempotency, Method, Response};
use super::*;
use crate::reference::{Digest, Reference, Tag};
use crate::store::{ManifestRef, Referrers};

const IMAGE: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
const INDEX: &str =
    r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn api() -> RepositoryApi {
    let image = Reference::parse("127.0.0.1:5000/team/app:v1").unwrap();
    RepositoryApi::new(&image, &[], RegistryLimits::default()).unwrap()
}

fn limits() -> RegistryLimits {
    RegistryLimits::default()
}

fn by_tag() -> ManifestRef {
    ManifestRef::Tag(Tag::parse("v1").unwrap())
}

fn ok(body: &str) -> Response {
    Response::new(200, body.as_bytes().to_vec()).with_header("content-type", OCI_MANIFEST)
}

#[test]
fn manifests_are_checked_against_the_digest_asked_for_and_the_header() {
    let digest = Digest::sha256_of(IMAGE.as_bytes());
    let by_digest = ManifestRef::Digest(digest.clone());
    let got = manifest_answer("r", &by_digest, &ok(IMAGE), &limits())
        .unwrap()
        .unwrap();
    assert_eq!(got.digest, digest);
    assert_eq!(got.media_type, OCI_MANIFEST);

    let other = ManifestRef::Digest(Digest::sha256_of(b"other"));
    assert!(matches!(
        manifest_answer("r", &other, &ok(IMAGE), &limits()),
        Err(RegistryError::ManifestDigestMismatch { .. })
    ));

    let agreeing = ok(IMAGE).with_header(DIGEST_HEADER, &digest.to_string());
    assert!(manifest_answer("r", &by_tag(), &agreeing, &limits()).is_ok());
    let lying = ok(IMAGE).with_header(DIGEST_HEADER, &Digest::sha256_of(b"x").to_string());
    assert!(matches!(
        manifest_answer("r", &by_tag(), &lying, &limits()),
        Err(RegistryError::HeaderDigestMismatch { .. })
    ));
    let garbled = ok(IMAGE).with_header(DIGEST_HEADER, "sha256:nothex");
    assert!(matches!(
        manifest_answer("r", &by_tag(), &garbled, &limits()),
        Err(RegistryError::BadHeader { .. })
    ));
}

#[test]
fn manifest_answers_other_than_a_manifest() {
    assert!(
        manifest_answer("r", &by_tag(), &Response::new(404, Vec::new()), &limits())
            .unwrap()
            .is_none()
    );
    let denied = Response::new(
        403,
        br#"{"errors":[{"code":"DENIED","message":"no"},{"code":"X","message":"y"}]}"#.to_vec(),
    );
    let err = manifest_answer("r", &by_tag(), &denied, &limits()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "r: GET manifest v1 answered 403 (DENIED: no; X: y)"
    );
    // The served type says index, the body is an image manifest.
    let confused = Response::new(200, IMAGE.as_bytes().to_vec())
        .with_header("content-type", "application/vnd.oci.image.index.v1+json");
    assert!(matches!(
        manifest_answer("r", &by_tag(), &confused, &limits()),
        Err(RegistryError::Manifest(_))
    ));
    // A type that names no manifest leaves the document to say.
    let json = Response::new(200, INDEX.as_bytes().to_vec())
        .with_header("content-type", "application/json; charset=utf-8");
    let got = manifest_answer("r", &by_tag(), &json, &limits())
        .unwrap()
        .unwrap();
    assert_eq!(got.media_type, "application/vnd.oci.image.index.v1+json");
    assert!(matches!(
        manifest_answer("r", &by_tag(), &ok("not json"), &limits()),
        Err(RegistryError::Manifest(_))
    ));
    let small = RegistryLimits {
        max_manifest_bytes: 10,
        ..limits()
    };
    assert!(matches!(
        manifest_answer("r", &by_tag(), &ok(IMAGE), &small),
        Err(RegistryError::TooLarge { .. })
    ));
}

#[test]
fn manifest_heads_are_read_not_trusted() {
    let digest = Digest::sha256_of(IMAGE.as_bytes());
    let head = Response::new(200, Vec::new())
        .with_header("content-type", OCI_MANIFEST)
        .with_header("content-length", "42")
        .with_header(DIGEST_HEADER, &digest.to_string());
    let got = manifest_head_answer("r", &by_tag(), &head)
        .unwrap()
        .unwrap();
    assert_eq!(got.digest, Some(digest.clone()));
    assert_eq!(got.size, Some(42));
    assert!(manifest_head_answer("r", &ManifestRef::Digest(digest), &head).is_ok());
    let other = ManifestRef::Digest(Digest::sha256_of(b"other"));
    assert!(matches!(
        manifest_head_answer("r", &other, &head),
        Err(RegistryError::HeaderDigestMismatch { .. })
    ));
    assert!(
        manifest_head_answer("r", &by_tag(), &Response::new(404, Vec::new()))
            .unwrap()
            .is_none()
    );
}

#[test]
fn error_bodies_are_bounded() {
    let many: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"code":"C{i}","message":"{}"}}"#, "m".repeat(2000)))
        .collect();
    let body = format!(r#"{{"errors":[{}]}}"#, many.join(","));
    let errors = oci_errors(body.as_bytes());
    assert_eq!(errors.0.len(), MAX_ERROR_ENTRIES);
    assert!(errors
        .0
        .iter()
        .all(|e| e.message.chars().count() == MAX_ERROR_TEXT));
    assert!(oci_errors(b"<html>").0.is_empty());
    assert!(oci_errors(br#"{"errors":[{"code":"A\u0007\n","message":"b"}]}"#).0[0].code == "A");
}

#[test]
fn request_shapes() {
    let api = api();
    let digest = Digest::sha256_of(b"blob");
    let get = api.get_blob(&digest);
    assert_eq!(get.url.path(), format!("/v2/team/app/blobs/{digest}"));
    assert_eq!(get.max_response_bytes, limits().max_blob_bytes);
    assert_eq!(api.head_manifest(&by_tag()).method, Method::Head);
    assert_eq!(api.api_check().url.as_str(), "http://127.0.0.1:5000/v2/");

    let from = Reference::parse("127.0.0.1:5000/team/base:v1").unwrap();
    let mount = api.mount_blob(&digest, &from);
    assert_eq!(mount.method, Method::Post);
    assert_eq!(
        mount.url.query(),
        Some(format!("mount=sha256%3A{}&from=team%2Fbase", digest.hex()).as_str())
    );

    let location =
        Url::parse("http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1?_state=abc").unwrap();
    let chunk = api.upload_chunk(&location, 100, vec![0; 50]);
    assert_eq!(chunk.header_value("content-range"), Some("100-149"));
    assert_eq!(chunk.idempotency, Idempotency::Once);
    let finish = api.finish_upload(&location, &digest, Vec::new());
    assert_eq!(finish.method, Method::Put);
    assert_eq!(
        finish.url.query(),
        Some(format!("_state=abc&digest=sha256%3A{}", digest.hex()).as_str())
    );

    let put = api.put_manifest(&by_tag(), OCI_MANIFEST, IMAGE.as_bytes().to_vec());
    assert_eq!(put.header_value("content-type"), Some(OCI_MANIFEST));
    assert_eq!(put.idempotency, Idempotency::Safe);
    assert_eq!(api.list_tags(Some(2)).url.query(), Some("n=2"));
    assert!(!format!("{put:?}").contains("schemaVersion"));
}

#[test]
fn the_artifact_type_is_percent_encoded() {
    let subject = Digest::sha256_of(b"image");
    let request = api().referrers(
        &subject,
        Some("application/vnd.dev.sigstore.bundle.v0.3+json"),
    );
    assert_eq!(
        request.url.query(),
        Some("artifactType=application%2Fvnd.dev.sigstore.bundle.v0.3%2Bjson")
    );
    assert!(!request.url.as_str().contains('+'));
    assert_eq!(api().referrers(&subject, None).url.query(), None);
}

#[test]
fn upload_answers() {
    let request_url = Url::parse("http://127.0.0.1:5000/v2/team/app/blobs/uploads/").unwrap();
    let started = Response::new(202, Vec::new())
        .with_header("location", "/v2/team/app/blobs/uploads/u1?_state=s");
    assert_eq!(
        upload_started("r", &request_url, &started).unwrap(),
        UploadStart::Session(
            Url::parse("http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1?_state=s").unwrap()
        )
    );
    assert_eq!(
        upload_started("r", &request_url, &Response::new(201, Vec::new())).unwrap(),
        UploadStart::Mounted
    );
    assert!(matches!(
        upload_started("r", &request_url, &Response::new(202, Vec::new())),
        Err(RegistryError::BadHeader {
            header: "Location",
            ..
        })
    ));
    assert!(matches!(
        upload_started("r", &request_url, &Response::new(405, Vec::new())),
        Err(RegistryError::Status { status: 405, .. })
    ));
    let chunk = |range: &str| {
        Response::new(202, Vec::new())
            .with_header("location", "/u2")
            .with_header("range", range)
    };
    assert!(chunk_accepted("r", &request_url, &chunk("0-99"), 99).is_ok());
    assert!(chunk_accepted("r", &request_url, &chunk("bytes=0-99"), 99).is_ok());
    assert!(matches!(
        chunk_accepted("r", &request_url, &chunk("0-49"), 99),
        Err(RegistryError::BadHeader {
            header: "Range",
            ..
        })
    ));
    let digest = Digest::sha256_of(b"blob");
    let done = Response::new(201, Vec::new()).with_header(DIGEST_HEADER, &digest.to_string());
    assert!(upload_finished("r", &digest, &done).is_ok());
    let other = Digest::sha256_of(b"other");
    assert!(matches!(
        upload_finished("r", &other, &done),
        Err(RegistryError::HeaderDigestMismatch { .. })
    ));
    assert!(manifest_stored("r", &digest, &Response::new(400, Vec::new())).is_err());
    assert!(blob_exists("r", &digest, &Response::new(200, Vec::new())).unwrap());
    assert!(!blob_exists("r", &digest, &Response::new(404, Vec::new())).unwrap());
    assert!(blob_exists("r", &digest, &Response::new(500, Vec::new())).is_err());
}

#[test]
fn link_headers() {
    let base = Url::parse("https://r.example/v2/app/tags/list?n=2").unwrap();
    let next = |header: &str| next_link(header, &base, 8192);
    assert_eq!(
        next(r#"</v2/app/tags/list?n=2&last=b>; rel="next""#)
            .unwrap()
            .unwrap()
            .as_str(),
        "https://r.example/v2/app/tags/list?n=2&last=b"
    );
    assert_eq!(
        next(r#"<https://r.example/p>; rel="prev", <https://r.example/n>; title="a, b"; rel="other next""#)
            .unwrap()
            .unwrap()
            .as_str(),
        "https://r.example/n"
    );
    assert_eq!(next(r#"</p>; rel="prev""#).unwrap(), None);
    assert!(next(r#"<https://elsewhere.example/n>; rel="next""#).is_err());
    assert!(next(r#"<http://r.example/n>; rel="next""#).is_err());
    assert!(next("garbage").is_err());
    assert!(next("<unterminated").is_err());
    assert!(next_link(&"a".repeat(100), &base, 10).is_err());
}

#[test]
fn tag_pages() {
    let url = Url::parse("http://127.0.0.1:5000/v2/app/tags/list").unwrap();
    let page = tags_page(
        "r",
        &url,
        &Response::new(200, br#"{"name":"app","tags":["a","b"]}"#.to_vec())
            .with_header("link", r#"</v2/app/tags/list?last=b&n=2>; rel="next""#),
        &limits(),
    )
    .unwrap();
    assert_eq!(page.tags.len(), 2);
    assert_eq!(page.next.unwrap().query(), Some("last=b&n=2"));
    let empty = tags_page(
        "r",
        &url,
        &Response::new(200, br#"{"name":"app","tags":null}"#.to_vec()),
        &limits(),
    )
    .unwrap();
    assert!(empty.tags.is_empty() && empty.next.is_none());
    assert!(
        tags_page("r", &url, &Response::new(404, Vec::new()), &limits())
            .unwrap()
            .tags
            .is_empty()
    );
    assert!(matches!(
        tags_page(
            "r",
            &url,
            &Response::new(200, br#"{"tags":["../x"]}"#.to_vec()),
            &limits()
        ),
        Err(RegistryError::Json { .. })
    ));
}

fn descriptor(content: &[u8], artifact_type: Option<&str>) -> Descriptor {
    let mut d = crate::layout::descriptor_for(MediaType::ImageManifest, content);
    d.set_artifact_type(artifact_type.map(MediaType::from));
    d
}

#[test]
fn referrers_are_deduplicated_and_filtered() {
    let bundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
    let a = descriptor(b"a", Some(bundle));
    let b = descriptor(b"b", Some("application/spdx+json"));
    let mut index = ImageIndex::default();
    index.set_manifests(vec![a.clone(), b.clone(), a.clone()]);
    let response = Response::new(200, serde_json::to_vec(&index).unwrap());
    assert_eq!(
        referrers_answer("r", &response, None, &limits()).unwrap(),
        Referrers::Listed(vec![a.clone(), b])
    );
    assert_eq!(
        referrers_answer("r", &response, Some(bundle), &limits()).unwrap(),
        Referrers::Listed(vec![a])
    );
    assert_eq!(
        referrers_answer("r", &Response::new(404, Vec::new()), None, &limits()).unwrap(),
        Referrers::Unsupported
    );
    assert!(referrers_answer("r", &Response::new(500, Vec::new()), None, &limits()).is_err());
    assert!(referrers_answer("r", &Response::new(200, b"[]".to_vec()), None, &limits()).is_err());
}

#[test]
fn platforms_parse_and_select() {
    for bad in [
        "",
        "linux",
        "linux/",
        "/amd64",
        "linux/amd64/v8/x",
        "linux/am d64",
    ] {
        assert!(Platform::parse(bad).is_err(), "{bad:?}");
    }
    let entry = |content: &[u8], platform: &str, media_type: MediaType| {
        let p = Platform::parse(platform).unwrap();
        let mut d = crate::layout::descriptor_for(media_type, content);
        let mut builder = oci_spec::image::PlatformBuilder::default()
            .os(p.os.as_str())
            .architecture(p.architecture.as_str());
        if let Some(v) = &p.variant {
            builder = builder.variant(v.clone());
        }
        d.set_platform(Some(builder.build().unwrap()));
        d
    };
    let mut index = ImageIndex::default();
    index.set_manifests(vec![
        entry(b"nested", "linux/amd64", MediaType::ImageIndex),
        entry(b"amd", "linux/amd64", MediaType::ImageManifest),
        entry(b"arm64", "linux/arm64", MediaType::ImageManifest),
        entry(b"armv7", "linux/arm/v7", MediaType::ImageManifest),
        entry(
            b"docker",
            "linux/ppc64le",
            MediaType::Other(crate::layout::DOCKER_MANIFEST_V2.to_owned()),
        ),
        entry(
            b"unknown",
            "linux/s390x",
            MediaType::Other("text/plain".to_owned()),
        ),
    ]);
    let pick = |p: &str| {
        select_manifest(&index, &Platform::parse(p).unwrap()).map(|d| d.digest().to_string())
    };
    let digest = |c: &[u8]| Digest::sha256_of(c).to_string();
    assert_eq!(pick("linux/amd64").unwrap(), digest(b"amd"));
    // An arm64 entry without a variant is v8.
    assert_eq!(pick("linux/arm64/v8").unwrap(), digest(b"arm64"));
    assert_eq!(pick("linux/arm/v7").unwrap(), digest(b"armv7"));
    assert_eq!(pick("linux/arm").unwrap(), digest(b"armv7"));
    // Docker schema 2 manifests are chosen like OCI ones; entries of no manifest type never.
    assert_eq!(pick("linux/ppc64le").unwrap(), digest(b"docker"));
    assert!(pick("linux/s390x").is_err());
    let err = pick("linux/arm/v6").unwrap_err();
    assert!(err.to_string().contains("linux/arm/v7"), "{err}");
}

#[test]
fn blobs_are_checked_while_they_stream() {
    let digest = Digest::sha256_of(b"0123456789");
    let mut over = BlobCheck::new(&digest, Some(5), 100);
    assert!(matches!(
        over.update(b"0123456789"),
        Err(RegistryError::BlobSizeMismatch { .. })
    ));
    let mut limited = BlobCheck::new(&digest, None, 4);
    assert!(matches!(
        limited.update(b"01234"),
        Err(RegistryError::TooLarge { .. })
    ));
    let mut short = BlobCheck::new(&digest, Some(10), 100);
    short.update(b"01234").unwrap();
    assert!(matches!(
        short.finish(),
        Err(RegistryError::BlobSizeMismatch { .. })
    ));
    let mut wrong = BlobCheck::new(&digest, None, 100);
    wrong.update(b"0123456788").unwrap();
    assert!(matches!(
        wrong.finish(),
        Err(RegistryError::BlobDigestMismatch { .. })
    ));
    let sha512 = Digest::of(crate::reference::DigestAlgorithm::Sha512, b"abc");
    let mut check = BlobCheck::new(&sha512, Some(3), 100);
    check.update(b"a").unwrap();
    check.update(b"bc").unwrap();
    check.finish().unwrap();
}

proptest! {
    #[test]
    fn answers_never_panic(
        status in prop_oneof![Just(200u16), Just(201), Just(202), Just(404), 100u16..600],
        body in proptest::collection::vec(any::<u8>(), 0..300),
        header in "\\PC{0,80}",
    ) {
        let url = Url::parse("http://127.0.0.1:5000/v2/app/tags/list").unwrap();
        let response = Response::new(status, body)
            .with_header("content-type", &header)
            .with_header(DIGEST_HEADER, &header)
            .with_header("link", &header)
            .with_header("location", &header)
            .with_header("range", &header);
        let digest = Digest::sha256_of(b"x");
        let _ = manifest_answer("r", &by_tag(), &response, &limits());
        let _ = manifest_answer("r", &ManifestRef::Digest(digest.clone()), &response, &limits());
        let _ = tags_page("r", &url, &response, &limits());
        let _ = referrers_answer("r", &response, Some("a+b"), &limits());
        let _ = upload_started("r", &url, &response);
        let _ = chunk_accepted("r", &url, &response, 10);
        let _ = upload_finished("r", &digest, &response);
        let _ = oci_errors(&response.body);
        let _ = next_link(&header, &url, 8192);
        let _ = Platform::parse(&header);
    }

    #[test]
    fn links_never_leave_the_origin(target in "[a-z0-9:/._?=&-]{0,40}") {
        let base = Url::parse("https://r.example/v2/app/tags/list").unwrap();
        if let Ok(Some(url)) = next_link(&format!(r#"<{target}>; rel="next""#), &base, 8192) {
            prop_assert!(endpoint::same_origin(&url, &base));
        }
    }

    #[test]
    fn platforms_round_trip(os in "[a-z0-9]{1,10}", arch in "[a-z0-9_]{1,10}", variant in proptest::option::of("[a-z0-9]{1,5}")) {
        let text = match &variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        };
        let parsed = Platform::parse(&text).unwrap();
        prop_assert_eq!(parsed.to_string(), text);
    }
}

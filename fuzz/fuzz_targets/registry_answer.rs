//! Registry and token-endpoint answers: every reader of `sigchain_oci::registry::answers`
//! (manifests by tag and by digest, tag pages with their `Link`, referrers, upload answers,
//! OCI error bodies), `auth::token::token_answer`, `answer_challenge` and `Platform::parse`
//! never panic; an accepted manifest fetched by digest hashes to it, a next page stays on the
//! registry, accepted referrers are unique by digest and of the type asked for.
//!
//! Input: a selector byte, a status byte, header text up to the first NUL, then the body.
#![no_main]

use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use sigchain_oci::auth::token::{answer_challenge, token_answer, Scope};
use sigchain_oci::reference::{Digest, Reference, Tag};
use sigchain_oci::registry::answers::*;
use sigchain_oci::registry::http::Response;
use sigchain_oci::registry::{endpoint, Platform, RegistryLimits, RepositoryApi};
use sigchain_oci::store::{ManifestRef, Referrers};

const STATUSES: [u16; 8] = [200, 201, 202, 401, 403, 404, 500, 307];

fuzz_target!(|data: &[u8]| {
    let [selector, status, rest @ ..] = data else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let Ok(header) = std::str::from_utf8(&rest[..split]) else {
        return;
    };
    let body = rest.get(split + 1..).unwrap_or_default().to_vec();
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    let response = Response::new(status, body.clone())
        .with_header("content-type", header)
        .with_header("docker-content-digest", header)
        .with_header("link", header)
        .with_header("location", header)
        .with_header("range", header)
        .with_header("www-authenticate", header);
    let limits = RegistryLimits::default();
    let image = Reference::parse("127.0.0.1:5000/fuzz/app:v1").unwrap();
    let api = RepositoryApi::new(&image, &[], limits).unwrap();
    let url = api.list_tags(None).url;
    match selector % 6 {
        0 => {
            let tag = ManifestRef::Tag(Tag::parse("v1").unwrap());
            let _ = manifest_answer("r", &tag, &response, &limits);
            // By the digest of the body itself, and by another.
            for digest in [Digest::sha256_of(&body), Digest::sha256_of(b"other")] {
                let by_digest = ManifestRef::Digest(digest.clone());
                if let Ok(Some(manifest)) = manifest_answer("r", &by_digest, &response, &limits) {
                    assert!(digest.verify(&manifest.bytes).is_ok());
                }
            }
        }
        1 => {
            if let Ok(page) = tags_page("r", &url, &response, &limits) {
                if let Some(next) = page.next {
                    assert!(endpoint::same_origin(&next, &url));
                }
            }
        }
        2 => {
            let wanted = (!header.is_empty()).then_some(header);
            if let Ok(Referrers::Listed(found)) = referrers_answer("r", &response, wanted, &limits) {
                for (i, d) in found.iter().enumerate() {
                    assert!(found[..i].iter().all(|e| e.digest() != d.digest()));
                    if let Some(wanted) = wanted {
                        assert_eq!(d.artifact_type().as_ref().map(|t| t.to_string()).as_deref(), Some(wanted));
                    }
                }
            }
        }
        3 => {
            let digest = Digest::sha256_of(b"blob");
            let _ = upload_started("r", &url, &response);
            let _ = chunk_accepted("r", &url, &response, 99);
            let _ = upload_finished("r", &digest, &response);
            let _ = manifest_stored("r", &digest, &response);
            let _ = oci_errors(&body);
        }
        4 => {
            let _ = token_answer("r", "realm", &response, SystemTime::UNIX_EPOCH);
            let _ = answer_challenge("r", &response, &[Scope::pull("fuzz/app")], None, 1024);
        }
        _ => {
            let _ = next_link(header, &url, 8192);
            if let Ok(platform) = Platform::parse(header) {
                assert_eq!(Platform::parse(&platform.to_string()).ok(), Some(platform));
            }
        }
    }
});

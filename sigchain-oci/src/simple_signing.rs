//! cosign's signature payload for container images ("simple signing"): the JSON a `.sig`
//! layer holds and its signature covers,
//! `{"critical":{"identity":{"docker-reference":NAME},"image":{"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},"optional":ANNOTATIONS|null}`.
//! What binds a signature to an image is the manifest digest inside the signed payload, never
//! the tag the payload is stored under.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::reference::{Digest, DigestError, Reference};

/// The `critical.type` of a cosign image signature.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";
/// Largest payload parsed (cosign's are a few hundred bytes; annotations may add some).
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

#[derive(Serialize, Deserialize)]
struct Wire {
    critical: Critical,
    optional: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Serialize, Deserialize)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Serialize, Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// A parsed payload: still unverified, it only says what its signer claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleSigning {
    /// `critical.identity.docker-reference`: the repository the signer named.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`: the manifest the signature is for.
    pub manifest_digest: Digest,
    /// `optional`: the signer's annotations (`-a key=value` in cosign), if any.
    pub annotations: Option<BTreeMap<String, serde_json::Value>>,
}

/// Why a payload is refused.
#[derive(Debug, thiserror::Error)]
pub enum SimpleSigningError {
    /// Larger than [`MAX_PAYLOAD_BYTES`].
    #[error("simple-signing payload of {0} bytes is larger than the limit")]
    TooLarge(usize),
    /// Not the JSON shape of a simple-signing payload.
    #[error("simple-signing payload: {0}")]
    Json(#[from] serde_json::Error),
    /// Another `critical.type`.
    #[error("simple-signing payload of type {0:?}, not {PAYLOAD_TYPE:?}")]
    WrongType(String),
    /// The manifest digest is not a digest.
    #[error("simple-signing payload digest: {0}")]
    Digest(#[from] DigestError),
    /// The payload is for another manifest than the image's.
    #[error("the signature is for manifest {signed}, not {image}")]
    OtherImage {
        /// The digest in the payload.
        signed: String,
        /// The image's digest.
        image: String,
    },
    /// A payload asked for an image reference without a digest.
    #[error("a signature payload names an image by digest; {0} has none")]
    NotByDigest(String),
}

impl SimpleSigning {
    /// The payload for `image` (which must be by digest), with optional annotations. The
    /// docker-reference is `registry/repository` as [`Reference`] normalises it; for Docker Hub
    /// images cosign (through go-containerregistry) names the registry differently, which is
    /// still to be matched (the digest, not this name, is what binds the signature).
    pub fn for_image(
        image: &Reference,
        annotations: Option<BTreeMap<String, serde_json::Value>>,
    ) -> Result<SimpleSigning, SimpleSigningError> {
        let digest = image
            .digest()
            .ok_or_else(|| SimpleSigningError::NotByDigest(image.to_string()))?;
        Ok(SimpleSigning {
            docker_reference: image.name(),
            manifest_digest: digest.clone(),
            annotations,
        })
    }

    /// The JSON bytes to sign, in cosign's field order.
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            critical: Critical {
                identity: Identity {
                    docker_reference: self.docker_reference.clone(),
                },
                image: Image {
                    docker_manifest_digest: self.manifest_digest.to_string(),
                },
                kind: PAYLOAD_TYPE.to_owned(),
            },
            optional: self.annotations.clone(),
        };
        // Strings, maps and JSON values always serialize.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Parse a payload (bounded; unknown fields ignored, as cosign's decoder does).
    pub fn from_json(payload: &[u8]) -> Result<SimpleSigning, SimpleSigningError> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(SimpleSigningError::TooLarge(payload.len()));
        }
        let wire: Wire = serde_json::from_slice(payload)?;
        if wire.critical.kind != PAYLOAD_TYPE {
            return Err(SimpleSigningError::WrongType(wire.critical.kind));
        }
        Ok(SimpleSigning {
            docker_reference: wire.critical.identity.docker_reference,
            manifest_digest: Digest::parse(&wire.critical.image.docker_manifest_digest)?,
            annotations: wire.optional,
        })
    }

    /// Refuse a payload for another manifest than `image_digest`.
    pub fn check_image(&self, image_digest: &Digest) -> Result<(), SimpleSigningError> {
        if &self.manifest_digest == image_digest {
            Ok(())
        } else {
            Err(SimpleSigningError::OtherImage {
                signed: self.manifest_digest.to_string(),
                image: image_digest.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DIGEST: &str = "sha256:6e1ac8b6e0ae9a2ee1f4a3d1a4bbd2d4c9a1d7b9f1a9e2c3b4d5e6f708192a3b";

    fn image() -> Reference {
        Reference::parse(&format!("127.0.0.1:5000/app@{DIGEST}")).unwrap()
    }

    #[test]
    fn the_payload_cosign_writes() {
        let payload = SimpleSigning::for_image(&image(), None).unwrap();
        assert_eq!(
            String::from_utf8(payload.to_json()).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"127.0.0.1:5000/app"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
        let parsed = SimpleSigning::from_json(&payload.to_json()).unwrap();
        assert_eq!(parsed, payload);
        parsed.check_image(&Digest::parse(DIGEST).unwrap()).unwrap();
    }

    #[test]
    fn annotations_round_trip() {
        let mut annotations = BTreeMap::new();
        annotations.insert("commit".to_owned(), serde_json::json!("abc123"));
        let payload = SimpleSigning::for_image(&image(), Some(annotations.clone())).unwrap();
        let parsed = SimpleSigning::from_json(&payload.to_json()).unwrap();
        assert_eq!(parsed.annotations, Some(annotations));
    }

    #[test]
    fn refusals() {
        let other = Digest::sha256_of(b"another manifest");
        let payload = SimpleSigning::for_image(&image(), None).unwrap();
        assert!(matches!(
            payload.check_image(&other),
            Err(SimpleSigningError::OtherImage { .. })
        ));
        let by_tag = Reference::parse("127.0.0.1:5000/app:v1").unwrap();
        assert!(matches!(
            SimpleSigning::for_image(&by_tag, None),
            Err(SimpleSigningError::NotByDigest(_))
        ));
        let wrong_type = String::from_utf8(payload.to_json())
            .unwrap()
            .replace(PAYLOAD_TYPE, "atomic container signature");
        assert!(matches!(
            SimpleSigning::from_json(wrong_type.as_bytes()),
            Err(SimpleSigningError::WrongType(_))
        ));
        let bad_digest = String::from_utf8(payload.to_json())
            .unwrap()
            .replace("sha256:6e", "sha256:6E");
        assert!(matches!(
            SimpleSigning::from_json(bad_digest.as_bytes()),
            Err(SimpleSigningError::Digest(_))
        ));
        assert!(matches!(
            SimpleSigning::from_json(br#"{"critical":{}}"#),
            Err(SimpleSigningError::Json(_))
        ));
        assert!(matches!(
            SimpleSigning::from_json(&vec![b' '; MAX_PAYLOAD_BYTES + 1]),
            Err(SimpleSigningError::TooLarge(_))
        ));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(payload in "\\PC{0,300}") {
            let _ = SimpleSigning::from_json(payload.as_bytes());
        }
    }
}

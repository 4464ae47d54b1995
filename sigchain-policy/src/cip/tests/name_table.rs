//! Image names as go-containerregistry's `name.ParseReference` normalises them
//! (`pkg/name/{ref,tag,digest,repository,registry,check}.go`), and how that differs from
//! `sigchain_oci::reference::Reference`.

use crate::cip::name::{ImageName, ImageNameError, MAX_IMAGE_LEN};
use sigchain_oci::reference::Reference;

/// (image, normalised name or None when refused, reason)
#[rustfmt::skip]
const ROWS: &[(&str, Option<&str>, &str)] = &[
    ("nginx", Some("index.docker.io/library/nginx:latest"), "Docker Hub, library/, latest"),
    ("nginx:1.27", Some("index.docker.io/library/nginx:1.27"), "a tag is kept"),
    ("acme/app", Some("index.docker.io/acme/app:latest"), "a user image gets no library/"),
    ("docker.io/acme/app", Some("index.docker.io/acme/app:latest"), "docker.io is rewritten to index.docker.io"),
    ("docker.io/nginx", Some("index.docker.io/library/nginx:latest"), "docker.io/x is an official image"),
    ("index.docker.io/nginx", Some("index.docker.io/library/nginx:latest"), "so is index.docker.io/x"),
    ("library/nginx", Some("index.docker.io/library/nginx:latest"), "library/ written out"),
    ("reg.example.com/app", Some("reg.example.com/app:latest"), "a dotted first component is a registry"),
    ("reg.example.com/a/b/c:v1", Some("reg.example.com/a/b/c:v1"), "deep paths are kept"),
    ("localhost:5000/app", Some("localhost:5000/app:latest"), "host:port registry, and :5000/app is not a tag"),
    ("localhost/app", Some("localhost/app:latest"), "localhost is a registry"),
    ("localhostx/app", Some("index.docker.io/localhostx/app:latest"), "only the exact word localhost"),
    ("reg.example.com:/app", Some("reg.example.com:/app:latest"), "an empty port is valid Go URL syntax"),
    ("[::1]:5000/app", Some("[::1]:5000/app:latest"), "an IPv6 literal registry"),
    ("/app", Some("index.docker.io//app:latest"), "no structure check: an empty first component is part of the repository"),
    ("a//b", Some("index.docker.io/a//b:latest"), "nor are empty components refused"),
    ("app:-x", Some("index.docker.io/library/app:-x"), "a tag may start with - (only its characters are checked)"),
    ("app:V1_x.y-z", Some("index.docker.io/library/app:V1_x.y-z"), "tag alphabet"),
    (concat!("reg.example.com/app@sha256:", hex64!()), Some(concat!("reg.example.com/app@sha256:", hex64!())), "a digest reference"),
    (concat!("reg.example.com/app:v1@sha256:", hex64!()), Some(concat!("reg.example.com/app@sha256:", hex64!())), "the tag before a digest is dropped"),
    (concat!("nginx@sha256:", hex64!()), Some(concat!("index.docker.io/library/nginx@sha256:", hex64!())), "a digest on Docker Hub"),
    (concat!("localhost:5000/app@sha256:", hex64!()), Some(concat!("localhost:5000/app@sha256:", hex64!())), "a digest with a port registry"),
    ("Nginx", None, "repositories are lower case"),
    ("Acme/app", None, "Acme is no registry (no . or :), and upper case is refused"),
    ("reg.example.com/App", None, "upper case in the path"),
    ("", None, "empty"),
    ("app:", None, "empty tag"),
    ("app:v1:v2", None, "app:v1 is not a repository"),
    ("reg.example.com/", None, "empty repository"),
    ("reg.example.com:x/app", None, "a port is digits"),
    ("user@reg.example.com/app", None, "@ in the registry is user info, refused"),
    ("reg%2eexample.com/app", None, "% would be unescaped by the URL parser, refused"),
    ("reg example.com/app", None, "a space is not a host character"),
    ("reg.example.com/app@sha256:abc", None, "short digest"),
    (concat!("reg.example.com/app@sha384:", hex64!()), None, "only sha256"),
    ("reg.example.com/app@", None, "empty digest"),
    ("a@b@c", None, "two @"),
    ("app:t\u{e9}", None, "tags are ASCII"),
    ("\u{e9}/app", None, "non-ASCII outside a registry is in the repository, which is ASCII"),
];

#[test]
fn name_table() {
    let mut failures = Vec::new();
    for &(image, want, reason) in ROWS {
        let got = ImageName::parse(image).map(|n| n.name()).ok();
        if got.as_deref() != want {
            failures.push(format!("{image:?}: got {got:?}, want {want:?}: {reason}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn normalising_is_idempotent() {
    for &(image, want, _) in ROWS {
        if let Some(name) = want {
            let again = ImageName::parse(name).unwrap().name();
            assert_eq!(again, name, "from {image:?}");
        }
    }
}

#[test]
fn parts_are_exposed() {
    let name = ImageName::parse("nginx:1.27").unwrap();
    assert_eq!(name.registry(), "index.docker.io");
    assert_eq!(name.repository(), "library/nginx");
    assert_eq!(name.tag(), Some("1.27"));
    assert_eq!(name.digest(), None);
    assert_eq!(name.to_string(), "index.docker.io/library/nginx:1.27");
    let pinned = ImageName::parse(concat!("r.example.com/a:v1@sha256:", hex64!())).unwrap();
    assert_eq!(pinned.tag(), None);
    assert_eq!(pinned.digest(), Some(concat!("sha256:", hex64!())));
}

#[test]
fn an_official_name_at_the_length_limit_loses_its_digest_form() {
    // Upstream re-parses the normalised name of a digest reference; `library/` pushes a
    // 255-character repository past the limit, so the digest form is refused while the
    // tag form is not.
    let repo = "a".repeat(255);
    assert!(ImageName::parse(&repo).is_ok());
    assert!(ImageName::parse(&format!("{repo}@sha256:{}", hex64!())).is_err());
    assert!(ImageName::parse(&"a".repeat(256)).is_err());
}

#[test]
fn overlong_input_is_refused_before_reading() {
    let image = format!("reg.example.com/{}", "a".repeat(MAX_IMAGE_LEN));
    assert!(matches!(
        ImageName::parse(&image),
        Err(ImageNameError::TooLong { .. })
    ));
}

#[test]
fn from_a_sigchain_oci_reference() {
    for (text, want) in [
        ("nginx", "index.docker.io/library/nginx:latest"),
        ("docker.io/acme/app:v1", "index.docker.io/acme/app:v1"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        (
            concat!("reg.example.com/app:v1@sha256:", hex64!()),
            concat!("reg.example.com/app@sha256:", hex64!()),
        ),
    ] {
        let reference = Reference::parse(text).unwrap();
        let name = ImageName::from_reference(&reference);
        assert_eq!(name.name(), want, "{text}");
        // Where both grammars accept the text, they agree on the name.
        assert_eq!(ImageName::parse(text).unwrap(), name, "{text}");
    }
}

#[test]
fn the_grammars_disagree_where_documented() {
    // Docker's grammar reads an upper-case first component as a registry; ggcr refuses.
    assert!(Reference::parse("Foo/bar").is_ok());
    assert!(ImageName::parse("Foo/bar").is_err());
    // sigchain-oci prints docker.io, policy-controller matches index.docker.io.
    assert_eq!(Reference::parse("nginx").unwrap().registry(), "docker.io");
    assert_eq!(
        ImageName::parse("nginx").unwrap().registry(),
        "index.docker.io"
    );
}

#[test]
fn oci_locations() {
    use crate::cip::name::is_valid_oci_location as ok;
    assert!(ok("reg.example.com"), "a registry alone");
    assert!(ok("reg.example.com/sigs"), "registry/repository");
    assert!(ok("localhost:5000/sigs"), "host:port/repository");
    assert!(ok("docker.io/acme/sigs"), "Docker Hub with a namespace");
    assert!(
        !ok("docker.io/sigs"),
        "strict: Docker Hub needs the namespace"
    );
    assert!(!ok("reg.example.com/Sigs"), "upper case repository");
    assert!(!ok(""), "empty");
    assert!(!ok("reg.example.com:x"), "bad port");
}

//! Table tests from the vectors of `distribution/reference` (`reference_test.go`,
//! `normalize_test.go`), restated as (input, expected normal form) facts, and property tests.

use proptest::prelude::*;

use super::*;

const FF: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

fn sha256_ff() -> String {
    format!("sha256:{FF}")
}

/// Input, registry, repository, tag, digest.
type Normalised<'a> = (String, &'a str, String, Option<&'a str>, Option<&'a str>);

/// Inputs that parse, with their registry, repository, tag and digest after normalisation.
#[test]
fn valid_references_normalise() {
    let d = sha256_ff();
    let cases: Vec<Normalised> = vec![
        // Bare names: docker.io, `library/`, `latest`.
        (
            "ubuntu".into(),
            "docker.io",
            "library/ubuntu".into(),
            Some("latest"),
            None,
        ),
        (
            "test_com".into(),
            "docker.io",
            "library/test_com".into(),
            Some("latest"),
            None,
        ),
        // Without `/`, a dotted or ported name is a repository and a tag.
        (
            "test.com:tag".into(),
            "docker.io",
            "library/test.com".into(),
            Some("tag"),
            None,
        ),
        (
            "test.com:5000".into(),
            "docker.io",
            "library/test.com".into(),
            Some("5000"),
            None,
        ),
        (
            "foo_bar.com:8080".into(),
            "docker.io",
            "library/foo_bar.com".into(),
            Some("8080"),
            None,
        ),
        (
            "192.168.1.1".into(),
            "docker.io",
            "library/192.168.1.1".into(),
            Some("latest"),
            None,
        ),
        (
            "192.168.1.1:5000".into(),
            "docker.io",
            "library/192.168.1.1".into(),
            Some("5000"),
            None,
        ),
        // Registries: dotted, ported, localhost, uppercase first component, IPv4, IPv6.
        (
            "test.com/repo:tag".into(),
            "test.com",
            "repo".into(),
            Some("tag"),
            None,
        ),
        (
            "test:5000/repo".into(),
            "test:5000",
            "repo".into(),
            Some("latest"),
            None,
        ),
        (
            format!("test:5000/repo@{d}"),
            "test:5000",
            "repo".into(),
            None,
            Some(d.as_str()),
        ),
        (
            format!("test:5000/repo:tag@{d}"),
            "test:5000",
            "repo".into(),
            Some("tag"),
            Some(d.as_str()),
        ),
        (
            "localhost/debian".into(),
            "localhost",
            "debian".into(),
            Some("latest"),
            None,
        ),
        (
            "localhost/library/debian".into(),
            "localhost",
            "library/debian".into(),
            Some("latest"),
            None,
        ),
        (
            "LOCALDOMAIN/debian".into(),
            "LOCALDOMAIN",
            "debian".into(),
            Some("latest"),
            None,
        ),
        (
            "Docker/docker".into(),
            "Docker",
            "docker".into(),
            Some("latest"),
            None,
        ),
        // Upstream's known quirk (commented out in its tests): an uppercase first component
        // is a registry, so this parses.
        (
            "Uppercase/lowercase:tag".into(),
            "Uppercase",
            "lowercase".into(),
            Some("tag"),
            None,
        ),
        (
            "127.0.0.1:5000/docker/docker".into(),
            "127.0.0.1:5000",
            "docker/docker".into(),
            Some("latest"),
            None,
        ),
        (
            "192.168.0.1:8/debian".into(),
            "192.168.0.1:8",
            "debian".into(),
            Some("latest"),
            None,
        ),
        (
            "192.168.1.1:5000/repo:5050".into(),
            "192.168.1.1:5000",
            "repo".into(),
            Some("5050"),
            None,
        ),
        (
            "[2001:db8::1]/repo".into(),
            "[2001:db8::1]",
            "repo".into(),
            Some("latest"),
            None,
        ),
        (
            "[2001:db8:1:2:3:4:5:6]/repo:tag".into(),
            "[2001:db8:1:2:3:4:5:6]",
            "repo".into(),
            Some("tag"),
            None,
        ),
        (
            "[::1]:5000/repo".into(),
            "[::1]:5000",
            "repo".into(),
            Some("latest"),
            None,
        ),
        (
            "[2001:db8::]:5000/repo".into(),
            "[2001:db8::]:5000",
            "repo".into(),
            Some("latest"),
            None,
        ),
        (
            format!("[2001:db8::1]:5000/repo:tag@{d}"),
            "[2001:db8::1]:5000",
            "repo".into(),
            Some("tag"),
            Some(d.as_str()),
        ),
        (
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian".into(),
            "[fc00:1:2:3:4:5:6:7]:5000",
            "library/debian".into(),
            Some("latest"),
            None,
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag".into(),
            "sub-dom1.foo.com",
            "bar/baz/quux".into(),
            Some("some-long-tag"),
            None,
        ),
        (
            "b.example.org/test.example.com/my-app:test.example.com".into(),
            "b.example.org",
            "test.example.com/my-app".into(),
            Some("test.example.com"),
            None,
        ),
        (
            "xn--n3h.com/myimage:xn--n3h.com".into(),
            "xn--n3h.com",
            "myimage".into(),
            Some("xn--n3h.com"),
            None,
        ),
        (
            format!("xn--7o8h.com/myimage:xn--7o8h.com@{d}"),
            "xn--7o8h.com",
            "myimage".into(),
            Some("xn--7o8h.com"),
            Some(d.as_str()),
        ),
        // docker.io: explicit, legacy name, `library/` only for one component.
        (
            "docker.io/debian".into(),
            "docker.io",
            "library/debian".into(),
            Some("latest"),
            None,
        ),
        (
            "docker.io/library/debian".into(),
            "docker.io",
            "library/debian".into(),
            Some("latest"),
            None,
        ),
        (
            "index.docker.io/debian".into(),
            "docker.io",
            "library/debian".into(),
            Some("latest"),
            None,
        ),
        (
            "index.docker.io/docker/docker".into(),
            "docker.io",
            "docker/docker".into(),
            Some("latest"),
            None,
        ),
        (
            "library/foo/bar".into(),
            "docker.io",
            "library/foo/bar".into(),
            Some("latest"),
            None,
        ),
        (
            "other/library".into(),
            "docker.io",
            "other/library".into(),
            Some("latest"),
            None,
        ),
        (
            "foo/foo_bar.com:8080".into(),
            "docker.io",
            "foo/foo_bar.com".into(),
            Some("8080"),
            None,
        ),
        (
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a".into(),
            "docker.io",
            "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a".into(),
            Some("latest"),
            None,
        ),
        // Path separators.
        (
            "docker---rules/docker".into(),
            "docker.io",
            "docker---rules/docker".into(),
            Some("latest"),
            None,
        ),
        (
            "dock__er/docker".into(),
            "docker.io",
            "dock__er/docker".into(),
            Some("latest"),
            None,
        ),
        (
            "d/docker".into(),
            "docker.io",
            "d/docker".into(),
            Some("latest"),
            None,
        ),
        (
            "jess/t".into(),
            "docker.io",
            "jess/t".into(),
            Some("latest"),
            None,
        ),
        // Tags keep their case; a digest alone gets no default tag.
        (
            "lowercase:Uppercase".into(),
            "docker.io",
            "library/lowercase".into(),
            Some("Uppercase"),
            None,
        ),
        (
            format!("ubuntu@{d}"),
            "docker.io",
            "library/ubuntu".into(),
            None,
            Some(d.as_str()),
        ),
        // Length: 255 bytes of path are allowed, `library/` counted.
        (
            format!("example.com/{}:tag", "a".repeat(255)),
            "example.com",
            "a".repeat(255),
            Some("tag"),
            None,
        ),
        (
            format!("{}a:tag-puts-this-over-max", "a/".repeat(127)),
            "docker.io",
            format!("{}a", "a/".repeat(127)),
            Some("tag-puts-this-over-max"),
            None,
        ),
        (
            "a".repeat(247),
            "docker.io",
            format!("library/{}", "a".repeat(247)),
            Some("latest"),
            None,
        ),
        (
            format!("ubuntu:{}", "t".repeat(128)),
            "docker.io",
            "library/ubuntu".into(),
            Some("t".repeat(128).leak()),
            None,
        ),
    ];
    for (input, registry, repository, tag, digest) in cases {
        let parsed = Reference::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(parsed.registry(), registry, "{input}");
        assert_eq!(parsed.repository(), repository, "{input}");
        assert_eq!(parsed.tag().map(Tag::as_str), tag, "{input}");
        assert_eq!(
            parsed.digest().map(|d| d.to_string()).as_deref(),
            digest,
            "{input}"
        );
        assert_eq!(
            Reference::parse(&parsed.to_string()).as_ref(),
            Ok(&parsed),
            "{input}"
        );
        assert_eq!(
            Reference::parse(&parsed.familiar()).as_ref(),
            Ok(&parsed),
            "{input}"
        );
    }
}

/// Fully qualified and familiar forms (`TestParseRepositoryInfo` upstream).
#[test]
fn fully_qualified_and_familiar_forms() {
    let cases = [
        // (inputs, fully qualified, familiar)
        (
            &[
                "ubuntu",
                "library/ubuntu",
                "docker.io/ubuntu",
                "docker.io/library/ubuntu",
                "index.docker.io/library/ubuntu",
            ][..],
            "docker.io/library/ubuntu:latest",
            "ubuntu:latest",
        ),
        (
            &[
                "ubuntu-12.04-base",
                "index.docker.io/library/ubuntu-12.04-base",
            ][..],
            "docker.io/library/ubuntu-12.04-base:latest",
            "ubuntu-12.04-base:latest",
        ),
        (
            &["fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar"][..],
            "docker.io/fooo/bar:latest",
            "fooo/bar:latest",
        ),
        (
            &["library/foo/bar", "docker.io/library/foo/bar"][..],
            "docker.io/library/foo/bar:latest",
            "library/foo/bar:latest",
        ),
        (
            &["store/foo/bar"][..],
            "docker.io/store/foo/bar:latest",
            "store/foo/bar:latest",
        ),
        (
            &["localhost/fooo/bar"][..],
            "localhost/fooo/bar:latest",
            "localhost/fooo/bar:latest",
        ),
        (
            &["LOCALDOMAIN/fooo"][..],
            "LOCALDOMAIN/fooo:latest",
            "LOCALDOMAIN/fooo:latest",
        ),
        (&["FOO/bar"][..], "FOO/bar:latest", "FOO/bar:latest"),
        (
            &["127.0.0.1:8000/private/moonbase"][..],
            "127.0.0.1:8000/private/moonbase:latest",
            "127.0.0.1:8000/private/moonbase:latest",
        ),
        (
            &["example.com:8000/privatebasee"][..],
            "example.com:8000/privatebasee:latest",
            "example.com:8000/privatebasee:latest",
        ),
        (&["user/app:v1"][..], "docker.io/user/app:v1", "user/app:v1"),
        // Ours: docker.io stays where the first component would read as a registry.
        (
            &["docker.io/foo.com/app"][..],
            "docker.io/foo.com/app:latest",
            "docker.io/foo.com/app:latest",
        ),
        (
            &["docker.io/localhost/app"][..],
            "docker.io/localhost/app:latest",
            "docker.io/localhost/app:latest",
        ),
    ];
    for (inputs, full, familiar) in cases {
        for input in inputs {
            let parsed = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.to_string(), full, "{input}");
            assert_eq!(parsed.familiar(), familiar, "{input}");
        }
    }
}

/// Every error class, with inputs from upstream's invalid lists where it has them.
#[test]
fn invalid_references_name_what_is_wrong() {
    use ReferenceError as E;
    let d = sha256_ff();
    let bad_registry = |r: &str| E::BadRegistry { registry: r.into() };
    let bad_repository = |r: &str| E::BadRepository {
        repository: r.into(),
    };
    let uppercase = |r: &str| E::UppercaseRepository {
        repository: r.into(),
    };
    let bad_tag = |t: &str| E::BadTag { tag: t.into() };
    let long_namespace =
        ["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"; 4].join("_");
    let cases: Vec<(String, ReferenceError)> = vec![
        ("".into(), E::Empty),
        (
            "a".repeat(MAX_REFERENCE_LEN + 1),
            E::InputTooLong {
                len: MAX_REFERENCE_LEN + 1,
                max: MAX_REFERENCE_LEN,
            },
        ),
        (
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a".into(),
            E::ImageId,
        ),
        // Registries.
        (
            "-docker.io/docker/docker".into(),
            bad_registry("-docker.io"),
        ),
        (
            "https://github.com/docker/docker".into(),
            bad_registry("https:"),
        ),
        ("fc00::1:5000/debian".into(), bad_registry("fc00::1:5000")),
        (
            "[fe80::1%eth0]:5000/debian".into(),
            bad_registry("[fe80::1%eth0]:5000"),
        ),
        (
            "[fe80::1%@invalidzone]:5000/repo".into(),
            E::Digest(DigestError::Malformed),
        ),
        (
            "[2001:db8:3:4::192.0.2.33]:5000/debian".into(),
            bad_registry("[2001:db8:3:4::192.0.2.33]:5000"),
        ),
        ("foo_bar.com/app".into(), bad_registry("foo_bar.com")),
        ("example.com:/app".into(), bad_registry("example.com:")),
        // An IPv6 registry alone is read as a name and a tag, neither valid.
        ("[2001:db8::1]".into(), bad_tag("db8::1]")),
        ("[2001:db8::1]:5000".into(), bad_tag("db8::1]:5000")),
        ("[fc00::1]".into(), bad_tag(":1]")),
        ("[fc00::1]:tag".into(), bad_tag(":1]:tag")),
        ("[fc00]".into(), bad_repository("library/[fc00]")),
        // Repository names (a dotted first component reads as a registry).
        ("docker/Docker".into(), uppercase("docker/Docker")),
        ("Uppercase:tag".into(), uppercase("Uppercase")),
        (
            "test:5000/Uppercase/lowercase:tag".into(),
            uppercase("Uppercase/lowercase"),
        ),
        ("docker.io/docker/Docker".into(), uppercase("docker/Docker")),
        ("-docker".into(), bad_repository("library/-docker")),
        ("-docker/docker".into(), bad_repository("-docker/docker")),
        ("docker-/docker".into(), bad_repository("docker-/docker")),
        ("____/____".into(), bad_repository("____/____")),
        ("_docker/_docker".into(), bad_repository("_docker/_docker")),
        ("dock..er/docker".into(), bad_registry("dock..er")),
        ("dock_.er/docker".into(), bad_registry("dock_.er")),
        ("dock-.er/docker".into(), bad_registry("dock-.er")),
        ("docker///docker".into(), bad_repository("docker///docker")),
        (
            "docker.io/docker///docker".into(),
            bad_repository("docker///docker"),
        ),
        ("docker/".into(), bad_repository("docker/")),
        ("aa/asdf$$^/aa".into(), bad_repository("aa/asdf$$^/aa")),
        ("ubüntu".into(), bad_repository("library/ubüntu")),
        (":justtag".into(), bad_repository("library/")),
        (format!("@{d}"), bad_repository("library/")),
        ("localhost/".into(), bad_repository("")),
        // Lengths: the path, `library/` included.
        (
            format!("domain/{}:tag", "a".repeat(256)),
            E::RepositoryTooLong {
                len: 7 + 256,
                max: 255,
            },
        ),
        ("a".repeat(248), E::RepositoryTooLong { len: 256, max: 255 }),
        (
            format!("{long_namespace}/docker"),
            E::RepositoryTooLong {
                len: long_namespace.len() + 7,
                max: 255,
            },
        ),
        // Tags.
        ("ubuntu:".into(), bad_tag("")),
        ("ubuntu:.hidden".into(), bad_tag(".hidden")),
        ("ubuntu:-x".into(), bad_tag("-x")),
        ("ubuntu:a:b".into(), bad_tag("a:b")),
        (
            format!("ubuntu:{}", "t".repeat(129)),
            bad_tag(&"t".repeat(129)),
        ),
        // Digests.
        (
            "repo@sha256:ffffffffffffffffffffffffffffffffff".into(),
            E::Digest(DigestError::WrongLength {
                algorithm: DigestAlgorithm::Sha256,
                expected: 64,
                found: 34,
            }),
        ),
        (
            format!("validname@invaliddigest:{FF}"),
            E::Digest(DigestError::UnsupportedAlgorithm {
                algorithm: "invaliddigest".into(),
            }),
        ),
        (
            format!("validname@sha256:{}", FF.to_uppercase()),
            E::Digest(DigestError::UppercaseHex),
        ),
        (
            "validname@sha256:abc".into(),
            E::Digest(DigestError::Malformed),
        ),
        (format!("validname@{FF}"), E::Digest(DigestError::Malformed)),
        (
            format!("validname@sha256:{FF}@{d}"),
            E::Digest(DigestError::Malformed),
        ),
        (
            format!("validname@1sha:{FF}"),
            E::Digest(DigestError::Malformed),
        ),
        (
            format!("validname@sha256:{}", "f".repeat(128)),
            E::Digest(DigestError::WrongLength {
                algorithm: DigestAlgorithm::Sha256,
                expected: 64,
                found: 128,
            }),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(Reference::parse(&input), Err(expected), "{input}");
    }
}

#[test]
fn digests() {
    let sha512 = format!("sha512:{}", "f".repeat(128));
    assert_eq!(
        Digest::parse(&sha512).unwrap().algorithm(),
        DigestAlgorithm::Sha512
    );
    assert_eq!(Digest::parse(&sha512).unwrap().to_string(), sha512);
    // go-digest's grammar allows `+`-joined algorithm names; they are well-formed, not supported.
    assert_eq!(
        Digest::parse(&format!("sha256+b64:{FF}")),
        Err(DigestError::UnsupportedAlgorithm {
            algorithm: "sha256+b64".into()
        })
    );
    // Known values of SHA-256 and SHA-512 of the empty string.
    let empty256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(Digest::sha256_of(b"").to_string(), empty256);
    assert_eq!(
        Digest::of(DigestAlgorithm::Sha512, b"").hex(),
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
    );
    let digest = Digest::parse(empty256).unwrap();
    assert_eq!(digest.verify(b""), Ok(()));
    let mismatch = digest.verify(b"x").unwrap_err();
    assert_eq!(mismatch.expected, digest);
    assert_eq!(mismatch.computed, Digest::sha256_of(b"x"));
}

#[test]
fn api_host_maps_only_docker_io() {
    let hub = Reference::parse("ubuntu").unwrap();
    assert_eq!(hub.registry_host_for_api(), "registry-1.docker.io");
    for (input, host) in [
        ("localhost:5000/app", "localhost:5000"),
        ("example.com/app", "example.com"),
        ("[::1]:5000/app", "[::1]:5000"),
        ("Docker.IO/app", "Docker.IO"),
    ] {
        assert_eq!(
            Reference::parse(input).unwrap().registry_host_for_api(),
            host
        );
    }
}

#[test]
fn with_digest_keeps_the_tag_and_with_tag_drops_the_digest() {
    let tagged = Reference::parse("user/app:v1").unwrap();
    assert!(!tagged.is_by_digest());
    assert_eq!(tagged.manifest_reference(), "v1");
    let digest = Digest::sha256_of(b"manifest");
    let pinned = tagged.with_digest(digest.clone());
    assert!(pinned.is_by_digest());
    assert_eq!(
        pinned.to_string(),
        format!("docker.io/user/app:v1@{digest}")
    );
    assert_eq!(pinned.manifest_reference(), digest.to_string());
    let other = pinned.with_tag(Tag::parse("sig").unwrap());
    assert_eq!(other.to_string(), "docker.io/user/app:sig");
    assert_eq!(Reference::parse(&pinned.to_string()), Ok(pinned));
}

fn registry() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("localhost".to_owned())),
        Just(Some("docker.io".to_owned())),
        Just(Some("index.docker.io".to_owned())),
        "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-zA-Z0-9]{1,8}){1,3}(:[0-9]{1,5})?".prop_map(Some),
        "[a-z]{1,8}:[0-9]{1,5}".prop_map(Some),
        "[A-Z][A-Za-z0-9]{0,8}".prop_map(Some),
        "\\[[0-9a-f:]{1,20}\\](:[0-9]{1,5})?".prop_map(Some),
    ]
}

fn path() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,2}", 1..5)
        .prop_map(|components| components.join("/"))
}

fn valid_text() -> impl Strategy<Value = String> {
    (
        registry(),
        path(),
        proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}"),
        proptest::option::of(prop_oneof![
            "[0-9a-f]{64}".prop_map(|hex| format!("sha256:{hex}")),
            "[0-9a-f]{128}".prop_map(|hex| format!("sha512:{hex}")),
        ]),
    )
        .prop_map(|(registry, path, tag, digest)| {
            let mut text = registry.map(|r| format!("{r}/")).unwrap_or_default();
            text.push_str(&path);
            if let Some(tag) = tag {
                text.push(':');
                text.push_str(&tag);
            }
            if let Some(digest) = digest {
                text.push('@');
                text.push_str(&digest);
            }
            text
        })
}

proptest! {
    #[test]
    fn grammatical_references_parse_and_round_trip(text in valid_text()) {
        let parsed = Reference::parse(&text);
        // A generated path may start with a component that reads as a registry (`a.b`):
        // then the reference is another one, valid or not, never a panic.
        if let Ok(parsed) = parsed {
            prop_assert_eq!(Reference::parse(&parsed.to_string()), Ok(parsed.clone()));
            prop_assert_eq!(Reference::parse(&parsed.familiar()), Ok(parsed.clone()));
            prop_assert!(parsed.tag().is_some() || parsed.digest().is_some());
        }
    }

    #[test]
    fn references_with_an_explicit_registry_always_parse(
        host in "[a-z]{1,8}\\.[a-z]{1,4}(:[0-9]{1,5})?",
        path in path(),
    ) {
        prop_assume!(host != DEFAULT_REGISTRY);
        let text = format!("{host}/{path}");
        let parsed = Reference::parse(&text).unwrap();
        prop_assert_eq!(parsed.registry(), host.as_str());
        prop_assert_eq!(parsed.repository(), path.as_str());
        prop_assert_eq!(parsed.to_string(), format!("{text}:latest"));
    }

    #[test]
    fn near_grammatical_text_never_panics(text in "[a-zA-Z0-9:/@._\\[\\]-]{0,80}") {
        if let Ok(parsed) = Reference::parse(&text) {
            prop_assert_eq!(Reference::parse(&parsed.to_string()), Ok(parsed.clone()));
            prop_assert_eq!(Reference::parse(&parsed.familiar()), Ok(parsed));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Reference::parse(&text);
        let _ = Digest::parse(&text);
    }

    #[test]
    fn long_text_is_refused_unread(extra in 1usize..4096) {
        let text = "a".repeat(MAX_REFERENCE_LEN + extra);
        prop_assert_eq!(
            Reference::parse(&text),
            Err(ReferenceError::InputTooLong { len: text.len(), max: MAX_REFERENCE_LEN })
        );
    }
}

#[test]
fn credential_keys_are_the_registry_except_for_the_default_one() {
    let local = Reference::parse("127.0.0.1:5000/app").unwrap();
    assert_eq!(local.credential_key(), "127.0.0.1:5000");
    let hub = Reference::parse("ubuntu").unwrap();
    let key = hub.credential_key();
    assert!(
        key.starts_with("https://") && key.ends_with("/v1/"),
        "{key}"
    );
    assert_ne!(key, format!("https://{DEFAULT_REGISTRY}/v1/"));
    // The Docker CLI's own key form finds the entry.
    let config = crate::auth::docker_config::DockerConfig::from_json(
        format!(r#"{{"auths":{{"{key}":{{"auth":"dTpw"}}}}}}"#).as_bytes(),
    )
    .unwrap();
    assert!(matches!(
        config.lookup(&key).unwrap(),
        crate::auth::docker_config::CredentialSource::Inline(_)
    ));
}

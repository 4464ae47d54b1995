use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

type Doc = serde_json::Value;

fn load(text: &str) -> Result<Vec<Doc>, YamlError> {
    load_documents(text.as_bytes(), &YamlLimits::default())
}

#[test]
fn several_documents_and_json() {
    let docs = load("a: 1\n---\nb: [1, 2]\n---\n{\"c\": {\"d\": true}}\n").unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[2]["c"]["d"], serde_json::Value::Bool(true));
}

#[test]
fn a_yaml_bomb_is_refused_not_expanded() {
    // Nine levels of ten aliases each: 10^9 leaves if expanded.
    let mut bomb = String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..=9 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    let err = load(&bomb).unwrap_err();
    assert!(matches!(err, YamlError::LimitExceeded { .. }), "{err}");
}

#[test]
fn a_wide_expansion_of_a_large_anchor_is_refused() {
    // Few alias jumps (under the parser's own 100-per-event bound), 10^6 nodes if expanded:
    // only the node budget of the first pass stops this one.
    let items = vec!["x"; 1000].join(",");
    let mut yaml = format!("a0: &a0 [{items}]\n");
    for i in 1..=3 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(",");
        yaml.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let err = load(&yaml).unwrap_err();
    assert!(
        matches!(&err, YamlError::LimitExceeded { detail } if detail.contains("nodes")),
        "{err}"
    );
}

#[test]
fn a_modest_alias_is_fine() {
    let docs = load("base: &b {x: 1}\nother: *b\n").unwrap();
    assert_eq!(docs[0]["other"]["x"], 1);
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = load(&deep).unwrap_err();
    assert!(
        matches!(
            err,
            YamlError::LimitExceeded { .. } | YamlError::Invalid { .. }
        ),
        "{err}"
    );
    let mut block = String::new();
    for i in 0..200 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    assert!(load(&block).is_err());
    // Deeper than our 64, shallower than the parser's own 128: only the walk refuses it.
    let between = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let err = load(&between).unwrap_err();
    assert!(
        matches!(&err, YamlError::LimitExceeded { detail } if detail.contains("nesting")),
        "{err}"
    );
    // Within the limit, fine.
    let ok = format!("{}1{}", "[".repeat(30), "]".repeat(30));
    assert!(load(&ok).is_ok());
}

#[test]
fn too_many_documents_are_refused() {
    let limits = YamlLimits {
        max_documents: 3,
        ..YamlLimits::default()
    };
    let four = "a: 1\n---\na: 2\n---\na: 3\n---\na: 4\n";
    let err = load_documents::<Doc>(four.as_bytes(), &limits).unwrap_err();
    assert!(matches!(err, YamlError::LimitExceeded { .. }), "{err}");
    assert!(load_documents::<Doc>("a: 1\n---\na: 2\n".as_bytes(), &limits).is_ok());
}

#[test]
fn a_too_large_file_is_refused_before_parsing() {
    let limits = YamlLimits {
        max_bytes: 16,
        ..YamlLimits::default()
    };
    // Not even YAML: the size check comes first.
    let err = load_documents::<Doc>(&[b'{'; 17], &limits).unwrap_err();
    assert!(
        matches!(err, YamlError::TooLarge { len: 17, max: 16 }),
        "{err}"
    );
}

#[test]
fn not_utf8_is_refused() {
    let err = load_documents::<Doc>(b"a: \xff\n", &YamlLimits::default()).unwrap_err();
    assert!(matches!(err, YamlError::NotUtf8 { offset: 3 }), "{err}");
}

#[test]
fn duplicate_keys_are_refused() {
    let err = load("a: 1\na: 2\n").unwrap_err();
    assert!(matches!(err, YamlError::Invalid { .. }), "{err}");
}

#[test]
fn unknown_fields_name_the_field() {
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
    }
    let err = load_documents::<Strict>(b"name: x\nnmae: y\n", &YamlLimits::default()).unwrap_err();
    assert!(err.to_string().contains("nmae"), "{err}");
}

#[test]
fn maps_of_strings() {
    let docs: Vec<BTreeMap<String, String>> =
        load_documents(b"k: v\n", &YamlLimits::default()).unwrap();
    assert_eq!(docs[0]["k"], "v");
}

proptest! {
    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_documents::<Doc>(&bytes, &YamlLimits::default());
    }

    #[test]
    fn never_panics_on_yamlish_text(text in "[-:&*!|>{}\\[\\],#'\" \na-c0-9]{0,256}") {
        let _ = load_documents::<Doc>(text.as_bytes(), &YamlLimits::default());
    }
}

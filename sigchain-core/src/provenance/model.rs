//! The SLSA Provenance v1 predicate (`https://slsa.dev/provenance/v1`) and the in-toto
//! ResourceDescriptor it uses, with the field names of the specifications, and its strict
//! reading from untrusted JSON.
//!
//! Reading follows the in-toto and SLSA parsing rules: unknown fields are ignored (a producer
//! may add fields a consumer does not know), a known field of the wrong JSON type or given
//! twice is an error, and the required fields (`buildType`, `builder.id`) must be present
//! and non-empty. Digest sets follow in-toto's rules as for statement subjects.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::ProvenanceError;
use crate::intoto::{self, IntotoError, Statement};

/// The predicate type of SLSA Provenance v1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";

/// A SLSA Provenance v1 predicate: what was built, from what, and by whom.
///
/// ```
/// use sigchain_core::provenance::{Builder, BuildDefinition, Provenance, RunDetails};
/// let json = r#"{"buildDefinition": {"buildType": "https://example.com/ci/v1",
///   "externalParameters": {"target": "all"}},
///   "runDetails": {"builder": {"id": "https://example.com/ci"}}}"#;
/// let provenance = Provenance::from_predicate_json(json)?;
/// assert_eq!(provenance.run_details.builder.id, "https://example.com/ci");
/// // A field of the wrong type is an error, an unknown one is ignored.
/// assert!(Provenance::from_predicate_json(&json.replace(r#""all""#, r#""all"}, "future": {"#)).is_ok());
/// assert!(Provenance::from_predicate_json(&json.replace(r#"{"target": "all"}"#, "[]")).is_err());
/// # Ok::<(), sigchain_core::provenance::ProvenanceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// The inputs of the build.
    pub build_definition: BuildDefinition,
    /// This particular run of the build.
    pub run_details: RunDetails,
}

/// SLSA `BuildDefinition`: the build's type and its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// URI of the build type, which says how to read the parameters.
    pub build_type: String,
    /// Parameters under the control of whoever started the build (the caller or the
    /// repository); what a verifier checks against its expectations.
    pub external_parameters: Map<String, Value>,
    /// Parameters under the builder's control.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub internal_parameters: Map<String, Value>,
    /// Artifacts the build used: the source commit, tools, base images...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA `RunDetails`: who ran the build, and this run's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// The build platform, the trust base of everything else the provenance says.
    pub builder: Builder,
    /// This run's identifier and times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
    /// Other artifacts the run produced (logs, SBOMs...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

/// SLSA `Builder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Builder {
    /// URI of the build platform (for GitHub Actions: the workflow that ran).
    pub id: String,
    /// Component → version of the platform.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
    /// The platform's own dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builder_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA `BuildMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildMetadata {
    /// Identifies this run (for GitHub Actions: the run attempt's URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// When the build started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    /// When the build finished (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

/// An in-toto v1 `ResourceDescriptor`: an artifact named by URI, digest or content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescriptor {
    /// Where the resource is, e.g. `git+https://host/owner/repo@refs/heads/main`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri: String,
    /// Algorithm → digest (in-toto DigestSet).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "digest_entries"
    )]
    pub digest: BTreeMap<String, String>,
    /// A name for the resource.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Where it can be downloaded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub download_location: String,
    /// Its media type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    /// Its content, base64 (standard alphabet, as protobuf JSON writes bytes).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content: String,
    /// Other facts about it.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub annotations: Map<String, Value>,
}

/// Digest entries kept in document order with repeats, so [`ResourceDescriptor`] checking can
/// refuse a repeated algorithm as statement subjects do (a plain map would keep the last).
fn digest_entries<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let entries = intoto::wire::DigestEntries::deserialize(d)?;
    // Checked in `check_descriptor`, where the position is known; here only the repeat.
    let mut digest = BTreeMap::new();
    for (algorithm, value) in entries.0 {
        if digest.insert(algorithm.clone(), value).is_some() {
            return Err(serde::de::Error::custom(format_args!(
                "digest algorithm {algorithm:?} given twice"
            )));
        }
    }
    Ok(digest)
}

impl Provenance {
    /// Read a predicate from its JSON text and check it (see the [`provenance`](crate::provenance) module docs).
    pub fn from_predicate_json(json: &str) -> Result<Provenance, ProvenanceError> {
        let provenance: Provenance =
            serde_json::from_str(json).map_err(|e| ProvenanceError::Json(e.to_string()))?;
        provenance.check()?;
        Ok(provenance)
    }

    /// The provenance a statement carries: its predicate type must be [`PREDICATE_TYPE`].
    pub fn from_statement(statement: &Statement) -> Result<Provenance, ProvenanceError> {
        if statement.predicate_type != PREDICATE_TYPE {
            return Err(ProvenanceError::PredicateType {
                found: statement.predicate_type.clone(),
            });
        }
        Provenance::from_predicate_json(statement.predicate_json())
    }

    /// The predicate as a JSON object (for [`Statement::new`]).
    pub fn to_json_object(&self) -> Map<String, Value> {
        // Strings, maps of strings and JSON values always serialize to an object.
        match serde_json::to_value(self) {
            Ok(Value::Object(object)) => object,
            _ => Map::new(),
        }
    }

    fn check(&self) -> Result<(), ProvenanceError> {
        if self.build_definition.build_type.is_empty() {
            return Err(ProvenanceError::MissingField("buildDefinition.buildType"));
        }
        if self.run_details.builder.id.is_empty() {
            return Err(ProvenanceError::MissingField("runDetails.builder.id"));
        }
        let lists = [
            (
                "buildDefinition.resolvedDependencies",
                &self.build_definition.resolved_dependencies,
            ),
            ("runDetails.byproducts", &self.run_details.byproducts),
            (
                "runDetails.builder.builderDependencies",
                &self.run_details.builder.builder_dependencies,
            ),
        ];
        for (list, descriptors) in lists {
            for (index, descriptor) in descriptors.iter().enumerate() {
                descriptor
                    .check()
                    .map_err(|reason| ProvenanceError::ResourceDescriptor {
                        at: format!("{list}[{index}]"),
                        reason,
                    })?;
            }
        }
        Ok(())
    }
}

impl ResourceDescriptor {
    /// in-toto's rules for a descriptor: at least one of `uri`, `digest` or `content`;
    /// standard digests lowercase hex of their length; `content` base64.
    fn check(&self) -> Result<(), String> {
        if self.uri.is_empty() && self.digest.is_empty() && self.content.is_empty() {
            return Err("names no uri, digest or content".into());
        }
        let entries = intoto::wire::DigestEntries(
            self.digest
                .iter()
                .map(|(a, v)| (a.clone(), v.clone()))
                .collect(),
        );
        intoto::check_digest_set(0, entries).map_err(|e| match e {
            IntotoError::MalformedDigest {
                algorithm, value, ..
            } => format!("malformed {algorithm} digest {value:?}"),
            other => other.to_string(),
        })?;
        if !self.content.is_empty() && crate::encoding::base64_decode(&self.content).is_none() {
            return Err("content is not base64".into());
        }
        Ok(())
    }
}

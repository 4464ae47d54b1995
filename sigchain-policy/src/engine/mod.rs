//! The decision engine: an `AdmissionRequest` and policies in, evidence questions out, then
//! evidence in and a decision out. Sans-IO: nothing here waits on a network.
//!
//! ```text
//!   Engine::review(request) ──► Review::queries()  ──► (an EvidenceSource answers)
//!                               Review::decide(answers) ──► Decision
//!                                                             ├─ validating_response()
//!                                                             ├─ mutating_response()   (+ JSONPatch)
//!                                                             └─ policy_report()
//! ```
//!
//! # What is decided
//!
//! **Kyverno policies.** For every rule whose `match`/`exclude` select the resource
//! ([`crate::kyverno::matching`]) — or, for a pod controller, whose `Pod` rule autogen carries
//! over ([`autogen`]) — and that no [`PolicyException`] excepts, every image of the workload
//! that a `verifyImages` entry applies to is checked against its evidence: each attestor set
//! satisfied by at least `count` of its entries (all of them without `count`), each
//! attestation present with a satisfying signer and, when it has `conditions`, every
//! statement of its type meeting them (Kyverno's `{{ }}` substitution, JMESPath with Kyverno's
//! functions on the request's clock, its operators and `any`/`all` blocks), the digest rules. A rule fails when one of
//! its images fails, errs when a lookup failed and none failed. The rule's failure action
//! ([`crate::kyverno::KyvernoPolicy::failure_action`]) then decides: `Enforce` denies the
//! request, `Audit` admits it with a warning. Images that passed under a `mutateDigest`
//! entry are pinned to their digest by the mutating response's JSONPatch.
//!
//! **ClusterImagePolicies.** Every policy whose `spec.match` selects the resource and whose
//! glob matches an image must be satisfied for it by one of its authorities
//! ([`cip_eval`](self)); `mode: warn` turns a failure into a warning. An image no policy
//! matches is handled by [`EngineConfig::cip_no_match`] (only when any `ClusterImagePolicy`
//! is loaded). Images checked by a `ClusterImagePolicy` are pinned to their digest, as
//! policy-controller's mutating webhook resolves them.
//!
//! **Fails closed.** A lookup that failed or ran out of time makes the rule an `error`;
//! `Enforce` denies on it, `Audit` admits with a warning — unless the Kyverno policy says
//! `failurePolicy: Fail`, which blocks on errors whatever the action (Kyverno's
//! `BlockRequest`; Kyverno defaults `failurePolicy` to `Fail`, here an unset one lets Audit
//! admit, so that Audit never blocks unless asked to). A query without an answer counts as
//! failed. An attestation condition that cannot be evaluated (an expression that does not
//! parse, a function that fails, a predicate that is not an object) fails the image, as in
//! Kyverno; it never passes. The clock of time-based conditions is
//! [`RequestContext::now_unix`], so a decision is reproducible from its inputs.
//!
//! ```
//! use std::collections::BTreeMap;
//! use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest};
//! use sigchain_policy::engine::{Engine, EngineConfig, PolicySet, RequestContext};
//! use sigchain_policy::evidence::{ImageEvidence, Signer};
//! use sigchain_policy::yaml::YamlLimits;
//!
//! let policies = PolicySet::load(br#"
//! apiVersion: kyverno.io/v1
//! kind: ClusterPolicy
//! metadata: {name: signed}
//! spec:
//!   validationFailureAction: Enforce
//!   rules:
//!     - name: release-signed
//!       match: {any: [{resources: {kinds: [Pod]}}]}
//!       verifyImages:
//!         - imageReferences: ["registry.example/acme/*"]
//!           attestors: [{entries: [{keyless: {subject: "https://github.com/acme/*",
//!                                             issuer: "https://token.actions.githubusercontent.com"}}]}]
//! "#, &YamlLimits::default())?;
//! let engine = Engine::new(policies, EngineConfig::default())?;
//!
//! let request = AdmissionRequest::parse(br#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
//!   "request": {"uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
//!     "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default",
//!     "operation": "CREATE", "object": {"metadata": {"name": "web"},
//!       "spec": {"containers": [{"name": "web", "image": "registry.example/acme/web:1.0"}]}}}}"#,
//!   &AdmissionLimits::default())?;
//! let review = engine.review(&request, &RequestContext::default());
//! assert_eq!(review.queries()[0].image, "registry.example/acme/web:1.0");
//!
//! // Unsigned: denied.
//! let unsigned = BTreeMap::from([("registry.example/acme/web:1.0".to_owned(), Ok(ImageEvidence::default()))]);
//! assert!(!review.decide(&unsigned).allowed());
//!
//! // Signed by the release workflow: admitted, and pinned to its digest.
//! let signed = ImageEvidence {
//!     digest: Some(format!("sha256:{}", "a".repeat(64)).parse()?),
//!     signatures: vec![Signer::keyless("https://token.actions.githubusercontent.com",
//!         "https://github.com/acme/web/.github/workflows/release.yml@refs/tags/v1.0")],
//!     attestations: vec![],
//! };
//! let answers = BTreeMap::from([("registry.example/acme/web:1.0".to_owned(), Ok(signed))]);
//! let decision = review.decide(&answers);
//! assert!(decision.allowed());
//! assert!(decision.mutating_response().patch.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod autogen;
mod cip_eval;
mod conditions;
mod exception;
mod kyverno_eval;
mod load;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sigchain_oci::reference::Reference;

use crate::admission::{
    workload_images, AdmissionLimits, AdmissionRequest, AdmissionResponse, ImageFailure, JsonPatch,
    JsonPointer, ObjectReference, Operation, PinStyle, PolicyReport, PolicyReportResult,
    PolicyResult, PolicySeverity, ReportTimestamp, Uid, WorkloadImage,
};
use crate::cip::{ClusterImagePolicy, Mode};
use crate::evidence::{
    EvidenceAnswer, EvidenceFailure, EvidenceQuery, EvidenceSource, ImageEvidence,
};
use crate::kyverno::image::KyvernoImage;
use crate::kyverno::matching::ResourceFacts;
use crate::kyverno::{
    AdmissionOperation, FailureAction, FailurePolicy, ImageVerification, KyvernoPolicy, PolicyKind,
};
use sigchain_oci::reference::Digest;

pub use exception::{Exception, ExceptionSpec, PolicyException};
pub use load::{LoadError, PolicySet};

use kyverno_eval::{CompiledEntry, ImageOutcome};

/// What to do with an image no `ClusterImagePolicy` matches (policy-controller's
/// `no-match-policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoMatchPolicy {
    /// Admit it.
    Allow,
    /// Admit it with a warning.
    Warn,
    /// Deny the request (policy-controller's default).
    #[default]
    Deny,
}

/// How the engine answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// How pinned images are written in the JSONPatch.
    pub pin_style: PinStyle,
    /// Bounds on the request.
    pub admission_limits: AdmissionLimits,
    /// Images no `ClusterImagePolicy` matches, when any is loaded.
    pub cip_no_match: NoMatchPolicy,
    /// The `source` of PolicyReport results and the manager label of reports.
    pub report_source: String,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            pin_style: PinStyle::Kyverno,
            admission_limits: AdmissionLimits::default(),
            cip_no_match: NoMatchPolicy::Deny,
            report_source: "sigchain".to_owned(),
        }
    }
}

/// What the engine knows about the request beyond its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The labels of the request's namespace (for `namespaceSelector`s); an admission request
    /// does not carry them, a webhook with API access looks them up.
    pub namespace_labels: BTreeMap<String, String>,
    /// Now, in seconds since the Unix epoch: report timestamps, and the clock of attestation
    /// conditions (`time_since`, `time_now`, …). The engine never reads the system clock.
    pub now_unix: i64,
}

struct CompiledKyverno {
    policy: KyvernoPolicy,
    name: String,
    controllers: Vec<String>,
    /// Per rule: whether autogen applies, and each `verifyImages` entry compiled.
    rules: Vec<(bool, Vec<CompiledEntry>)>,
}

/// Policies, compiled and ready to decide. `Send + Sync`: share one in an `Arc`.
pub struct Engine {
    kyverno: Vec<CompiledKyverno>,
    exceptions: Vec<PolicyException>,
    cips: Vec<ClusterImagePolicy>,
    config: EngineConfig,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("kyverno_policies", &self.kyverno.len())
            .field("exceptions", &self.exceptions.len())
            .field("cluster_image_policies", &self.cips.len())
            .field("config", &self.config)
            .finish()
    }
}

impl Engine {
    /// Compile the policies (identities, regular expressions, keys).
    pub fn new(policies: PolicySet, config: EngineConfig) -> Result<Engine, LoadError> {
        let mut kyverno = Vec::new();
        for policy in policies.kyverno {
            let name = kyverno_eval::qualified_name(&policy);
            let mut rules = Vec::new();
            for (r, rule) in policy.spec.rules.iter().enumerate() {
                let mut entries = Vec::new();
                for (v, entry) in rule.verify_images.iter().enumerate() {
                    let path = format!("spec.rules[{r}].verifyImages[{v}]");
                    entries.push(CompiledEntry::compile(entry, &path).map_err(|reason| {
                        crate::kyverno::PolicyError::Invalid {
                            policy: name.clone(),
                            path: path.clone(),
                            reason,
                        }
                    })?);
                }
                rules.push((autogen::can_autogen(rule), entries));
            }
            kyverno.push(CompiledKyverno {
                controllers: autogen::controllers(&policy),
                name,
                rules,
                policy,
            });
        }
        Ok(Engine {
            kyverno,
            exceptions: policies.exceptions,
            cips: policies.cluster_image_policies,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Step one: which rules apply to the request and what must be known about which images.
    pub fn review(&self, request: &AdmissionRequest, context: &RequestContext) -> Review<'_> {
        Review::new(self, request, context)
    }
}

/// One rule (or one `ClusterImagePolicy`) as applied to the request.
#[derive(Debug, Clone)]
enum Planned {
    Kyverno {
        policy: usize,
        rule: usize,
        rule_name: String,
        action: FailureAction,
        excepted_by: Option<String>,
        /// (entry index, image index)
        checks: Vec<(usize, usize)>,
        /// Set when the rule cannot be evaluated at all.
        error: Option<String>,
    },
    Cip {
        policy: usize,
        images: Vec<usize>,
    },
    CipNoMatch {
        images: Vec<usize>,
    },
}

/// A request under review: its evidence questions, then its decision.
#[derive(Debug)]
pub struct Review<'e> {
    engine: &'e Engine,
    uid: Uid,
    resource: ObjectReference,
    images: Vec<WorkloadImage>,
    references: Vec<Option<Reference>>,
    /// Each image as Kyverno writes it in messages (`None`: not a valid reference).
    shown: Vec<Option<String>>,
    planned: Vec<Planned>,
    queries: Vec<EvidenceQuery>,
    /// Whether `ClusterImagePolicy` rules hold for this request: every image must then be
    /// pinned by digest.
    cip_digests: bool,
    now_unix: i64,
}

impl<'e> Review<'e> {
    fn new(engine: &'e Engine, request: &AdmissionRequest, context: &RequestContext) -> Self {
        let object = request.object.as_ref();
        let metadata = object.and_then(|o| o.get("metadata"));
        let name = if request.name.is_empty() {
            metadata
                .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        } else {
            request.name.clone()
        };
        let labels = string_map(metadata.and_then(|m| m.get("labels")));
        let annotations = string_map(metadata.and_then(|m| m.get("annotations")));
        let resource = ObjectReference {
            api_version: if request.kind.group.is_empty() {
                request.kind.version.clone()
            } else {
                format!("{}/{}", request.kind.group, request.kind.version)
            },
            kind: request.kind.kind.clone(),
            namespace: request.namespace.clone(),
            name: name.clone(),
            uid: metadata
                .and_then(|m| m.get("uid"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            resource_version: String::new(),
            field_path: String::new(),
        };
        let mut review = Review {
            engine,
            uid: request.uid.clone(),
            resource,
            images: Vec::new(),
            references: Vec::new(),
            shown: Vec::new(),
            planned: Vec::new(),
            queries: Vec::new(),
            cip_digests: false,
            now_unix: context.now_unix,
        };
        // Only what is being admitted is checked: a DELETE has no object to run, a CONNECT
        // none to change.
        let images_error = match request.operation {
            Operation::Create | Operation::Update => {
                match workload_images(&request.kind.kind, object, &engine.config.admission_limits) {
                    Ok(found) => {
                        review.images = found.images;
                        None
                    }
                    Err(error) => Some(error.to_string()),
                }
            }
            Operation::Delete | Operation::Connect => return review,
        };
        review.references = review
            .images
            .iter()
            .map(|i| Reference::parse(&i.image).ok())
            .collect();
        let facts = ResourceFacts {
            group: &request.kind.group,
            version: &request.kind.version,
            kind: &request.kind.kind,
            subresource: &request.sub_resource,
            name: &name,
            namespace: &request.namespace,
            labels: &labels,
            annotations: &annotations,
            namespace_labels: &context.namespace_labels,
            operation: match request.operation {
                Operation::Create => AdmissionOperation::Create,
                Operation::Update => AdmissionOperation::Update,
                Operation::Delete => AdmissionOperation::Delete,
                Operation::Connect => AdmissionOperation::Connect,
            },
        };
        review.plan_kyverno(&facts, images_error.as_deref());
        review.plan_cips(request, &labels);
        review
    }

    fn plan_kyverno(&mut self, facts: &ResourceFacts<'_>, images_error: Option<&str>) {
        let engine = self.engine;
        let pod = ResourceFacts {
            group: "",
            version: "v1",
            kind: "Pod",
            subresource: "",
            ..*facts
        };
        let kyverno_images: Vec<Option<KyvernoImage>> = self
            .images
            .iter()
            .map(|i| KyvernoImage::parse(&i.image).ok())
            .collect();
        self.shown = kyverno_images
            .iter()
            .map(|k| k.as_ref().map(KyvernoImage::match_string))
            .collect();
        for (p, compiled) in engine.kyverno.iter().enumerate() {
            let policy = &compiled.policy;
            let policy_namespace = match policy.kind {
                PolicyKind::Policy => policy.metadata.namespace.as_deref(),
                PolicyKind::ClusterPolicy => None,
            };
            for (r, rule) in policy.spec.rules.iter().enumerate() {
                let (autogen_ok, entries) = &compiled.rules[r];
                let rule_name = if rule.applies_to(facts, policy_namespace) {
                    rule.name.clone()
                } else if *autogen_ok
                    && compiled.controllers.iter().any(|c| c == facts.kind)
                    && rule.applies_to(&pod, policy_namespace)
                {
                    autogen::rule_name(&rule.name, facts.kind)
                } else {
                    continue;
                };
                let mut checks = Vec::new();
                let mut error = images_error.map(str::to_owned);
                for (v, entry) in rule.verify_images.iter().enumerate() {
                    for (i, image) in kyverno_images.iter().enumerate() {
                        match image {
                            Some(image) if entry.applies_to(image) => checks.push((v, i)),
                            Some(_) => {}
                            None => {
                                error.get_or_insert_with(|| {
                                    format!(
                                        "failed to extract images: {:?} is not a valid image reference",
                                        self.images[i].image
                                    )
                                });
                            }
                        }
                    }
                }
                // Kyverno gives a rule no response at all when none of its images match.
                if checks.is_empty() && error.is_none() {
                    continue;
                }
                let excepted_by = engine
                    .exceptions
                    .iter()
                    .find(|e| e.applies(&compiled.name, &rule_name, facts))
                    .map(PolicyException::qualified_name);
                if excepted_by.is_none() && error.is_none() {
                    for &(v, i) in &checks {
                        self.ask(i, &entries[v], &rule.verify_images[v]);
                    }
                }
                self.planned.push(Planned::Kyverno {
                    policy: p,
                    rule: r,
                    rule_name,
                    action: policy.failure_action(rule, facts.namespace, facts.namespace_labels),
                    excepted_by,
                    checks,
                    error,
                });
            }
        }
    }

    fn plan_cips(&mut self, request: &AdmissionRequest, labels: &BTreeMap<String, String>) {
        let engine = self.engine;
        if engine.cips.is_empty() || self.images.is_empty() {
            return;
        }
        // policy-controller pins every image to its digest and admits only digests, whether
        // or not a policy matches it.
        self.cip_digests = true;
        for i in 0..self.images.len() {
            let _ = self.query_for(i);
        }
        let mut matched_any = vec![false; self.images.len()];
        for (c, cip) in engine.cips.iter().enumerate() {
            let selected = cip_eval::selects_resource(
                cip,
                &request.resource.group,
                &request.resource.version,
                &request.resource.resource,
                labels,
            );
            if !selected {
                continue;
            }
            // An image go-containerregistry cannot parse matches no glob (and fails the
            // digest requirement).
            let images: Vec<usize> = (0..self.images.len())
                .filter(|&i| cip.selects_admitted(&self.images[i].image).unwrap_or(false))
                .collect();
            if images.is_empty() {
                continue;
            }
            let (signatures, types, keys) = cip_eval::wants(cip);
            for &i in &images {
                matched_any[i] = true;
                if let Some(query) = self.query_for(i) {
                    query.signatures |= signatures;
                    query.predicate_types.extend(types.iter().cloned());
                    query.public_keys.extend(keys.iter().cloned());
                }
            }
            self.planned.push(Planned::Cip { policy: c, images });
        }
        let unmatched: Vec<usize> = (0..self.images.len())
            .filter(|&i| !matched_any[i])
            .collect();
        if !unmatched.is_empty() && engine.config.cip_no_match != NoMatchPolicy::Allow {
            self.planned.push(Planned::CipNoMatch { images: unmatched });
        }
    }

    /// The query for image `i`, created on first use (`None` for an unparsable image).
    fn query_for(&mut self, i: usize) -> Option<&mut EvidenceQuery> {
        let written = &self.images[i].image;
        let position = match self.queries.iter().position(|q| &q.image == written) {
            Some(position) => position,
            None => {
                let reference = self.references[i].clone()?;
                self.queries.push(EvidenceQuery {
                    image: written.clone(),
                    reference,
                    signatures: false,
                    predicate_types: BTreeSet::new(),
                    public_keys: BTreeSet::new(),
                });
                self.queries.len() - 1
            }
        };
        self.queries.get_mut(position)
    }

    fn ask(&mut self, i: usize, compiled: &CompiledEntry, entry: &ImageVerification) {
        let keys: Vec<String> = compiled.public_keys(entry).map(str::to_owned).collect();
        let signatures = compiled.wants_signatures();
        let types: Vec<String> = compiled
            .attestations
            .iter()
            .map(|a| a.predicate_type.clone())
            .collect();
        if let Some(query) = self.query_for(i) {
            query.signatures |= signatures;
            query.predicate_types.extend(types);
            query.public_keys.extend(keys);
        }
    }

    /// The evidence needed: one query per distinct image string.
    pub fn queries(&self) -> &[EvidenceQuery] {
        &self.queries
    }

    /// The workload's images, in Kyverno's order.
    pub fn images(&self) -> &[WorkloadImage] {
        &self.images
    }

    /// Step two: decide with the answers (keyed by [`EvidenceQuery::image`]). A query with
    /// no answer counts as a failed lookup.
    pub fn decide(&self, answers: &BTreeMap<String, EvidenceAnswer>) -> Decision {
        let unanswered: EvidenceAnswer =
            Err(EvidenceFailure::error("no evidence answer for the image"));
        let answer = |i: usize| -> &EvidenceAnswer {
            answers.get(&self.images[i].image).unwrap_or(&unanswered)
        };
        let engine = self.engine;
        let mut decision = Decision {
            uid: self.uid.clone(),
            images: self.images.clone(),
            resource: self.resource.clone(),
            failures: Vec::new(),
            warnings: Vec::new(),
            validation_failures: Vec::new(),
            validation_warnings: Vec::new(),
            patch: JsonPatch::default(),
            results: Vec::new(),
            report_source: engine.config.report_source.clone(),
            now_unix: self.now_unix,
        };
        let mut pins: BTreeMap<usize, Digest> = BTreeMap::new();
        for planned in &self.planned {
            let result = match planned {
                Planned::Kyverno {
                    policy,
                    rule,
                    rule_name,
                    action,
                    excepted_by,
                    checks,
                    error,
                } => {
                    let compiled = &engine.kyverno[*policy];
                    let (_, entries) = &compiled.rules[*rule];
                    let annotations = &compiled.policy.metadata.annotations;
                    let mut result = RuleResult {
                        source: PolicySource::Kyverno,
                        policy: compiled.name.clone(),
                        rule: rule_name.clone(),
                        result: PolicyResult::Pass,
                        message: String::new(),
                        enforce: *action == FailureAction::Enforce,
                        fail_on_error: compiled.policy.spec.failure_policy
                            == Some(FailurePolicy::Fail),
                        scored: annotations
                            .get("policies.kyverno.io/scored")
                            .is_none_or(|s| s != "false"),
                        category: annotations
                            .get("policies.kyverno.io/category")
                            .cloned()
                            .unwrap_or_default(),
                        severity: annotations
                            .get("policies.kyverno.io/severity")
                            .and_then(|s| serde_json::from_value(Value::String(s.clone())).ok()),
                        outcomes: Vec::new(),
                    };
                    if let Some(exception) = excepted_by {
                        result.result = PolicyResult::Skip;
                        result.message =
                            format!("rule is skipped due to policy exceptions {exception}");
                    } else if let Some(error) = error {
                        result.result = PolicyResult::Error;
                        result.message = error.clone();
                    } else {
                        for &(v, i) in checks {
                            let (Some(reference), Some(shown)) =
                                (&self.references[i], &self.shown[i])
                            else {
                                // Not reachable (planning refused unparsable images), and
                                // never a silent pass if it were.
                                let image = &self.images[i].image;
                                result.outcomes.push((
                                    i,
                                    ImageOutcome::Error(format!(
                                        "{image:?} is not a valid image reference"
                                    )),
                                ));
                                continue;
                            };
                            let outcome =
                                entries[v].check(shown, reference, answer(i), self.now_unix);
                            if let ImageOutcome::Pass {
                                pin: Some(digest), ..
                            } = &outcome
                            {
                                pins.insert(i, digest.clone());
                            }
                            result.outcomes.push((i, outcome));
                        }
                        result.settle();
                    }
                    result
                }
                Planned::Cip { policy, images } => {
                    let cip = &engine.cips[*policy];
                    let mut result =
                        RuleResult::cip(&cip.name, "authorities", cip.spec.mode == Mode::Enforce);
                    for &i in images {
                        let outcome = match answer(i) {
                            Err(failure) => ImageOutcome::Error(failure.message.clone()),
                            Ok(evidence) => cip_outcome(
                                cip,
                                &self.images[i].image,
                                self.references[i].as_ref(),
                                evidence,
                            ),
                        };
                        result.outcomes.push((i, outcome));
                    }
                    result.settle();
                    result
                }
                Planned::CipNoMatch { images } => {
                    let enforce = engine.config.cip_no_match == NoMatchPolicy::Deny;
                    let mut result = RuleResult::cip("no-match-policy", "", enforce);
                    for &i in images {
                        result
                            .outcomes
                            .push((i, ImageOutcome::Fail("no matching policies".to_owned())));
                    }
                    result.settle();
                    result
                }
            };
            decision.record(result, &self.images);
        }
        if self.cip_digests {
            for i in 0..self.images.len() {
                if let Ok(ImageEvidence {
                    digest: Some(digest),
                    ..
                }) = answer(i)
                {
                    pins.entry(i).or_insert_with(|| digest.clone());
                }
            }
        }
        for (i, digest) in &pins {
            if let Err(error) =
                decision
                    .patch
                    .pin(&self.images[*i], digest, engine.config.pin_style)
            {
                decision.failures.push(ImageFailure {
                    image: self.images[*i].image.clone(),
                    pointer: self.images[*i].pointer.clone(),
                    reason: format!("failed to update digest: {error}"),
                });
            }
        }
        // What a validating webhook sees when no mutating webhook pinned the images first.
        for (i, image) in self.images.iter().enumerate() {
            let by_digest = self.references[i]
                .as_ref()
                .is_some_and(Reference::is_by_digest);
            if by_digest {
                continue;
            }
            if self.cip_digests {
                decision.validation_failures.push(ImageFailure {
                    image: image.image.clone(),
                    pointer: image.pointer.clone(),
                    reason: format!("invalid value: {} must be an image digest", image.image),
                });
            }
        }
        for result in &decision.results {
            for (i, outcome) in &result.outcomes {
                if let ImageOutcome::Pass {
                    digest_required: true,
                    ..
                } = outcome
                {
                    let image = &self.images[*i];
                    let shown = self.shown[*i].as_deref().unwrap_or(&image.image);
                    let message = format!(
                        "policy {}.{}: missing digest for {shown}",
                        result.policy, result.rule
                    );
                    if result.enforce {
                        decision.validation_failures.push(ImageFailure {
                            image: image.image.clone(),
                            pointer: image.pointer.clone(),
                            reason: message,
                        });
                    } else {
                        decision.validation_warnings.push(message);
                    }
                }
            }
        }
        decision
    }
}

fn cip_outcome(
    cip: &ClusterImagePolicy,
    image: &str,
    written: Option<&Reference>,
    evidence: &ImageEvidence,
) -> ImageOutcome {
    if let Some(reason) = written.and_then(|w| kyverno_eval::digest_mismatch(w, evidence)) {
        return ImageOutcome::Fail(format!("{image} {reason}"));
    }
    match cip_eval::check_policy(cip, image, evidence) {
        Err(reason) => ImageOutcome::Fail(format!("{image} {reason}")),
        Ok(()) => ImageOutcome::Pass {
            message: format!("{image} verified"),
            pin: None,
            digest_required: false,
        },
    }
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Which kind of policy a result is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    /// A Kyverno `ClusterPolicy` / `Policy`.
    Kyverno,
    /// A policy-controller `ClusterImagePolicy` (or its no-match policy).
    ClusterImagePolicy,
}

/// The outcome of one image under one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageResult<'a> {
    /// Which of the workload's images (an index into [`Decision::images`]).
    pub index: usize,
    /// The image as written.
    pub image: &'a str,
    /// Where it is written.
    pub pointer: &'a JsonPointer,
    /// Pass, fail or error.
    pub result: PolicyResult,
    /// Why.
    pub message: &'a str,
}

/// The outcome of one rule (or one `ClusterImagePolicy`) for the request.
#[derive(Debug, Clone)]
pub struct RuleResult {
    /// Where the rule is from.
    pub source: PolicySource,
    /// The policy's name (`namespace/name` for a namespaced Kyverno `Policy`).
    pub policy: String,
    /// The rule's name (autogen rules as Kyverno names them; `authorities` for a
    /// `ClusterImagePolicy`).
    pub rule: String,
    /// The rule's result: fail when an image failed, error when a lookup failed and none
    /// failed, skip when excepted.
    pub result: PolicyResult,
    /// The rule-level message (an exception's skip, an unreadable pod spec); per-image
    /// messages are in [`RuleResult::images`].
    pub message: String,
    /// Whether a failure denies the request.
    pub enforce: bool,
    /// Whether an error denies the request even under Audit (the Kyverno policy says
    /// `failurePolicy: Fail`).
    pub fail_on_error: bool,
    /// `policies.kyverno.io/scored` is not `"false"` (an unscored failure is reported `warn`).
    pub scored: bool,
    /// `policies.kyverno.io/category`.
    pub category: String,
    /// `policies.kyverno.io/severity`.
    pub severity: Option<PolicySeverity>,
    outcomes: Vec<(usize, ImageOutcome)>,
}

impl RuleResult {
    fn cip(name: &str, rule: &str, enforce: bool) -> Self {
        RuleResult {
            source: PolicySource::ClusterImagePolicy,
            policy: name.to_owned(),
            rule: rule.to_owned(),
            result: PolicyResult::Pass,
            message: String::new(),
            enforce,
            fail_on_error: false,
            scored: true,
            category: String::new(),
            severity: None,
            outcomes: Vec::new(),
        }
    }

    fn settle(&mut self) {
        let failed = |o: &ImageOutcome| matches!(o, ImageOutcome::Fail(_));
        let erred = |o: &ImageOutcome| matches!(o, ImageOutcome::Error(_));
        self.result = if self.outcomes.iter().any(|(_, o)| failed(o)) {
            PolicyResult::Fail
        } else if self.outcomes.iter().any(|(_, o)| erred(o)) {
            PolicyResult::Error
        } else {
            PolicyResult::Pass
        };
    }

    /// Each image's outcome (one per image and `verifyImages` entry), in order.
    pub fn images<'a>(&'a self, images: &'a [WorkloadImage]) -> Vec<ImageResult<'a>> {
        self.outcomes
            .iter()
            .map(|(i, outcome)| {
                let (result, message) = match outcome {
                    ImageOutcome::Pass { message, .. } => (PolicyResult::Pass, message.as_str()),
                    ImageOutcome::Fail(message) => (PolicyResult::Fail, message.as_str()),
                    ImageOutcome::Error(message) => (PolicyResult::Error, message.as_str()),
                };
                ImageResult {
                    index: *i,
                    image: &images[*i].image,
                    pointer: &images[*i].pointer,
                    result,
                    message,
                }
            })
            .collect()
    }
}

/// The engine's answer for one request.
#[derive(Debug, Clone)]
pub struct Decision {
    uid: Uid,
    images: Vec<WorkloadImage>,
    resource: ObjectReference,
    failures: Vec<ImageFailure>,
    warnings: Vec<String>,
    validation_failures: Vec<ImageFailure>,
    validation_warnings: Vec<String>,
    patch: JsonPatch,
    results: Vec<RuleResult>,
    report_source: String,
    now_unix: i64,
}

impl Decision {
    fn record(&mut self, result: RuleResult, images: &[WorkloadImage]) {
        let per_image = result.images(images);
        if matches!(result.result, PolicyResult::Fail | PolicyResult::Error) {
            let mut any_image = false;
            for line in &per_image {
                let (outcome, message, image) = (line.result, line.message, &images[line.index]);
                if outcome == PolicyResult::Pass {
                    continue;
                }
                let blocks =
                    result.enforce || (result.fail_on_error && outcome == PolicyResult::Error);
                any_image = true;
                let (reason, warning) = match result.source {
                    PolicySource::Kyverno => {
                        let line = format!("policy {}.{}: {message}", result.policy, result.rule);
                        (line.clone(), line)
                    }
                    PolicySource::ClusterImagePolicy if result.rule.is_empty() => (
                        message.to_owned(),
                        format!("{message}: {}\n{}", image.pointer, image.image),
                    ),
                    PolicySource::ClusterImagePolicy => (
                        format!("failed policy: {}: {message}", result.policy),
                        format!(
                            "failed policy: {}: {}\n{message}",
                            result.policy, image.pointer
                        ),
                    ),
                };
                if blocks {
                    self.failures.push(ImageFailure {
                        image: image.image.clone(),
                        pointer: image.pointer.clone(),
                        reason,
                    });
                } else {
                    self.warnings.push(warning);
                }
            }
            if !any_image {
                let line = format!(
                    "policy {}.{}: {}",
                    result.policy, result.rule, result.message
                );
                if result.enforce || result.fail_on_error {
                    self.failures.push(ImageFailure {
                        image: self.resource.kind.clone(),
                        pointer: JsonPointer::root(),
                        reason: line,
                    });
                } else {
                    self.warnings.push(line);
                }
            }
        }
        self.results.push(result);
    }

    /// Whether the request is admitted — as the mutating webhook (which pins verified images
    /// to their digests) decides it; see [`Decision::validating_response`] for a request
    /// whose images no mutating webhook pinned.
    pub fn allowed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The workload's images, in Kyverno's order (what [`RuleResult::images`] indexes).
    pub fn images(&self) -> &[WorkloadImage] {
        &self.images
    }

    /// The images that deny the request, and why.
    pub fn failures(&self) -> &[ImageFailure] {
        &self.failures
    }

    /// Warnings for the request (Audit failures, warn-mode policies).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every rule's result.
    pub fn results(&self) -> impl Iterator<Item = &RuleResult> {
        self.results.iter()
    }

    /// The digest-pinning patch.
    pub fn patch(&self) -> &JsonPatch {
        &self.patch
    }

    /// The response of the mutating webhook (where Kyverno verifies images): allow with the
    /// JSONPatch pinning images to their digests, or deny listing every failing image.
    pub fn mutating_response(&self) -> AdmissionResponse {
        let response = if self.failures.is_empty() {
            AdmissionResponse::allow(&self.uid)
        } else {
            AdmissionResponse::deny_images(&self.uid, &self.failures)
        }
        .with_warnings(self.warnings.iter().cloned());
        if !response.allowed {
            return response;
        }
        match response.clone().with_patch(&self.patch) {
            Ok(patched) => patched,
            Err(error) => {
                AdmissionResponse::deny(&self.uid, format!("failed to update digest: {error}"))
            }
        }
    }

    /// The response of the validating webhook for this object as it is: the verification
    /// failures, and also every image that must be pinned by digest and is not (Kyverno's
    /// `verifyDigest`: `missing digest for …`; policy-controller: `… must be an image
    /// digest`). Behind a mutating webhook it sees images already pinned. No patch.
    pub fn validating_response(&self) -> AdmissionResponse {
        let failures: Vec<ImageFailure> = self
            .failures
            .iter()
            .chain(self.validation_failures.iter())
            .cloned()
            .collect();
        let warnings = self
            .warnings
            .iter()
            .chain(self.validation_warnings.iter())
            .cloned();
        if failures.is_empty() {
            AdmissionResponse::allow(&self.uid).with_warnings(warnings)
        } else {
            AdmissionResponse::deny_images(&self.uid, &failures).with_warnings(warnings)
        }
    }

    /// The results as a PolicyReport on the resource (wgpolicyk8s.io/v1alpha2): one result
    /// per image and rule, as Kyverno reports them, and one per rule without images (skips,
    /// rule errors).
    pub fn policy_report(&self) -> PolicyReport {
        let mut results = Vec::new();
        for rule in &self.results {
            let per_image = rule.images(&self.images);
            let mut properties = BTreeMap::new();
            properties.insert("process".to_owned(), "admission review".to_owned());
            let source = match rule.source {
                PolicySource::Kyverno => self.report_source.clone(),
                PolicySource::ClusterImagePolicy => {
                    format!("{}/policy-controller", self.report_source)
                }
            };
            let entry = |result: PolicyResult, message: &str, field_path: &str| {
                let result = match result {
                    PolicyResult::Fail
                        if !rule.scored
                            || !rule.enforce && rule.source == PolicySource::ClusterImagePolicy =>
                    {
                        PolicyResult::Warn
                    }
                    other => other,
                };
                let mut resource = self.resource.clone();
                resource.field_path = field_path.to_owned();
                PolicyReportResult {
                    source: source.clone(),
                    policy: rule.policy.clone(),
                    rule: rule.rule.clone(),
                    resources: vec![resource],
                    message: message.to_owned(),
                    result,
                    scored: rule.scored,
                    properties: properties.clone(),
                    timestamp: ReportTimestamp {
                        seconds: self.now_unix,
                        nanos: 0,
                    },
                    category: rule.category.clone(),
                    severity: rule.severity,
                }
            };
            if per_image.is_empty() {
                results.push(entry(rule.result, &rule.message, ""));
            }
            for line in per_image {
                results.push(entry(line.result, line.message, line.pointer.as_str()));
            }
        }
        PolicyReport::for_resource(&self.resource, &self.report_source, results)
    }
}

/// Review `request` and answer every query through `source`, all at once, then decide.
///
/// A source that may hang needs a deadline around it; the `client` feature's provider
/// applies one per request.
pub async fn evaluate<S: EvidenceSource + Sync>(
    engine: &Engine,
    request: &AdmissionRequest,
    context: &RequestContext,
    source: &S,
) -> Decision {
    let review = engine.review(request, context);
    let answers = futures_util::future::join_all(
        review
            .queries()
            .iter()
            .map(|query| async move { (query.image.clone(), source.evidence(query).await) }),
    )
    .await;
    review.decide(&answers.into_iter().collect())
}

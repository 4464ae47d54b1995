//! `sigchain policy eval` and `sigchain policy test`: admission decisions by Kyverno
//! `verifyImages` policies and policy-controller `ClusterImagePolicy`s, from the command
//! line.
//!
//! `eval` answers one AdmissionReview as the admission webhook would and prints the response;
//! `test` runs a directory of Kyverno-CLI-style test cases. With an evidence file nothing
//! touches the network: the file says what verified for which image.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sigchain_core::verify::Verifier;
use sigchain_oci::client::{ClientConfig, RegistryClient};
use sigchain_policy::provider::{evaluate_until, ProviderConfig, RegistryEvidence};

use sigchain_policy::admission::{AdmissionLimits, AdmissionRequest, PinStyle};
use sigchain_policy::engine::{
    Decision, Engine, EngineConfig, NoMatchPolicy, PolicySet, RequestContext,
};
use sigchain_policy::evidence::{EvidenceFile, EvidenceLimits};
use sigchain_policy::policy_test::{self, TestCase, TEST_FILE_NAME};
use sigchain_policy::yaml::YamlLimits;

/// `sigchain policy`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(clap::Subcommand)]
enum PolicyCommand {
    /// Decide one AdmissionReview by the policies; print the AdmissionReview response (or
    /// the PolicyReport) on stdout.
    Eval(EvalArgs),
    /// Run every Kyverno-CLI-style test case (`kyverno-test.yaml`) under a directory.
    Test(TestArgs),
}

/// Which answer `eval` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    /// The mutating webhook's response: the decision, with the JSONPatch pinning verified
    /// images to their digests.
    Response,
    /// The validating webhook's response for the object as it is (unpinned images that
    /// must be pinned fail).
    Validating,
    /// The PolicyReport (wgpolicyk8s.io/v1alpha2) of the results.
    Report,
}

/// How pinned images are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Pin {
    /// Kyverno's: `docker.io/nginx:1.27@sha256:…`.
    Kyverno,
    /// As written, with `@sha256:…` appended.
    AsWritten,
    /// Fully qualified: `docker.io/library/nginx:1.27@sha256:…`.
    FullyQualified,
}

/// policy-controller's `no-match-policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum NoMatch {
    Allow,
    Warn,
    Deny,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// A policy file: YAML or JSON, one or more documents (Kyverno ClusterPolicy / Policy,
    /// PolicyException, ClusterImagePolicy). Repeatable.
    #[arg(long = "policy", value_name = "FILE", required = true)]
    policies: Vec<PathBuf>,
    /// The AdmissionReview (admission.k8s.io/v1) JSON; `-` reads stdin.
    #[arg(long, value_name = "ADMISSIONREVIEW.json")]
    request: PathBuf,
    /// Answer from this evidence file instead of registries: `{"<image as written>":
    /// {"digest": ..., "signatures": [...], "attestations": [...]}}`; images it does not
    /// name have no verified signatures.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// A label of the request's namespace, for namespaceSelectors. Repeatable.
    #[arg(long = "namespace-label", value_name = "KEY=VALUE")]
    namespace_labels: Vec<String>,
    /// What to print.
    #[arg(long, value_enum, default_value = "response")]
    output: Output,
    /// Without `--evidence`: how long all registry lookups of the request may take; what is
    /// not answered by then fails (Enforce denies).
    #[arg(long, default_value_t = 8000, value_name = "MS")]
    deadline_ms: u64,
    /// Without `--evidence`: a registry (`HOST[:PORT]`) reached over plain HTTP. Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    insecure_registries: Vec<String>,
    #[command(flatten)]
    trust: crate::image::TrustArgs,
    #[command(flatten)]
    verifier: crate::options::VerifierOptions,
    /// How pinned images are written.
    #[arg(long, value_enum, default_value = "kyverno")]
    pin_style: Pin,
    /// Images no ClusterImagePolicy matches (when any is loaded).
    #[arg(long, value_enum, default_value = "deny")]
    no_match: NoMatch,
}

#[derive(clap::Args)]
struct TestArgs {
    /// The directory searched (recursively) for test files.
    dir: PathBuf,
    /// The test files' name.
    #[arg(long = "file-name", short = 'f', default_value = TEST_FILE_NAME)]
    file_name: String,
    /// Also print each result's message.
    #[arg(long)]
    detailed_results: bool,
}

/// Run `sigchain policy`.
pub fn run(args: Args) -> ExitCode {
    let outcome = match args.command {
        PolicyCommand::Eval(args) => eval(args),
        PolicyCommand::Test(args) => test(args),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sigchain policy: {message}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(AdmissionLimits::default().max_body_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(bytes);
    }
    // Policy, request and evidence files are small; the parsers bound them again.
    const MAX: u64 = 64 * 1024 * 1024;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX {
        return Err(format!("{}: larger than {MAX} bytes", path.display()));
    }
    Ok(bytes)
}

fn load_policies(paths: &[PathBuf]) -> Result<PolicySet, String> {
    let mut set = PolicySet::default();
    for path in paths {
        let loaded = PolicySet::load(&read(path)?, &YamlLimits::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        set.extend(loaded)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(set)
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Decide a request with every query answered from `evidence`.
fn decide_with_file(
    engine: &Engine,
    request: &AdmissionRequest,
    context: &RequestContext,
    evidence: &EvidenceFile,
) -> Decision {
    let review = engine.review(request, context);
    review.decide(&evidence.answers(review.queries()))
}

fn eval(args: EvalArgs) -> Result<ExitCode, String> {
    let policies = load_policies(&args.policies)?;
    for policy in &policies.kyverno {
        for warning in policy.warnings() {
            eprintln!("warning: policy {}: {warning}", policy.metadata.name);
        }
    }
    let config = EngineConfig {
        pin_style: match args.pin_style {
            Pin::Kyverno => PinStyle::Kyverno,
            Pin::AsWritten => PinStyle::AsWritten,
            Pin::FullyQualified => PinStyle::FullyQualified,
        },
        cip_no_match: match args.no_match {
            NoMatch::Allow => NoMatchPolicy::Allow,
            NoMatch::Warn => NoMatchPolicy::Warn,
            NoMatch::Deny => NoMatchPolicy::Deny,
        },
        ..EngineConfig::default()
    };
    let engine = Engine::new(policies, config).map_err(|e| e.to_string())?;
    let request =
        AdmissionRequest::parse_for_policy(&read(&args.request)?, &AdmissionLimits::default())
            .map_err(|e| format!("{}: {e}", args.request.display()))?;
    let mut namespace_labels = BTreeMap::new();
    for label in &args.namespace_labels {
        let (key, value) = label
            .split_once('=')
            .ok_or_else(|| format!("--namespace-label {label:?}: expected KEY=VALUE"))?;
        namespace_labels.insert(key.to_owned(), value.to_owned());
    }
    let context = RequestContext {
        namespace_labels,
        now_unix: now_unix(),
    };
    let decision = match &args.evidence {
        Some(path) => {
            let evidence = EvidenceFile::parse(&read(path)?, &EvidenceLimits::default())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            decide_with_file(&engine, &request, &context, &evidence)
        }
        None => decide_from_registries(&args, &engine, &request, &context)?,
    };
    let json = match args.output {
        Output::Response => decision
            .mutating_response()
            .to_review_json()
            .map_err(|e| e.to_string())?,
        Output::Validating => decision
            .validating_response()
            .to_review_json()
            .map_err(|e| e.to_string())?,
        Output::Report => {
            serde_json::to_string(&decision.policy_report()).map_err(|e| e.to_string())?
        }
    };
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

/// Fetch and verify each image's signatures and attestations from its registry, under the
/// request's deadline.
fn decide_from_registries(
    args: &EvalArgs,
    engine: &Engine,
    request: &AdmissionRequest,
    context: &RequestContext,
) -> Result<Decision, String> {
    let root = crate::inputs::trusted_root(
        args.trust.trusted_root.as_deref(),
        args.trust.tuf_cache.as_deref(),
        args.trust.staging,
    )?;
    let verifier = Verifier::new(&root, args.verifier.config());
    let mut config = ClientConfig::default();
    config
        .insecure_registries
        .extend(args.insecure_registries.iter().cloned());
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let provider = RegistryEvidence::new(client, verifier, ProviderConfig::default());
    let deadline = Duration::from_millis(args.deadline_ms);
    let runtime = crate::image::runtime()?;
    Ok(runtime.block_on(evaluate_until(
        engine, request, context, &provider, deadline,
    )))
}

/// Test files under `dir`, depth-first in name order; symbolic links are not followed.
fn find_tests(
    dir: &Path,
    file_name: &str,
    depth: usize,
    out: &mut Vec<PathBuf>,
) -> Result<(), String> {
    if depth > 32 {
        return Err(format!("{}: directories nested too deep", dir.display()));
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        if kind.is_dir() {
            find_tests(&entry.path(), file_name, depth + 1, out)?;
        } else if kind.is_file() && entry.file_name() == file_name {
            out.push(entry.path());
        }
    }
    Ok(())
}

fn run_test(path: &Path, test: &TestCase) -> Result<Vec<policy_test::TestRow>, String> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut policy_files: Vec<PathBuf> = test.policies.iter().map(|p| base.join(p)).collect();
    policy_files.extend(test.exceptions.iter().map(|p| base.join(p)));
    let engine = Engine::new(load_policies(&policy_files)?, EngineConfig::default())
        .map_err(|e| e.to_string())?;
    let evidence = match &test.evidence {
        Some(file) => {
            let file = base.join(file);
            EvidenceFile::parse(&read(&file)?, &EvidenceLimits::default())
                .map_err(|e| format!("{}: {e}", file.display()))?
        }
        None => EvidenceFile::default(),
    };
    let mut documents = Vec::new();
    for file in &test.resources {
        let file = base.join(file);
        let loaded: Vec<serde_json::Value> =
            sigchain_policy::yaml::load_documents(&read(&file)?, &YamlLimits::default())
                .map_err(|e| format!("{}: {e}", file.display()))?;
        documents.extend(loaded);
    }
    let resources = policy_test::test_resources(&documents).map_err(|e| e.to_string())?;
    let context = RequestContext {
        now_unix: test
            .now_unix()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .unwrap_or_else(now_unix),
        ..RequestContext::default()
    };
    let decided: Vec<_> = resources
        .into_iter()
        .map(|resource| {
            let decision = decide_with_file(&engine, &resource.request, &context, &evidence);
            (resource, decision)
        })
        .collect();
    Ok(policy_test::compare(test, &decided))
}

fn test(args: TestArgs) -> Result<ExitCode, String> {
    let mut files = Vec::new();
    find_tests(&args.dir, &args.file_name, 0, &mut files)?;
    if files.is_empty() {
        println!("No test yamls available");
        return Ok(ExitCode::SUCCESS);
    }
    let mut all_passed = true;
    let mut rows_total = 0usize;
    let mut failed_total = 0usize;
    for file in &files {
        let tests = policy_test::parse_tests(&read(file)?, &YamlLimits::default())
            .map_err(|e| format!("{}: {e}", file.display()))?;
        for test in &tests {
            println!(
                "Loading test {} ( {} ) ...",
                test.display_name(),
                file.display()
            );
            println!("  Checking results ...");
            let rows = run_test(file, test)?;
            let (table, passed) = policy_test::render(&rows, args.detailed_results);
            print!("{table}");
            all_passed &= passed;
            rows_total += rows.len();
            failed_total += rows.iter().filter(|r| !r.passed).count();
        }
    }
    if all_passed {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{failed_total} of {rows_total} tests failed");
        Ok(ExitCode::FAILURE)
    }
}

//! `examples/github/cicd-sample.yaml`, the ADR-007 pipeline as a GitHub Actions workflow, is
//! judged by `check-jsonschema --builtin-schema vendor.github-workflows` (PyPI
//! `check-jsonschema`, whose schemas are bundled: it validates offline) and checked for what
//! the README promises of it: every action pinned by commit, the least permissions, and
//! `sigchain` command lines this build of `sigchain` accepts.
//!
//! `check-jsonschema` runs from the venv whose python is `$SIGCHAIN_PYTHON`
//! (scripts/test-all.sh installs it); without it the test fails, never skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sigchain_policy::yaml::{load_documents, YamlLimits};

fn workflow_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/github/cicd-sample.yaml")
}

fn workflow() -> Value {
    let bytes = std::fs::read(workflow_path()).unwrap();
    let mut documents: Vec<Value> = load_documents(&bytes, &YamlLimits::default()).unwrap();
    assert_eq!(documents.len(), 1, "one workflow per file");
    documents.remove(0)
}

fn steps(workflow: &Value) -> Vec<&Value> {
    let jobs = workflow["jobs"].as_object().expect("jobs");
    jobs.values()
        .flat_map(|job| job["steps"].as_array().expect("steps"))
        .collect()
}

/// `check-jsonschema` beside `$SIGCHAIN_PYTHON`, run on `file` with the GitHub workflow schema.
fn check_jsonschema(file: &Path) -> std::process::Output {
    let python = common::python::python();
    let tool = python.with_file_name("check-jsonschema");
    Command::new(&tool)
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}; run scripts/test-all.sh (it installs the pinned PyPI \
                 check-jsonschema into <target>/py) or set SIGCHAIN_PYTHON to a venv's python \
                 that has it",
                tool.display()
            )
        })
}

#[test]
fn the_workflow_passes_the_github_workflow_schema() {
    let out = check_jsonschema(&workflow_path());
    assert!(
        out.status.success(),
        "check-jsonschema rejected the workflow:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The referee is live: a workflow with a misspelt step key fails the same check.
#[test]
fn the_schema_check_rejects_a_broken_workflow() {
    let text = std::fs::read_to_string(workflow_path()).unwrap();
    let broken = text.replacen(
        "      - name: Sign (keyless)",
        "      - nmae: Sign (keyless)",
        1,
    );
    assert_ne!(broken, text, "the step to break is in the workflow");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, broken).unwrap();
    let out = check_jsonschema(&file);
    assert!(
        !out.status.success(),
        "check-jsonschema accepted a step with an unknown key:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn every_action_is_pinned_by_commit() {
    let text = std::fs::read_to_string(workflow_path()).unwrap();
    let workflow = workflow();
    let mut seen = 0;
    for step in steps(&workflow) {
        let Some(uses) = step["uses"].as_str() else {
            continue;
        };
        seen += 1;
        let (action, commit) = uses.split_once('@').expect("action@ref");
        assert!(
            commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
            "{action} is not pinned by a commit: {commit}"
        );
        // The tag the commit is, for whoever updates it.
        let line = text.lines().find(|line| line.contains(uses)).unwrap();
        assert!(
            line.contains(&format!("{uses} # v")),
            "{action}: say which tag the commit is: {line}"
        );
    }
    assert!(seen >= 5, "the workflow uses its actions");
}

#[test]
fn the_job_asks_only_for_what_it_uses() {
    let workflow = workflow();
    assert_eq!(
        workflow["permissions"],
        serde_json::json!({}),
        "no permissions by default"
    );
    let job = &workflow["jobs"]["image"];
    let permissions = job["permissions"].as_object().expect("job permissions");
    let expected = serde_json::json!({
        "contents": "read",
        "packages": "write",
        "id-token": "write",
        "security-events": "write",
    });
    assert_eq!(&Value::Object(permissions.clone()), &expected);
    // No step reads the expression language inside a shell script, where an attacker-chosen
    // value (a branch name, say) would become code: values reach scripts through `env:`.
    for step in steps(&workflow) {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "an expression inside `run`: {run}");
        }
    }
}

/// The `sigchain` command lines of every `run:` step, each split into words (quotes removed,
/// continuation lines joined).
fn sigchain_command_lines(workflow: &Value) -> Vec<Vec<String>> {
    let mut lines = Vec::new();
    for step in steps(workflow) {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        let joined = run.replace("\\\n", " ");
        for line in joined.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("sigchain ") {
                // Redirections and pipes end the command.
                let rest = rest.split(['>', '|']).next().unwrap();
                lines.push(words(rest));
            }
        }
    }
    lines
}

fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            (_, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sigchain"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sigchain {} --help failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_sigchain_command_in_the_workflow_exists_with_its_flags() {
    let workflow = workflow();
    let lines = sigchain_command_lines(&workflow);
    assert!(
        lines.len() >= 8,
        "sign, sbom, attest ×3, provenance, vuln, verify…: {lines:?}"
    );
    for line in &lines {
        // The subcommand, and its own subcommand when it has some (`vuln predicate`).
        let mut path = vec![line[0].as_str()];
        let mut text = help(&path);
        if text.contains("\nCommands:\n") {
            path.push(line[1].as_str());
            text = help(&path);
        }
        for word in &line[path.len()..] {
            if !word.starts_with('-') {
                continue;
            }
            let flag = word.split('=').next().unwrap();
            let documented = text
                .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
                .any(|token| token == flag || token.starts_with(&format!("{flag}=")));
            assert!(
                documented,
                "`sigchain {}` has no flag {flag}:\n{text}",
                path.join(" ")
            );
        }
    }
}

/// Variables GitHub sets in every job (its documentation's "default environment variables"),
/// of those a provenance could read.
const GITHUB_DEFAULT_VARIABLES: &[&str] = &[
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_ACTOR",
    "GITHUB_ACTOR_ID",
    "GITHUB_EVENT_NAME",
    "GITHUB_JOB",
    "GITHUB_REF",
    "GITHUB_REF_NAME",
    "GITHUB_REF_TYPE",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_ID",
    "GITHUB_REPOSITORY_OWNER",
    "GITHUB_REPOSITORY_OWNER_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_SERVER_URL",
    "GITHUB_SHA",
    "GITHUB_WORKFLOW",
    "GITHUB_WORKFLOW_REF",
    "GITHUB_WORKFLOW_SHA",
    "RUNNER_ARCH",
    "RUNNER_ENVIRONMENT",
    "RUNNER_OS",
];

/// The provenance the workflow attests is made from the environment GitHub gives the job, the
/// same variables the provenance tests set (`sigchain-cli/tests/provenance.rs` holds its list
/// equal to the library's): every one is a default variable, and the workflow sets none of
/// them itself, at any level, so the provenance describes the run GitHub ran.
#[test]
fn the_provenance_reads_the_environment_github_gives_the_job_untouched() {
    use sigchain_core::provenance::github::ENV_VARS;
    for name in ENV_VARS {
        assert!(
            GITHUB_DEFAULT_VARIABLES.contains(name),
            "{name} is not a variable GitHub sets in every job"
        );
    }
    let workflow = workflow();
    let mut scopes = vec![&workflow["env"]];
    for job in workflow["jobs"].as_object().unwrap().values() {
        scopes.push(&job["env"]);
    }
    for step in steps(&workflow) {
        scopes.push(&step["env"]);
    }
    for scope in scopes {
        let Some(vars) = scope.as_object() else {
            continue;
        };
        for name in vars.keys() {
            assert!(
                !ENV_VARS.contains(&name.as_str()),
                "the workflow overrides {name}, which the provenance reads"
            );
        }
    }
    // And the workflow does generate it, keyless, as the job.
    let lines = sigchain_command_lines(&workflow);
    assert!(lines.iter().any(|line| line[0] == "attest"
        && line.iter().any(|w| w == "--generate")
        && line.iter().any(|w| w == "slsaprovenance")));
}

//! Fulcio's CI extensions for a GitHub Actions job (fulcio `docs/oid-info.md`): what the job's
//! token claims become in its certificate, so verifiers can hold a provenance statement to the
//! workflow that signed it.
//!
//! `.1.2`–`.1.6` are the deprecated GitHub extensions, raw UTF-8 bytes; `.1.9` onwards are DER
//! UTF8Strings. URIs are [`GITHUB_SERVER_URL`]-prefixed paths, as Fulcio writes them.

use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, Utf8StringRef};
use x509_cert::ext::Extension;

use crate::oidc::github_actions::GITHUB_SERVER_URL;
use crate::oidc::GithubActionsClaims;
use crate::pki::{extension, PkiError};

/// `1.3.6.1.4.1.57264.1.<arc>`.
fn fulcio_oid(arc: u32) -> Result<ObjectIdentifier, PkiError> {
    ObjectIdentifier::new(&format!("1.3.6.1.4.1.57264.1.{arc}"))
        .map_err(|e| PkiError::Der(der::Error::from(e)))
}

/// The extensions, in OID order.
pub(crate) fn github_actions(job: &GithubActionsClaims) -> Result<Vec<Extension>, PkiError> {
    let uri = |path: &str| format!("{GITHUB_SERVER_URL}/{path}");
    let raw: [(u32, &str); 5] = [
        (2, &job.event_name),
        (3, &job.sha),
        (4, &job.workflow),
        (5, &job.repository),
        (6, &job.git_ref),
    ];
    let mut der_valued: Vec<(u32, String)> = vec![
        (9, job.build_signer_uri()),
        (10, job.job_workflow_sha.clone()),
        (11, job.runner_environment.clone()),
        (12, uri(&job.repository)),
        (13, job.sha.clone()),
        (14, job.git_ref.clone()),
        (15, job.repository_id.clone()),
        (16, uri(&job.repository_owner)),
        (17, job.repository_owner_id.clone()),
        (18, uri(&job.workflow_ref)),
        (19, job.workflow_sha.clone()),
        (20, job.event_name.clone()),
        (21, job.run_invocation_uri()),
        (22, job.repository_visibility.clone()),
    ];
    if let Some(environment) = &job.environment {
        der_valued.push((23, environment.clone()));
    }
    let mut extensions = Vec::with_capacity(raw.len() + der_valued.len());
    for (arc, value) in raw {
        extensions.push(Extension {
            extn_id: fulcio_oid(arc)?,
            critical: false,
            extn_value: OctetString::new(value.as_bytes().to_vec())?,
        });
    }
    for (arc, value) in &der_valued {
        extensions.push(extension(
            fulcio_oid(*arc)?,
            false,
            &Utf8StringRef::new(value)?,
        )?);
    }
    Ok(extensions)
}

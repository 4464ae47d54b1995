//! Rekor v2 (rekor-tiles): `POST /api/v2/log/entries`, answered with a protobuf-JSON
//! `TransparencyLogEntry` (the very object a v0.3 bundle carries), and the C2SP tlog-tiles
//! read API under `/api/v2/` (see [`crate::tiles`]).
//!
//! The answer to a create is checked like a Rekor v1 one, less what Rekor v2 does not give:
//! no signed entry timestamp and no integrated time (a bundle gets its trusted time from a
//! timestamp authority instead). The inclusion proof must reach a checkpoint signed by the
//! log's key, with the proof's size and root equal to the checkpoint's, and the body must
//! record exactly the proposal.
//!
//! Rekor v2 has no call that returns an entry or a proof: entries are read through tiles.
//! [`RekorV2::check_checkpoint`] verifies the log's current [`TreeHead`];
//! [`RekorV2::read_entry`] and [`RekorV2::read_consistency`] start sans-IO reads
//! ([`EntryRead`], [`ConsistencyRead`]) that name the tiles to fetch and, once they are
//! answered, give a [`LoggedEntry`] or a consistency proof checked against signed checkpoints.
//!
//! ```
//! use sigchain_core::trust_root::TrustedRoot;
//! use sigchain_core::verify::{Verifier, VerifierConfig};
//! use sigchain_rekor::v2::RekorV2;
//! let root = TrustedRoot::production();
//! let rekor = RekorV2::new(Verifier::new(root, VerifierConfig::default()), root.tlogs[0].log_id.clone());
//! assert_eq!(rekor.checkpoint().path_and_query, "/api/v2/checkpoint");
//! ```

mod read;

pub use read::{ConsistencyRead, EntryRead, TileReadError};

use sigchain_core::bundle::TlogEntry;
use sigchain_core::encoding::hex_encode;
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::tlog::checkpoint::MAX_CHECKPOINT_BYTES;
use sigchain_core::tlog::{verify_checkpoint, VerifiedCheckpoint, WitnessPolicy};
use sigchain_core::trust_root::{LogId, TransparencyLog};
use sigchain_core::verify::{TlogError, Verifier};

use crate::check::{expect_status, verify_answered_entry, witnessed, Binding};
use crate::entry::LoggedEntry;
use crate::error::RekorError;
use crate::http::{HttpRequest, HttpResponse, Idempotency, Method};
use crate::proposal::{Proposal, V2DsseKind};
use crate::v1::MAX_SMALL_ANSWER_BYTES;

/// A Rekor v2 log, as requests to make and checks on the answers. See the module docs.
#[derive(Debug)]
pub struct RekorV2 {
    verifier: Verifier,
    log_id: LogId,
    dsse_kind: V2DsseKind,
    witnesses: Option<WitnessPolicy>,
}

/// A tree head the log signed, as `GET /api/v2/checkpoint` serves it. Only
/// [`RekorV2::check_checkpoint`] and [`RekorV2::verify_checkpoint_note`] make one, so its
/// note always verifies with the log's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    checkpoint: VerifiedCheckpoint,
    note: String,
}

impl TreeHead {
    /// The verified checkpoint: tree size and root hash.
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        &self.checkpoint
    }

    /// The signed note as served, signatures included: what an entry's inclusion proof
    /// carries, and what a monitor keeps to verify again later.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The number of entries in the signed tree.
    pub fn tree_size(&self) -> u64 {
        self.checkpoint.tree_size()
    }
}

impl RekorV2 {
    /// Requests go to the log `log_id` of `verifier`'s trusted root; answers are checked with
    /// `verifier`. DSSE envelopes are logged as `hashedrekord` 0.0.2 over their PAE.
    pub fn new(verifier: Verifier, log_id: LogId) -> RekorV2 {
        RekorV2 {
            verifier,
            log_id,
            dsse_kind: V2DsseKind::default(),
            witnesses: None,
        }
    }

    /// Also require every checkpoint an answer carries to be cosigned by `policy`'s
    /// witnesses (C2SP tlog-cosignature).
    pub fn with_witnesses(mut self, policy: WitnessPolicy) -> RekorV2 {
        self.witnesses = Some(policy);
        self
    }

    /// The witness policy, if any.
    pub fn witnesses(&self) -> Option<&WitnessPolicy> {
        self.witnesses.as_ref()
    }

    /// Log DSSE envelopes as `kind` instead.
    pub fn with_dsse_kind(mut self, kind: V2DsseKind) -> RekorV2 {
        self.dsse_kind = kind;
        self
    }

    /// The verifier the answers are checked with.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The log written to.
    pub fn log_id(&self) -> &LogId {
        &self.log_id
    }

    /// Which entry kind DSSE proposals become.
    pub fn dsse_kind(&self) -> V2DsseKind {
        self.dsse_kind
    }

    fn limits(&self) -> &Limits {
        &self.verifier.config().limits
    }

    fn entry_answer_bytes(&self) -> usize {
        self.limits()
            .max_bundle_bytes
            .saturating_add(MAX_SMALL_ANSWER_BYTES)
    }

    fn log(&self) -> Result<&TransparencyLog, RekorError> {
        self.verifier
            .trusted_root()
            .tlog(&self.log_id.0)
            .ok_or_else(|| RekorError::Verify(TlogError::UnknownLog(self.log_id.clone())))
    }

    /// `POST /api/v2/log/entries`: submit `proposal`. Not to be resent blindly: see
    /// [`Idempotency::Create`].
    pub fn create_entry(&self, proposal: &Proposal) -> Result<HttpRequest, RekorError> {
        Ok(HttpRequest {
            method: Method::Post,
            path_and_query: "/api/v2/log/entries".to_owned(),
            headers: Vec::new(),
            body: Some(proposal.v2_request_json(self.dsse_kind)?),
            idempotency: Idempotency::Create,
            max_response_bytes: self.entry_answer_bytes(),
        })
    }

    /// `GET /api/v2/checkpoint`: the current signed checkpoint.
    pub fn checkpoint(&self) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path_and_query: "/api/v2/checkpoint".to_owned(),
            headers: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
            max_response_bytes: MAX_CHECKPOINT_BYTES,
        }
    }

    /// Check the answer to [`RekorV2::checkpoint`]: a signed note that verifies with this
    /// log's key (see [`sigchain_core::tlog::checkpoint`] for the rules).
    pub fn check_checkpoint(&self, response: &HttpResponse) -> Result<TreeHead, RekorError> {
        expect_status(response, 200, MAX_CHECKPOINT_BYTES)?;
        let note = std::str::from_utf8(&response.body)
            .map_err(|_| RekorError::Malformed("checkpoint (not UTF-8)"))?;
        self.verify_checkpoint_note(note)
    }

    /// Verify a checkpoint note kept from earlier (e.g. [`TreeHead::note`] stored by a
    /// monitor) with this log's key.
    pub fn verify_checkpoint_note(&self, note: &str) -> Result<TreeHead, RekorError> {
        let checkpoint = verify_checkpoint(note, self.log()?, self.limits())?;
        witnessed(note, self.witnesses.as_ref(), self.limits())?;
        Ok(TreeHead {
            checkpoint,
            note: note.to_owned(),
        })
    }

    /// Check the answer to [`RekorV2::create_entry`]: an entry of this log recording exactly
    /// `proposal`, with an inclusion proof to a checkpoint the log signed. A duplicate
    /// (`409`, with the existing index in `x-log-index`) becomes
    /// [`RekorError::AlreadyExists`].
    pub fn check_created(
        &self,
        proposal: &Proposal,
        response: &HttpResponse,
        now: Timestamp,
    ) -> Result<LoggedEntry, RekorError> {
        if response.status == 409 {
            return Err(RekorError::AlreadyExists {
                location: None,
                log_index: response
                    .header("x-log-index")
                    .and_then(|i| i.trim().parse().ok()),
            });
        }
        // rekor-tiles answers 201; a plain gRPC gateway would answer 200.
        let status = if response.status == 200 { 200 } else { 201 };
        expect_status(response, status, self.entry_answer_bytes())?;
        let entry = TlogEntry::from_json(&response.body, self.limits())?;
        if entry.log_id != self.log_id {
            return Err(RekorError::WrongLog {
                expected: hex_encode(&self.log_id.0),
                got: hex_encode(&entry.log_id.0),
            });
        }
        let expected_body = proposal.v2_canonical_body(self.dsse_kind)?;
        let verified = verify_answered_entry(
            &self.verifier,
            &entry,
            Binding::Exactly(proposal, &expected_body),
            self.witnesses.as_ref(),
            now,
        )?;
        Ok(LoggedEntry {
            uuid: None,
            entry,
            verified,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use sigchain_core::crypto::HashAlgorithm;
    use sigchain_core::encoding::base64_decode;
    use sigchain_core::trust_root::TrustedRoot;
    use sigchain_core::verify::VerifierConfig;

    use crate::proposal::Signer;

    const CONFORMANCE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/bundle-verify"
    );

    struct Fixture {
        rekor: RekorV2,
        proposal: Proposal,
        answer: Value,
    }

    /// A real Rekor v2 (staging) entry from the conformance suite, as the create answer.
    fn fixture(case: &str) -> Fixture {
        let dir = format!("{CONFORMANCE}/{case}");
        let b: Value =
            serde_json::from_slice(&std::fs::read(format!("{dir}/bundle.sigstore.json")).unwrap())
                .unwrap();
        let root =
            TrustedRoot::from_json(&std::fs::read(format!("{dir}/trusted_root.json")).unwrap())
                .unwrap();
        let answer = b["verificationMaterial"]["tlogEntries"][0].clone();
        let entry = TlogEntry::from_json(answer.to_string().as_bytes(), &Limits::DEFAULT).unwrap();
        let cert = base64_decode(
            b["verificationMaterial"]["certificate"]["rawBytes"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let proposal = if b["dsseEnvelope"].is_object() {
            Proposal::dsse(
                b["dsseEnvelope"].to_string().into_bytes(),
                Signer::Certificate(cert),
                &Limits::DEFAULT,
            )
            .unwrap()
        } else {
            let sig = &b["messageSignature"];
            Proposal::hashed_rekord(
                HashAlgorithm::Sha256,
                base64_decode(sig["messageDigest"]["digest"].as_str().unwrap()).unwrap(),
                base64_decode(sig["signature"].as_str().unwrap()).unwrap(),
                Signer::Certificate(cert),
            )
            .unwrap()
        };
        let verifier = Verifier::new(&root, VerifierConfig::default());
        Fixture {
            rekor: RekorV2::new(verifier, entry.log_id),
            proposal,
            answer,
        }
    }

    fn created(f: &Fixture, answer: &Value) -> Result<LoggedEntry, RekorError> {
        let response = HttpResponse::new(201, answer.to_string().into_bytes());
        f.rekor
            .check_created(&f.proposal, &response, Timestamp::now())
    }

    #[test]
    fn real_rekor_v2_answers_pass() {
        for case in ["rekor2-happy-path", "rekor2-dsse-happy-path"] {
            let f = fixture(case);
            let entry = created(&f, &f.answer).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(entry.uuid().is_none());
            assert!(entry.verified().integrated_time().is_none());
            assert!(entry.checkpoint().is_some());
            // The request carries what the logged body records.
            let request = f.rekor.create_entry(&f.proposal).unwrap();
            let request: Value = serde_json::from_slice(&request.body.unwrap()).unwrap();
            let body: Value =
                serde_json::from_slice(&entry.tlog_entry().canonicalized_body).unwrap();
            assert_eq!(
                request["hashedRekordRequestV002"]["signature"],
                body["spec"]["hashedRekordV002"]["signature"],
                "{case}"
            );
        }
    }

    #[test]
    fn forged_rekor_v2_answers_fail() {
        let f = fixture("rekor2-happy-path");
        let with = |edit: &dyn Fn(&mut Value)| {
            let mut v = f.answer.clone();
            edit(&mut v);
            created(&f, &v).unwrap_err()
        };
        // Nothing signs a v2 entry's own index: it must be the proven one.
        for claimed in [Value::from("0"), Value::Null] {
            let err = with(&|v| match &claimed {
                Value::Null => {
                    v.as_object_mut().unwrap().remove("logIndex");
                }
                other => v["logIndex"] = other.clone(),
            });
            assert!(matches!(err, RekorError::WrongEntry { .. }), "{err:?}");
        }
        assert!(matches!(
            with(&|v| {
                v.as_object_mut().unwrap().remove("inclusionProof");
            }),
            RekorError::Entry(_)
        ));
        assert!(matches!(
            with(&|v| v["inclusionProof"]["hashes"][0] = Value::from("A".repeat(43) + "=")),
            RekorError::Verify(TlogError::InclusionProof(_))
        ));
        assert!(matches!(
            with(&|v| v["logId"]["keyId"] = Value::from("A".repeat(43) + "=")),
            RekorError::WrongLog { .. }
        ));
        let other = Proposal::hashed_rekord(
            HashAlgorithm::Sha256,
            vec![1; 32],
            b"sig".to_vec(),
            f.proposal.signer().clone(),
        )
        .unwrap();
        let response = HttpResponse::new(201, f.answer.to_string().into_bytes());
        assert!(matches!(
            f.rekor.check_created(&other, &response, Timestamp::now()),
            Err(RekorError::Verify(TlogError::Body(_)))
        ));
        let mut duplicate = HttpResponse::new(409, b"{}".to_vec());
        duplicate
            .headers
            .push(("x-log-index".to_owned(), "42".to_owned()));
        assert!(matches!(
            f.rekor
                .check_created(&f.proposal, &duplicate, Timestamp::now()),
            Err(RekorError::AlreadyExists {
                log_index: Some(42),
                ..
            })
        ));
        // A gRPC gateway's 200 is an answer too; any other success status is not.
        let gateway = HttpResponse::new(200, f.answer.to_string().into_bytes());
        assert!(f
            .rekor
            .check_created(&f.proposal, &gateway, Timestamp::now())
            .is_ok());
        let accepted = HttpResponse::new(202, f.answer.to_string().into_bytes());
        assert!(matches!(
            f.rekor
                .check_created(&f.proposal, &accepted, Timestamp::now()),
            Err(RekorError::Status { status: 202, .. })
        ));
        let server_error = HttpResponse::new(503, b"{\"message\":\"pushback\"}".to_vec());
        assert!(matches!(
            f.rekor
                .check_created(&f.proposal, &server_error, Timestamp::now()),
            Err(RekorError::Status { status: 503, .. })
        ));
    }

    /// The checkpoint a real entry's proof reached, served as `GET /api/v2/checkpoint`.
    fn served_checkpoint(f: &Fixture) -> HttpResponse {
        let note = f.answer["inclusionProof"]["checkpoint"]["envelope"]
            .as_str()
            .unwrap();
        HttpResponse::new(200, note.as_bytes().to_vec())
    }

    #[test]
    fn real_checkpoints_verify_with_the_log_key() {
        let f = fixture("rekor2-happy-path");
        let served = served_checkpoint(&f);
        let head = f.rekor.check_checkpoint(&served).unwrap();
        assert_eq!(head.note().as_bytes(), served.body);
        let size = f.answer["inclusionProof"]["treeSize"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap();
        assert_eq!(head.tree_size(), size);
        assert!(matches!(
            f.rekor
                .check_checkpoint(&HttpResponse::new(200, vec![0xff, 0xfe])),
            Err(RekorError::Malformed(_))
        ));
        let mut altered = served.body.clone();
        altered[0] ^= 1;
        assert!(matches!(
            f.rekor.check_checkpoint(&HttpResponse::new(200, altered)),
            Err(RekorError::Checkpoint(_))
        ));
        let mut huge = served.body.clone();
        huge.resize(MAX_CHECKPOINT_BYTES + 1, b'\n');
        assert!(matches!(
            f.rekor.check_checkpoint(&HttpResponse::new(200, huge)),
            Err(RekorError::TooLarge { .. })
        ));
    }

    /// With a witness policy, a create answer and a checkpoint the witnesses did not cosign
    /// are refused; without one the same answers pass.
    #[test]
    fn answers_need_the_cosignatures_the_policy_requires() {
        let f = fixture("rekor2-happy-path");
        assert!(f.rekor.witnesses().is_none());
        let served = served_checkpoint(&f);
        assert!(f.rekor.check_checkpoint(&served).is_ok());
        let root = TrustedRoot::from_json(
            &std::fs::read(format!("{CONFORMANCE}/rekor2-happy-path/trusted_root.json")).unwrap(),
        )
        .unwrap();
        let witnessed = Fixture {
            rekor: RekorV2::new(
                Verifier::new(&root, VerifierConfig::default()),
                f.rekor.log_id().clone(),
            )
            .with_witnesses(crate::v1::tests::absent_witness_policy()),
            proposal: f.proposal.clone(),
            answer: f.answer.clone(),
        };
        assert!(matches!(
            created(&witnessed, &witnessed.answer),
            Err(RekorError::Witness(_))
        ));
        assert!(matches!(
            witnessed.rekor.check_checkpoint(&served),
            Err(RekorError::Witness(_))
        ));
    }
}

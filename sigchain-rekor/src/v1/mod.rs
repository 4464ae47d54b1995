//! Rekor v1 (`/api/v1/...`): requests to make and the checks every answer must pass.
//!
//! [`RekorV1`] holds what the checks need (a [`Verifier`] with the trusted root, and which log
//! the requests go to) and has, for each API call, a method that builds the
//! [`HttpRequest`] and one that checks the [`HttpResponse`]. The checks, in order:
//!
//! 1. the status is the one the call expects (a 409 on create becomes
//!    [`RekorError::AlreadyExists`], so the caller looks the entry up instead of resending);
//! 2. the answer is within its size bound and of the documented shape;
//! 3. an entry's UUID ends in the leaf hash of its body, and it is the entry asked for;
//! 4. the entry's evidence verifies with `sigchain-core`'s transparency-log step: the signed
//!    entry timestamp, and an inclusion proof to a checkpoint signed by a trusted log key whose
//!    size and root equal the proof's (required: a promise alone is not accepted);
//! 5. for a submission, the body records exactly the proposal's content and signer;
//! 6. a tree head's unsigned size and root equal its signed checkpoint's; a consistency proof
//!    connects two verified checkpoints.
//!
//! ```
//! use sigchain_core::trust_root::TrustedRoot;
//! use sigchain_core::verify::{Verifier, VerifierConfig};
//! use sigchain_rekor::v1::RekorV1;
//! let root = TrustedRoot::production();
//! let log = &root.tlogs[0];
//! let rekor = RekorV1::new(Verifier::new(root, VerifierConfig::default()), log.log_id.clone());
//! let request = rekor.get_entry_by_index(42);
//! assert_eq!(request.path_and_query, "/api/v1/log/entries?logIndex=42");
//! ```

pub mod wire;

use std::collections::BTreeMap;

use sigchain_core::bundle::{Checkpoint, InclusionPromise, InclusionProof, KindVersion, TlogEntry};
use sigchain_core::encoding::{base64_decode, hex_decode, hex_encode};
use sigchain_core::limits::Limits;
use sigchain_core::time::Timestamp;
use sigchain_core::tlog::{
    hash_leaf, verify_checkpoint, verify_consistency, VerifiedCheckpoint, WitnessPolicy,
};
use sigchain_core::trust_root::{LogId, TransparencyLog};
use sigchain_core::verify::{TlogError, Verifier};

use crate::check::{agree, expect_status, verify_answered_entry, witnessed, Binding};
use crate::entry::{EntryUuid, LoggedEntry};
use crate::error::RekorError;
use crate::http::{HttpRequest, HttpResponse, Idempotency, Method};
use crate::proposal::Proposal;

/// Largest answer to a tree-head, proof or search request, in bytes.
pub const MAX_SMALL_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// Most UUIDs a search answer may hold.
pub const MAX_SEARCH_RESULTS: usize = 65_536;

/// A Rekor v1 log, as requests to make and checks on the answers. See the module docs.
#[derive(Debug)]
pub struct RekorV1 {
    verifier: Verifier,
    log_id: LogId,
    witnesses: Option<WitnessPolicy>,
}

/// Which entry a read asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryQuery {
    /// By UUID (either form).
    Uuid(EntryUuid),
    /// By global log index.
    Index(u64),
}

/// A tree head the log signed, as `GET /api/v1/log` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    /// The verified checkpoint.
    pub checkpoint: VerifiedCheckpoint,
    /// The signed note text, for a monitor to keep.
    pub note: String,
    /// The active shard's tree id.
    pub tree_id: String,
}

impl RekorV1 {
    /// Requests go to the log `log_id` of `verifier`'s trusted root; answers are checked with
    /// `verifier` (its [`Limits`] bound the answers).
    pub fn new(verifier: Verifier, log_id: LogId) -> RekorV1 {
        RekorV1 {
            verifier,
            log_id,
            witnesses: None,
        }
    }

    /// Also require every checkpoint an answer carries to be cosigned by `policy`'s
    /// witnesses (C2SP tlog-cosignature): a log showing a split view to this client would need
    /// the witnesses to sign it too.
    pub fn with_witnesses(mut self, policy: WitnessPolicy) -> RekorV1 {
        self.witnesses = Some(policy);
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

    /// The witness policy, if any.
    pub fn witnesses(&self) -> Option<&WitnessPolicy> {
        self.witnesses.as_ref()
    }

    fn limits(&self) -> &Limits {
        &self.verifier.config().limits
    }

    fn log(&self) -> Result<&TransparencyLog, RekorError> {
        self.verifier
            .trusted_root()
            .tlog(&self.log_id.0)
            .ok_or_else(|| RekorError::Verify(TlogError::UnknownLog(self.log_id.clone())))
    }

    fn entry_answer_bytes(&self) -> usize {
        // An entry carries its body (bounded like a bundle) plus a proof and a checkpoint.
        self.limits()
            .max_bundle_bytes
            .saturating_add(MAX_SMALL_ANSWER_BYTES)
    }

    // ---- requests ------------------------------------------------------------------------

    /// `POST /api/v1/log/entries`: submit `proposal`. Not to be resent blindly: see
    /// [`Idempotency::Create`].
    pub fn create_entry(&self, proposal: &Proposal) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            path_and_query: "/api/v1/log/entries".to_owned(),
            headers: Vec::new(),
            body: Some(proposal.v1_request_json()),
            idempotency: Idempotency::Create,
            max_response_bytes: self.entry_answer_bytes(),
        }
    }

    /// `GET /api/v1/log/entries/{uuid}`.
    pub fn get_entry_by_uuid(&self, uuid: &EntryUuid) -> HttpRequest {
        self.get(
            format!("/api/v1/log/entries/{uuid}"),
            self.entry_answer_bytes(),
        )
    }

    /// `GET /api/v1/log/entries?logIndex=N`.
    pub fn get_entry_by_index(&self, log_index: u64) -> HttpRequest {
        self.get(
            format!("/api/v1/log/entries?logIndex={log_index}"),
            self.entry_answer_bytes(),
        )
    }

    /// `GET /api/v1/log/entries/{uuid}` for the entry `proposal` makes, by its leaf hash:
    /// how a client finds out whether a create whose answer was lost went through.
    pub fn find_proposed_entry(&self, proposal: &Proposal) -> HttpRequest {
        self.get_entry_by_uuid(&EntryUuid::new(None, proposal.v1_leaf_hash()))
    }

    /// `POST /api/v1/index/retrieve`: UUIDs of entries matching `query`.
    pub fn search_index(&self, query: &wire::SearchIndex) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            path_and_query: "/api/v1/index/retrieve".to_owned(),
            headers: Vec::new(),
            body: Some(serde_json::to_vec(query).unwrap_or_default()),
            idempotency: Idempotency::Safe,
            max_response_bytes: MAX_SMALL_ANSWER_BYTES,
        }
    }

    /// `GET /api/v1/log`: the current signed tree head.
    pub fn log_info(&self) -> HttpRequest {
        self.get("/api/v1/log".to_owned(), MAX_SMALL_ANSWER_BYTES)
    }

    /// `GET /api/v1/log/proof?firstSize=&lastSize=`: a consistency proof.
    pub fn consistency_proof(&self, first_size: u64, last_size: u64) -> HttpRequest {
        self.get(
            format!("/api/v1/log/proof?firstSize={first_size}&lastSize={last_size}"),
            MAX_SMALL_ANSWER_BYTES,
        )
    }

    fn get(&self, path_and_query: String, max_response_bytes: usize) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path_and_query,
            headers: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
            max_response_bytes,
        }
    }

    // ---- checks --------------------------------------------------------------------------

    /// Check the answer to [`RekorV1::create_entry`]: a new entry of this log recording
    /// exactly `proposal`, with verified evidence.
    pub fn check_created(
        &self,
        proposal: &Proposal,
        response: &HttpResponse,
        now: Timestamp,
    ) -> Result<LoggedEntry, RekorError> {
        if response.status == 409 {
            return Err(RekorError::AlreadyExists {
                location: response.header("location").map(str::to_owned),
                log_index: None,
            });
        }
        expect_status(response, 201, self.entry_answer_bytes())?;
        let entry = self.check_entry_answer(&response.body, Some(proposal), now)?;
        self.written_here(&entry)?;
        Ok(entry)
    }

    /// Check the answer to a read of the entry `proposal` made (e.g.
    /// [`RekorV1::find_proposed_entry`] after a lost or 409 answer): `Ok(None)` when the log
    /// does not have it (404), so the proposal may be submitted again.
    pub fn check_proposed_entry(
        &self,
        proposal: &Proposal,
        response: &HttpResponse,
        now: Timestamp,
    ) -> Result<Option<LoggedEntry>, RekorError> {
        if response.status == 404 {
            return Ok(None);
        }
        expect_status(response, 200, self.entry_answer_bytes())?;
        let entry = self.check_entry_answer(&response.body, Some(proposal), now)?;
        // The proposal went to this log: another log's entry for it is not its answer.
        self.written_here(&entry)?;
        let wanted = proposal.v1_leaf_hash();
        if let Some(uuid) = entry.uuid.as_ref().filter(|u| *u.leaf_hash() != wanted) {
            return Err(RekorError::WrongEntry {
                asked: hex_encode(&wanted),
                got: uuid.to_string(),
            });
        }
        Ok(Some(entry))
    }

    /// Check the answer to [`RekorV1::get_entry_by_uuid`] or
    /// [`RekorV1::get_entry_by_index`]: the entry asked for, with verified evidence. Its body
    /// is not bound to any content: use [`RekorV1::check_proposed_entry`] for that.
    pub fn check_entry(
        &self,
        asked: &EntryQuery,
        response: &HttpResponse,
        now: Timestamp,
    ) -> Result<LoggedEntry, RekorError> {
        expect_status(response, 200, self.entry_answer_bytes())?;
        let entry = self.check_entry_answer(&response.body, None, now)?;
        let matches = match asked {
            EntryQuery::Uuid(uuid) => entry
                .uuid
                .as_ref()
                .is_some_and(|got| got.leaf_hash() == uuid.leaf_hash()),
            EntryQuery::Index(index) => entry.entry.log_index == *index,
        };
        if !matches {
            return Err(RekorError::WrongEntry {
                asked: match asked {
                    EntryQuery::Uuid(uuid) => uuid.to_string(),
                    EntryQuery::Index(index) => index.to_string(),
                },
                got: entry
                    .uuid
                    .as_ref()
                    .map_or_else(|| entry.entry.log_index.to_string(), ToString::to_string),
            });
        }
        Ok(entry)
    }

    /// Check the answer to [`RekorV1::search_index`]: the UUIDs found (possibly none). They
    /// are only names: read each entry to learn anything about it.
    pub fn check_search(&self, response: &HttpResponse) -> Result<Vec<EntryUuid>, RekorError> {
        expect_status(response, 200, MAX_SMALL_ANSWER_BYTES)?;
        let texts: Vec<String> = serde_json::from_slice(&response.body)?;
        if texts.len() > MAX_SEARCH_RESULTS {
            return Err(RekorError::Malformed("search results (too many)"));
        }
        texts
            .iter()
            .map(|t| EntryUuid::parse(t).ok_or(RekorError::Malformed("search result UUID")))
            .collect()
    }

    /// Check the answer to [`RekorV1::log_info`]: the checkpoint verifies with the log's key,
    /// and the unsigned `treeSize` and `rootHash` beside it equal the signed ones.
    pub fn check_log_info(&self, response: &HttpResponse) -> Result<TreeHead, RekorError> {
        expect_status(response, 200, MAX_SMALL_ANSWER_BYTES)?;
        let info: wire::LogInfo = serde_json::from_slice(&response.body)?;
        let checkpoint = verify_checkpoint(&info.signed_tree_head, self.log()?, self.limits())?;
        witnessed(
            &info.signed_tree_head,
            self.witnesses.as_ref(),
            self.limits(),
        )?;
        agree(
            "treeSize",
            &info.tree_size.to_string(),
            &checkpoint.tree_size().to_string(),
        )?;
        agree(
            "rootHash",
            &info.root_hash.to_ascii_lowercase(),
            &checkpoint.root_hash().to_hex(),
        )?;
        Ok(TreeHead {
            checkpoint,
            note: info.signed_tree_head,
            tree_id: info.tree_id,
        })
    }

    /// Check the answer to [`RekorV1::consistency_proof`] between two verified checkpoints of
    /// this log: the proof connects `old` to `new`. Returns the proof hashes.
    pub fn check_consistency_proof(
        &self,
        response: &HttpResponse,
        old: &VerifiedCheckpoint,
        new: &VerifiedCheckpoint,
    ) -> Result<Vec<[u8; 32]>, RekorError> {
        expect_status(response, 200, MAX_SMALL_ANSWER_BYTES)?;
        let proof: wire::ConsistencyProof = serde_json::from_slice(&response.body)?;
        agree(
            "rootHash",
            &proof.root_hash.to_ascii_lowercase(),
            &new.root_hash().to_hex(),
        )?;
        let hashes = hex_hashes(&proof.hashes, self.limits(), "hashes")?;
        verify_consistency(
            old.tree_size(),
            new.tree_size(),
            &old.root_hash().0,
            &new.root_hash().0,
            &hashes,
        )
        .map_err(RekorError::Consistency)?;
        Ok(hashes)
    }

    fn written_here(&self, entry: &LoggedEntry) -> Result<(), RekorError> {
        if entry.entry.log_id != self.log_id {
            return Err(RekorError::WrongLog {
                expected: hex_encode(&self.log_id.0),
                got: hex_encode(&entry.entry.log_id.0),
            });
        }
        Ok(())
    }

    /// The one entry of an entry map, converted and verified.
    fn check_entry_answer(
        &self,
        body: &[u8],
        proposal: Option<&Proposal>,
        now: Timestamp,
    ) -> Result<LoggedEntry, RekorError> {
        let map: BTreeMap<String, wire::LogEntryAnon> = serde_json::from_slice(body)?;
        let mut entries = map.into_iter();
        let (Some((uuid_text, anon)), None) = (entries.next(), entries.next()) else {
            return Err(RekorError::EntryCount(body_entry_count(body)));
        };
        let uuid = EntryUuid::parse(&uuid_text).ok_or(RekorError::Malformed("entry UUID"))?;
        let entry = tlog_entry(&anon, self.limits())?;
        let leaf_hash = hash_leaf(&entry.canonicalized_body);
        if *uuid.leaf_hash() != leaf_hash {
            return Err(RekorError::UuidMismatch {
                uuid: uuid_text,
                leaf_hash: hex_encode(&leaf_hash),
            });
        }
        if entry.inclusion_promise.is_none() {
            return Err(RekorError::MissingPromise);
        }
        let binding = proposal.map_or(Binding::Unbound, Binding::Recorded);
        let verified = verify_answered_entry(
            &self.verifier,
            &entry,
            binding,
            self.witnesses.as_ref(),
            now,
        )?;
        Ok(LoggedEntry {
            uuid: Some(uuid),
            entry,
            verified,
        })
    }
}

/// A Rekor v1 entry in the form a bundle carries it. Fields are only converted here; the
/// verifier checks them.
pub fn tlog_entry(anon: &wire::LogEntryAnon, limits: &Limits) -> Result<TlogEntry, RekorError> {
    let body = base64_decode(&anon.body).ok_or(RekorError::Malformed("body"))?;
    if body.len() > limits.max_bundle_bytes {
        return Err(RekorError::TooLarge {
            len: body.len(),
            max: limits.max_bundle_bytes,
        });
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Header {
        kind: String,
        api_version: String,
    }
    let header: Header = serde_json::from_slice(&body)?;
    let log_id = hex_decode(&anon.log_id)
        .filter(|id| id.len() == 32)
        .ok_or(RekorError::Malformed("logID"))?;
    let log_index = u64::try_from(anon.log_index).map_err(|_| RekorError::Malformed("logIndex"))?;
    if anon.integrated_time <= 0 {
        return Err(RekorError::Malformed("integratedTime"));
    }
    let verification = anon.verification.as_ref();
    let inclusion_promise = verification
        .and_then(|v| v.signed_entry_timestamp.as_deref())
        .map(|set| {
            base64_decode(set)
                .filter(|s| !s.is_empty())
                .map(|signed_entry_timestamp| InclusionPromise {
                    signed_entry_timestamp,
                })
                .ok_or(RekorError::Malformed("signedEntryTimestamp"))
        })
        .transpose()?;
    let inclusion_proof = verification
        .and_then(|v| v.inclusion_proof.as_ref())
        .map(|proof| inclusion_proof(proof, limits))
        .transpose()?;
    Ok(TlogEntry {
        log_index,
        log_id: LogId(log_id),
        kind_version: KindVersion {
            kind: header.kind,
            version: header.api_version,
        },
        integrated_time: Some(Timestamp(anon.integrated_time)),
        inclusion_promise,
        inclusion_proof,
        canonicalized_body: body,
    })
}

fn inclusion_proof(
    proof: &wire::InclusionProof,
    limits: &Limits,
) -> Result<InclusionProof, RekorError> {
    let root_hash = hex_decode(&proof.root_hash)
        .filter(|r| r.len() == 32)
        .ok_or(RekorError::Malformed("inclusionProof.rootHash"))?;
    Ok(InclusionProof {
        log_index: u64::try_from(proof.log_index)
            .map_err(|_| RekorError::Malformed("inclusionProof.logIndex"))?,
        root_hash,
        tree_size: u64::try_from(proof.tree_size)
            .map_err(|_| RekorError::Malformed("inclusionProof.treeSize"))?,
        hashes: hex_hashes(&proof.hashes, limits, "inclusionProof.hashes")?
            .into_iter()
            .map(Vec::from)
            .collect(),
        checkpoint: Some(Checkpoint {
            envelope: proof.checkpoint.clone(),
        }),
    })
}

fn hex_hashes(
    hashes: &[String],
    limits: &Limits,
    field: &'static str,
) -> Result<Vec<[u8; 32]>, RekorError> {
    if hashes.len() > limits.max_proof_hashes {
        return Err(RekorError::Malformed(field));
    }
    hashes
        .iter()
        .map(|h| {
            hex_decode(h)
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or(RekorError::Malformed(field))
        })
        .collect()
}

fn body_entry_count(body: &[u8]) -> usize {
    serde_json::from_slice::<BTreeMap<String, serde::de::IgnoredAny>>(body).map_or(0, |m| m.len())
}

#[cfg(test)]
pub(crate) mod tests;

//! Step: RFC 3161 timestamps, then the evidence thresholds.
//!
//! A trusted time comes from a log's signed integrated time or from a timestamp authority;
//! everything time-bound afterwards (the certificate chain) is checked at each of them.

use crate::time::Timestamp;
use crate::timestamp::{TimestampAuthorities, VerifiedTimestamp};

use super::config::VerifierConfig;
use super::error::{ThresholdError, VerifyError};
use super::result::{TimeSource, VerifiedTime};
use super::tlog::VerifiedLogEntry;

/// Verify every signed timestamp over `timestamped` (the signature bytes).
pub(crate) fn verify_signed_timestamps(
    authorities: &TimestampAuthorities,
    signed_timestamps: &[Vec<u8>],
    timestamped: &[u8],
) -> Result<Vec<VerifiedTimestamp>, VerifyError> {
    signed_timestamps
        .iter()
        .enumerate()
        .map(|(index, token)| {
            authorities
                .verify(token, timestamped)
                .map_err(|source| VerifyError::SignedTimestamp { index, source })
        })
        .collect()
}

/// Apply the configured thresholds and gather the trusted times.
pub(crate) fn trusted_times(
    config: &VerifierConfig,
    entries: &[VerifiedLogEntry],
    stamps: &[VerifiedTimestamp],
) -> Result<Vec<VerifiedTime>, ThresholdError> {
    if entries.len() < config.tlog_entries {
        return Err(ThresholdError::TlogEntries {
            verified: entries.len(),
            required: config.tlog_entries,
        });
    }
    if stamps.len() < config.signed_timestamps {
        return Err(ThresholdError::SignedTimestamps {
            verified: stamps.len(),
            required: config.signed_timestamps,
        });
    }
    // An entry without a signed integrated time (Rekor v2) carries no time of its own, so its
    // log's key must have been trusted at the times the timestamp authorities vouch for.
    for (index, entry) in entries.iter().enumerate() {
        if entry.integrated_time().is_none() {
            if stamps.is_empty() {
                return Err(ThresholdError::EntryWithoutTrustedTime { index });
            }
            if let Some(stamp) = stamps
                .iter()
                .find(|s| !entry.log_validity.contains(s.time()))
            {
                return Err(ThresholdError::LogOutsideValidity {
                    index,
                    time: stamp.time(),
                });
            }
        }
    }
    let mut times: Vec<VerifiedTime> = entries
        .iter()
        .filter_map(|e| {
            e.integrated_time().map(|time| VerifiedTime {
                source: TimeSource::TransparencyLog {
                    log_index: e.log_index(),
                },
                time,
            })
        })
        .collect();
    times.extend(stamps.iter().map(|s| VerifiedTime {
        source: TimeSource::TimestampAuthority {
            uri: s.authority_uri().to_owned(),
        },
        time: s.time(),
    }));
    if times.len() < config.observer_timestamps {
        return Err(ThresholdError::ObserverTimestamps {
            verified: times.len(),
            required: config.observer_timestamps,
        });
    }
    Ok(times)
}

/// The bare times, for time-bound checks.
pub(crate) fn instants(times: &[VerifiedTime]) -> Vec<Timestamp> {
    times.iter().map(|t| t.time).collect()
}

//! The LogMonitor against the instance's log: it advances with consistency proofs, and
//! reports a log served from an older copy of itself (rollback) and a log whose history was
//! rewritten (the proof to the new head does not connect).

mod common;

use common::{Server, Signer, Tamper};
use sigchain_core::trust_root::TransparencyLog;
use sigchain_rekor::monitor::{LogMonitor, MonitorEvent, MonitorLimits, Observation};
use sigchain_rekor::v1::RekorV1;

async fn append(server: &Server, rekor: &RekorV1, signer: &Signer, label: &str, count: usize) {
    for i in 0..count {
        let proposal = signer.hashed_rekord(format!("{label} {i}").as_bytes());
        let answer = server.send(&rekor.create_entry(&proposal)).await;
        rekor
            .check_created(&proposal, &answer, server.now())
            .unwrap();
    }
}

async fn observe(
    monitor: &mut LogMonitor,
    server: &Server,
    rekor: &RekorV1,
    log: &TransparencyLog,
) -> Observation {
    let head = rekor
        .check_log_info(&server.send(&rekor.log_info()).await)
        .unwrap();
    monitor.observe(&head.note, log, None).unwrap()
}

async fn prove(
    monitor: &mut LogMonitor,
    server: &Server,
    observation: Observation,
) -> MonitorEvent {
    let Observation::NeedsConsistencyProof(request) = observation else {
        panic!("expected a proof request, got {observation:?}");
    };
    let answer = server.send(&request.rekor_v1_request()).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let proof: sigchain_rekor::v1::wire::ConsistencyProof =
        serde_json::from_slice(&answer.body).unwrap();
    let hashes: Vec<[u8; 32]> = proof
        .hashes
        .iter()
        .map(|h| {
            sigchain_core::encoding::hex_decode(h)
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    monitor.on_consistency_proof(&request, &hashes).unwrap()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn the_monitor_sees_growth_a_rollback_and_a_rewritten_history() {
    let signer = Signer::new();
    let server = Server::start().await;
    let rekor = server.rekor_v1();
    let log = server.trusted_root.tlog(&rekor.log_id().0).unwrap().clone();
    let mut monitor = LogMonitor::new(MonitorLimits::DEFAULT);

    append(&server, &rekor, &signer, "a", 3).await;
    assert!(matches!(
        observe(&mut monitor, &server, &rekor, &log).await,
        Observation::First { tree_size: 3, .. }
    ));
    // A copy of the log as it is now, to serve later as if it were the log.
    let snapshot = tempfile::tempdir().unwrap();
    copy_dir(server.dir.path(), snapshot.path());

    append(&server, &rekor, &signer, "b", 5).await;
    let observation = observe(&mut monitor, &server, &rekor, &log).await;
    assert!(matches!(
        prove(&mut monitor, &server, observation).await,
        MonitorEvent::Advanced {
            from_size: 3,
            to_size: 8,
            ..
        }
    ));
    assert!(matches!(
        observe(&mut monitor, &server, &rekor, &log).await,
        Observation::Unchanged { tree_size: 8, .. }
    ));
    server.stop().await;

    // The old copy, same key: a smaller tree than one already seen.
    let old = Server::start_in(snapshot, Tamper::None).await;
    let old_rekor = old.rekor_v1();
    assert!(matches!(
        observe(&mut monitor, &old, &old_rekor, &log).await,
        Observation::Event(MonitorEvent::Rollback {
            known_size: 8,
            seen_size: 3,
            ..
        })
    ));
    // It grows past the known size with other entries: the new head does not extend the
    // known one, and the monitor keeps what it knew.
    append(&old, &old_rekor, &signer, "c", 7).await;
    let observation = observe(&mut monitor, &old, &old_rekor, &log).await;
    assert!(matches!(
        prove(&mut monitor, &old, observation).await,
        MonitorEvent::InconsistentProof { .. }
    ));
    let state = monitor.state();
    let (origin, record) = state.logs.iter().next().unwrap();
    assert_eq!(record.tree_size, 8);
    assert_eq!(monitor.latest(origin).unwrap().tree_size, 8);
    // The state survives a round trip through JSON.
    let json = state.to_json();
    let reloaded = LogMonitor::from_state(
        sigchain_rekor::monitor::MonitorState::from_json(json.as_bytes(), &MonitorLimits::DEFAULT)
            .unwrap(),
        MonitorLimits::DEFAULT,
    )
    .unwrap();
    assert_eq!(reloaded.state(), state);
    old.stop().await;
}

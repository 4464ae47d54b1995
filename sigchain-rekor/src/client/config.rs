//! What the log clients ([`RekorV1Client`](super::RekorV1Client),
//! [`RekorV2Client`](super::RekorV2Client)) are allowed to do beyond one request: how many
//! times a create is sent, how long to wait for a checkpoint, and which clock the checks read.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sigchain_core::time::Timestamp;

/// The time the checks compare integrated times with. The client is the I/O layer, so it may
/// read the system clock; tests pin it.
///
/// ```
/// use sigchain_rekor::client::Clock;
/// use sigchain_rekor::sigchain_core::time::Timestamp;
/// assert_eq!(Clock::fixed(Timestamp(1_700_000_000)).now(), Timestamp(1_700_000_000));
/// assert!(Clock::system().now().as_secs() > 1_700_000_000);
/// ```
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The system clock ([`Timestamp::now`]).
    pub fn system() -> Clock {
        Clock(Arc::new(Timestamp::now))
    }

    /// Always `at`.
    pub fn fixed(at: Timestamp) -> Clock {
        Clock(Arc::new(move || at))
    }

    /// Whatever `now` returns.
    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Bounds of a log client, on top of its transport's per-request ones.
///
/// ```
/// use sigchain_rekor::client::ClientConfig;
/// let config = ClientConfig { max_create_rounds: 2, ..ClientConfig::default() };
/// assert_eq!(config.checkpoint_polls, 5);
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Times a create may be sent in all (0 is taken as 1). A round ends in another one only
    /// when the create may have been applied and the log shows no such entry: each round
    /// costs the log one create and (Rekor v1) one lookup.
    pub max_create_rounds: u32,
    /// Rekor v2: how many more times to fetch the checkpoint when an entry the log named is
    /// not yet in it (the log publishes checkpoints at intervals).
    pub checkpoint_polls: u32,
    /// Rekor v2: the wait before each of those fetches.
    pub checkpoint_poll_interval: Duration,
    /// The clock the checks read.
    pub clock: Clock,
}

impl Default for ClientConfig {
    /// Three create rounds; five checkpoint polls one second apart; the system clock.
    fn default() -> Self {
        ClientConfig {
            max_create_rounds: 3,
            checkpoint_polls: 5,
            checkpoint_poll_interval: Duration::from_secs(1),
            clock: Clock::system(),
        }
    }
}

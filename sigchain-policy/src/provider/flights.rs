//! Lookups shared by everyone who asks the same thing at the same time, with their results
//! cached for a while.
//!
//! A caller finds either a fresh cached value, a lookup already under way (it waits for that
//! one's answer), or nothing: then it starts the lookup as a task of its own. The task runs to
//! its end even when every caller has stopped waiting (an admission deadline passed), so its
//! answer still warms the cache for the next request; the lookup's own timeout bounds it.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::runtime::Handle;
use tokio::sync::watch;

use super::cache::TtlCache;
use super::Clock;

/// How a caller got its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// From the cache.
    Cached,
    /// From a lookup another caller had started.
    Joined,
    /// From the lookup this caller started.
    Led,
}

/// The cache and the lookups under way, by key.
pub(crate) struct Flights<K, V> {
    state: Mutex<State<K, V>>,
    clock: Arc<dyn Clock>,
}

struct State<K, V> {
    cache: TtlCache<K, V>,
    /// Each lookup under way: its answer arrives on the channel (`None` until then).
    running: HashMap<K, watch::Receiver<Option<V>>>,
}

impl<K, V> Flights<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(crate) fn new(cache: TtlCache<K, V>, clock: Arc<dyn Clock>) -> Self {
        Flights {
            state: Mutex::new(State {
                cache,
                running: HashMap::new(),
            }),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<K, V>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many values are cached.
    pub(crate) fn cached(&self) -> usize {
        self.lock().cache.len()
    }

    /// The value for `key`: cached, or the answer of the lookup under way for it, or of the
    /// one `start` makes, spawned on `runtime`. The lookup's answer is cached when it yields
    /// `true` with it. `None` when the lookup ended without an answer (its task panicked or
    /// the runtime is shutting down).
    pub(crate) async fn get<F, Fut>(
        self: &Arc<Self>,
        key: &K,
        runtime: &Handle,
        start: F,
    ) -> (Option<V>, Outcome)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = (V, bool)> + Send + 'static,
    {
        let (mut answer, outcome) = {
            let mut state = self.lock();
            if let Some(value) = state.cache.get(key, self.clock.now()) {
                return (Some(value), Outcome::Cached);
            }
            match state.running.get(key) {
                // A lookup whose task is gone (the sender dropped without an answer) is not
                // joined: another one is started.
                Some(running) if running.has_changed().is_ok() => {
                    (running.clone(), Outcome::Joined)
                }
                _ => {
                    let (sender, receiver) = watch::channel(None);
                    state.running.insert(key.clone(), receiver.clone());
                    let lookup = start();
                    let flights = Arc::clone(self);
                    let key = key.clone();
                    runtime.spawn(async move {
                        let (value, keep) = lookup.await;
                        flights.finish(&key, &sender, value, keep);
                    });
                    (receiver, Outcome::Led)
                }
            }
        };
        let value = match answer.wait_for(Option::is_some).await {
            Ok(value) => value.clone(),
            Err(_) => None,
        };
        (value, outcome)
    }

    /// A lookup ended: cache its value if it is to be kept, forget the lookup and hand the
    /// value to everyone waiting, in one step (a caller sees either the lookup or the cached
    /// value, never neither).
    fn finish(&self, key: &K, sender: &watch::Sender<Option<V>>, value: V, keep: bool) {
        let mut state = self.lock();
        if keep {
            state
                .cache
                .insert(key.clone(), value.clone(), self.clock.now());
        }
        let ours = state
            .running
            .get(key)
            .is_some_and(|running| running.same_channel(&sender.subscribe()));
        if ours {
            state.running.remove(key);
        }
        sender.send_replace(Some(value));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::super::SystemClock;
    use super::*;

    fn flights(ttl: Duration) -> Arc<Flights<u32, Result<u32, String>>> {
        Arc::new(Flights::new(TtlCache::new(ttl, 100), Arc::new(SystemClock)))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_lookup() {
        let flights = flights(Duration::from_secs(60));
        let started = Arc::new(AtomicUsize::new(0));
        let (release, released) = watch::channel(false);
        let mut callers = Vec::new();
        for _ in 0..20 {
            let flights = Arc::clone(&flights);
            let started = Arc::clone(&started);
            let mut released = released.clone();
            callers.push(tokio::spawn(async move {
                let runtime = Handle::current();
                flights
                    .get(&7, &runtime, move || async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        let _ = released.wait_for(|r| *r).await;
                        (Ok(49), true)
                    })
                    .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        release.send_replace(true);
        let mut led = 0;
        for caller in callers {
            let (value, outcome) = caller.await.unwrap();
            assert_eq!(value, Some(Ok(49)));
            led += usize::from(outcome == Outcome::Led);
        }
        assert_eq!(started.load(Ordering::SeqCst), 1);
        assert_eq!(led, 1);
        let runtime = Handle::current();
        let (value, outcome) = flights.get(&7, &runtime, || async { (Ok(0), true) }).await;
        assert_eq!((value, outcome), (Some(Ok(49)), Outcome::Cached));
    }

    #[tokio::test]
    async fn values_not_kept_are_looked_up_again() {
        let flights = flights(Duration::from_secs(60));
        let runtime = Handle::current();
        let failed = flights
            .get(&1, &runtime, || async { (Err("down".to_owned()), false) })
            .await;
        assert_eq!(failed, (Some(Err("down".to_owned())), Outcome::Led));
        let retried = flights.get(&1, &runtime, || async { (Ok(1), true) }).await;
        assert_eq!(retried, (Some(Ok(1)), Outcome::Led));
        assert_eq!(flights.cached(), 1);
    }

    #[tokio::test]
    async fn a_lookup_that_panics_answers_none_and_is_not_joined_again() {
        let flights = flights(Duration::from_secs(60));
        let runtime = Handle::current();
        let (value, _) = flights
            .get(&1, &runtime, || async {
                if true {
                    panic!("a bug in a lookup");
                }
                (Ok(0), true)
            })
            .await;
        assert_eq!(value, None);
        let again = flights.get(&1, &runtime, || async { (Ok(2), true) }).await;
        assert_eq!(again, (Some(Ok(2)), Outcome::Led));
    }

    #[tokio::test]
    async fn the_lookup_finishes_when_its_caller_gives_up() {
        let flights = flights(Duration::from_secs(60));
        let runtime = Handle::current();
        let gave_up = tokio::time::timeout(
            Duration::from_millis(10),
            flights.get(&1, &runtime, || async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                (Ok(1), true)
            }),
        )
        .await;
        assert!(gave_up.is_err());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let cached = flights.get(&1, &runtime, || async { (Ok(0), true) }).await;
        assert_eq!(cached, (Some(Ok(1)), Outcome::Cached));
    }
}

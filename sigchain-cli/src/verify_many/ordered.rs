//! Work on many threads, results delivered in input order, memory bounded whatever the input's
//! length.
//!
//! The calling thread reads items and admits each into a window: fewer than `items` read but
//! not yet delivered, weighing (in bytes) at most `weight` together, though one item is always
//! admitted so a single heavy one cannot stall the run. Workers take admitted items first come,
//! first served. A worker that finishes an item puts its result in the reorder buffer and
//! delivers, under one lock, every result whose turn has come; so a result is delivered as soon
//! as it and everything before it are done, and neither the queue nor the reorder buffer can
//! outgrow the window.
//!
//! Each hand-over between threads can cost a wake-up, which is not free next to a half-millisecond
//! verification: workers deliver their own results (no delivering thread to wake), and a reader
//! that found the window full is woken only once it has drained to half, to read several items
//! in one go.

use std::collections::BTreeMap;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// How much may be in flight (read, not yet delivered) at once.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Most items in flight.
    pub items: usize,
    /// Most total weight (bytes) in flight, unless a single item weighs more.
    pub weight: usize,
}

/// Where results go, in input order.
pub trait Sink<O> {
    /// The result for the `index`th item (counting from 0).
    fn deliver(&mut self, index: usize, outcome: O) -> io::Result<()>;
    /// Called after a run of deliveries, when no further result is ready yet: the moment to
    /// flush.
    fn idle(&mut self) -> io::Result<()>;
}

/// Run `work` over the items `next_item` yields (each with its weight) on up to `jobs` threads,
/// delivering results to `sink` in input order, and give the sink back.
///
/// Fails with `next_item`'s error (after delivering everything read before it), or when the sink
/// fails or `work` panics (then reading stops).
pub fn run<I, O, S>(
    jobs: usize,
    window: Window,
    mut next_item: impl FnMut() -> Result<Option<(I, usize)>, String>,
    work: &(impl Fn(I) -> O + Sync),
    sink: S,
) -> Result<S, String>
where
    I: Send,
    O: Send,
    S: Sink<O> + Send,
{
    let jobs = jobs.max(1);
    let shared = Shared {
        admission: Admission::new(window),
        delivery: Mutex::new(Delivery {
            early: BTreeMap::new(),
            next: 0,
            sink,
            failed: None,
        }),
    };
    // Unbounded, because admission already bounds what is in it.
    let (work_tx, work_rx) = mpsc::channel::<(usize, I, usize)>();
    let mut read = 0;
    let reading = std::thread::scope(|scope| {
        // Owned here, so returning from this closure hangs up the queue: idle workers see the
        // end and the scope can join them.
        let work_tx = work_tx;
        // Workers start with the first items, so a short input starts no idle threads.
        let work_rx = Arc::new(Mutex::new(work_rx));
        let shared = &shared;
        loop {
            let (item, weight) = match next_item() {
                Ok(Some(next)) => next,
                Ok(None) => return Ok(()),
                Err(e) => return Err(e),
            };
            if !shared.admission.admit(weight) {
                return Ok(());
            }
            if read < jobs {
                let queue = Arc::clone(&work_rx);
                scope.spawn(move || worker(&queue, shared, work));
            }
            if work_tx.send((read, item, weight)).is_err() {
                return Ok(());
            }
            read += 1;
        }
    });
    let delivery = shared
        .delivery
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(failure) = delivery.failed {
        return Err(failure);
    }
    reading?;
    if delivery.next != read {
        return Err(format!(
            "internal error: {} of {read} results delivered",
            delivery.next
        ));
    }
    Ok(delivery.sink)
}

/// What the reader and the workers share.
struct Shared<O, S> {
    admission: Admission,
    delivery: Mutex<Delivery<O, S>>,
}

/// Results waiting for their turn, and where they go.
struct Delivery<O, S> {
    early: BTreeMap<usize, (usize, O)>,
    next: usize,
    sink: S,
    /// Set when delivery stopped: the sink failed or work panicked.
    failed: Option<String>,
}

fn worker<I, O, S: Sink<O>>(
    queue: &Mutex<Receiver<(usize, I, usize)>>,
    shared: &Shared<O, S>,
    work: &impl Fn(I) -> O,
) {
    loop {
        let next = lock(queue).recv();
        let Ok((index, item, weight)) = next else {
            return;
        };
        // A panic must not leave a hole that delivery would wait on forever.
        let outcome = catch_unwind(AssertUnwindSafe(|| work(item)));
        let mut delivery = lock(&shared.delivery);
        if delivery.failed.is_some() {
            return;
        }
        let stopped = match outcome {
            Ok(outcome) => {
                delivery.early.insert(index, (weight, outcome));
                deliver_ready(&mut delivery, &shared.admission).err()
            }
            Err(_) => Some(format!("internal error: work on item {index} panicked")),
        };
        if let Some(failure) = stopped {
            delivery.failed = Some(failure);
            // The reader must not wait for room that will never come.
            shared.admission.close();
            return;
        }
    }
}

/// Deliver every result whose turn has come, then free their room in the window.
fn deliver_ready<O, S: Sink<O>>(
    delivery: &mut Delivery<O, S>,
    admission: &Admission,
) -> Result<(), String> {
    let output_error = |e: io::Error| format!("writing results: {e}");
    let (mut items, mut weight) = (0, 0);
    while let Some((item_weight, outcome)) = delivery.early.remove(&delivery.next) {
        delivery
            .sink
            .deliver(delivery.next, outcome)
            .map_err(output_error)?;
        delivery.next += 1;
        items += 1;
        weight += item_weight;
    }
    if items > 0 {
        delivery.sink.idle().map_err(output_error)?;
        admission.release(items, weight);
    }
    Ok(())
}

/// The window's bookkeeping: the reader admits, workers free.
struct Admission {
    window: Window,
    state: Mutex<InFlight>,
    freed: Condvar,
}

#[derive(Default)]
struct InFlight {
    items: usize,
    weight: usize,
    /// The weight of the item the reader is waiting to admit, if it is waiting.
    waiting: Option<usize>,
    closed: bool,
}

impl Admission {
    fn new(window: Window) -> Admission {
        Admission {
            window: Window {
                items: window.items.max(1),
                weight: window.weight,
            },
            state: Mutex::new(InFlight::default()),
            freed: Condvar::new(),
        }
    }

    fn fits(&self, state: &InFlight, weight: usize) -> bool {
        state.items == 0
            || (state.items < self.window.items
                && state.weight.saturating_add(weight) <= self.window.weight)
    }

    /// Wait until an item of `weight` fits; `false` once delivery has stopped.
    fn admit(&self, weight: usize) -> bool {
        let mut state = lock(&self.state);
        while !state.closed && !self.fits(&state, weight) {
            state.waiting = Some(weight);
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.waiting = None;
        if state.closed {
            return false;
        }
        state.items += 1;
        state.weight = state.weight.saturating_add(weight);
        true
    }

    fn release(&self, items: usize, weight: usize) {
        let mut state = lock(&self.state);
        state.items = state.items.saturating_sub(items);
        state.weight = state.weight.saturating_sub(weight);
        // Wake a waiting reader once the window has drained to half (or is empty), not for
        // every freed item.
        if let Some(waiting) = state.waiting {
            if state.items <= self.window.items / 2 && self.fits(&state, waiting) {
                self.freed.notify_one();
            }
        }
    }

    fn close(&self) {
        lock(&self.state).closed = true;
        self.freed.notify_all();
    }
}

/// A poisoned lock still guards consistent data here: the state under it is only changed by
/// code that does not panic halfway (a panicking sink aside, which stops the run anyway).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Aborts the test binary unless dropped within a minute, so a deadlock fails the run
    /// instead of hanging it.
    struct Deadline {
        _hang_up: mpsc::Sender<()>,
    }

    impl Deadline {
        fn start() -> Deadline {
            let (tx, rx) = mpsc::channel::<()>();
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(Duration::from_secs(60))
                {
                    eprintln!("ordered::run did not finish within a minute: deadlock");
                    std::process::abort();
                }
            });
            Deadline { _hang_up: tx }
        }
    }

    #[derive(Default)]
    struct Collect {
        seen: Vec<(usize, usize)>,
        idles: usize,
        fail_after: Option<usize>,
    }

    impl Sink<usize> for Collect {
        fn deliver(&mut self, index: usize, outcome: usize) -> io::Result<()> {
            if self.fail_after == Some(self.seen.len()) {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
            }
            self.seen.push((index, outcome));
            Ok(())
        }
        fn idle(&mut self) -> io::Result<()> {
            self.idles += 1;
            Ok(())
        }
    }

    fn items(n: usize) -> impl FnMut() -> Result<Option<(usize, usize)>, String> {
        let mut i = 0;
        move || {
            i += 1;
            Ok((i <= n).then_some((i - 1, 1)))
        }
    }

    #[test]
    fn results_come_in_input_order_when_work_finishes_out_of_order() {
        let _deadline = Deadline::start();
        // Early items are slowest, so later ones finish first.
        let work = |i: usize| {
            std::thread::sleep(Duration::from_millis((20 - i as u64 % 20) / 4));
            i * 10
        };
        for jobs in [1, 2, 4, 7] {
            let window = Window {
                items: 8,
                weight: usize::MAX,
            };
            let sink = run(jobs, window, items(60), &work, Collect::default()).unwrap();
            let expected: Vec<_> = (0..60).map(|i| (i, i * 10)).collect();
            assert_eq!(sink.seen, expected, "jobs {jobs}");
            assert!(sink.idles >= 1);
        }
    }

    #[test]
    fn in_flight_items_and_weight_stay_within_the_window() {
        let _deadline = Deadline::start();
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut read = 0;
        let next = || {
            read += 1;
            // Every item counts from the moment it is read, before admission.
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            Ok((read <= 200).then_some((read, 10)))
        };
        struct Release<'a>(&'a AtomicUsize, usize);
        impl Sink<usize> for Release<'_> {
            fn deliver(&mut self, _: usize, _: usize) -> io::Result<()> {
                self.0.fetch_sub(1, Ordering::SeqCst);
                self.1 += 1;
                Ok(())
            }
            fn idle(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let work = |i: usize| {
            std::thread::sleep(Duration::from_micros(if i % 7 == 0 { 2000 } else { 50 }));
            i
        };
        // The weight allows 3 items of 10 at once, fewer than the item count allows.
        let window = Window {
            items: 5,
            weight: 35,
        };
        let sink = run(4, window, next, &work, Release(&in_flight, 0)).unwrap();
        assert_eq!(sink.1, 200);
        // 3 admitted, plus the one the reader holds while it waits for room.
        assert!(most.load(Ordering::SeqCst) <= 4, "{most:?}");
    }

    #[test]
    fn a_heavy_item_is_admitted_alone() {
        let _deadline = Deadline::start();
        let mut read = 0;
        let next = || {
            read += 1;
            Ok((read <= 3).then_some((read, 1000)))
        };
        let window = Window {
            items: 4,
            weight: 10,
        };
        let sink = run(2, window, next, &|i| i, Collect::default()).unwrap();
        assert_eq!(sink.seen, [(0, 1), (1, 2), (2, 3)]);
    }

    #[test]
    fn a_failing_sink_stops_an_endless_input() {
        let _deadline = Deadline::start();
        let mut i = 0;
        let endless = || {
            i += 1;
            Ok(Some((i, 1)))
        };
        let sink = Collect {
            fail_after: Some(5),
            ..Collect::default()
        };
        let window = Window {
            items: 3,
            weight: usize::MAX,
        };
        let err = run(2, window, endless, &|i| i, sink).err().unwrap();
        assert!(err.contains("writing results"), "{err}");
    }

    #[test]
    fn a_read_error_comes_after_what_was_read() {
        let _deadline = Deadline::start();
        let mut i = 0;
        let next = || {
            i += 1;
            if i > 4 {
                return Err("manifest: disk on fire".to_string());
            }
            Ok(Some((i, 1)))
        };
        let window = Window {
            items: 2,
            weight: usize::MAX,
        };
        let seen = Mutex::new(Vec::new());
        struct Shared<'a>(&'a Mutex<Vec<usize>>);
        impl Sink<usize> for Shared<'_> {
            fn deliver(&mut self, _: usize, outcome: usize) -> io::Result<()> {
                lock(self.0).push(outcome);
                Ok(())
            }
            fn idle(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let err = run(2, window, next, &|i| i, Shared(&seen)).err().unwrap();
        assert_eq!(err, "manifest: disk on fire");
        assert_eq!(*lock(&seen), [1, 2, 3, 4]);
    }

    #[test]
    fn a_panic_in_work_is_an_error_not_a_hang() {
        let _deadline = Deadline::start();
        let work = |i: usize| {
            assert!(i != 3, "boom");
            i
        };
        let window = Window {
            items: 2,
            weight: usize::MAX,
        };
        let err = run(2, window, items(100), &work, Collect::default())
            .err()
            .unwrap();
        assert!(err.contains("item 3 panicked"), "{err}");
    }

    #[test]
    fn no_items_no_results() {
        let _deadline = Deadline::start();
        let window = Window {
            items: 1,
            weight: 1,
        };
        let sink = run(3, window, items(0), &|i: usize| i, Collect::default()).unwrap();
        assert!(sink.seen.is_empty());
    }
}

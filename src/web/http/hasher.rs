//! Password hashing on its own low-priority threads. argon2 is meant to be slow; run at normal
//! priority a sign-in storm would take the cores from page requests. Here the kernel schedules
//! the hashing threads only when page work leaves room, and a bounded number hash at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

type Job = Box<dyn FnOnce() + Send>;

pub struct Hasher {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// Jobs queued or running; bounded so a flood of password guesses is refused at once
    /// instead of making every honest sign-in wait behind it.
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum HasherError {
    #[error("the hashing threads are gone")]
    Gone,
    #[error("the hashing queue is full")]
    Busy,
}

/// Gives back a queue place when the job ends, however it ends.
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hasher {
    /// Starts `threads` hashing threads at a lower priority (nice 10 on Linux); at most
    /// `threads + queue` jobs are accepted at once.
    pub fn start(threads: usize, queue: usize) -> Hasher {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("ogug-hash-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(err) = spawned {
                tracing::error!(error = %err, "cannot start a hashing thread");
            }
        }
        Hasher {
            jobs: Mutex::new(tx),
            in_flight: Arc::default(),
            capacity: threads.max(1) + queue,
        }
    }

    /// Whether a job would be refused now. A sign-in checks this before any database work, so
    /// a storm's surplus is turned away without a rate-limit write or a lookup each.
    pub fn is_full(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) >= self.capacity
    }

    /// Runs `f` on a hashing thread and waits for its result without blocking the async worker.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HasherError> {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(HasherError::Busy);
        }
        let place = Place(self.in_flight.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _place = place;
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .map_err(|_| HasherError::Gone)?
            .send(job)
            .map_err(|_| HasherError::Gone)?;
        rx.await.map_err(|_| HasherError::Gone)
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: setpriority on the calling thread (tid 0 = this thread for PRIO_PROCESS on Linux,
    // where priorities are per thread); failure only leaves the default priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

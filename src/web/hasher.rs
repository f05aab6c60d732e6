//! Password hashing on its own low-priority threads. argon2 is meant to be slow; run at normal
//! priority a sign-in storm would take the cores from page requests. Here the kernel schedules
//! the hashing threads only when page work leaves room, and a bounded number hash at once.

use std::sync::{Mutex, mpsc};

type Job = Box<dyn FnOnce() + Send>;

pub struct Hasher {
    jobs: Mutex<mpsc::Sender<Job>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the hashing threads are gone")]
pub struct HasherGone;

impl Hasher {
    /// Starts `threads` hashing threads at a lower priority (nice 10 on Linux).
    pub fn start(threads: usize) -> Hasher {
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
        }
    }

    /// Runs `f` on a hashing thread and waits for its result without blocking the async worker.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HasherGone> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .map_err(|_| HasherGone)?
            .send(job)
            .map_err(|_| HasherGone)?;
        rx.await.map_err(|_| HasherGone)
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

//! Starting Debian's chromium through chromedriver for the browser tests and the screenshots.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Driver {
    pub client: Client,
    /// chromedriver runs in its own process group with the browsers it starts: dropping the
    /// group leaves no chromium behind, even when a test panics before closing its session.
    _child: ProcessGroup,
    _profile: tempfile::TempDir,
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(program).is_file()))
}

/// Starts chromedriver and a headless chromium session, or says why it cannot.
pub async fn driver() -> Option<Driver> {
    if !which("chromedriver") {
        // Written to the terminal directly: the test harness hides eprintln! of passing tests.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: browser test (chromedriver is not installed; apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = ProcessGroup::spawn(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
    .ok()?;
    let profile = tempfile::tempdir().ok()?;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-sync", "--disable-quic", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(client) =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
        {
            return Some(Driver {
                client,
                _child: child,
                _profile: profile,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver is installed but no browser session could be started");
}

/// A child process started in a process group of its own, with whatever it starts (nginx's
/// workers, chromium under chromedriver). Dropping it ends the whole group, even when a test
/// panics first, so nothing a test started outlives it.
pub struct ProcessGroup(pub std::process::Child);

impl ProcessGroup {
    /// Spawns `command` as the leader of a new process group.
    pub fn spawn(command: &mut std::process::Command) -> std::io::Result<ProcessGroup> {
        use std::os::unix::process::CommandExt;
        command.process_group(0).spawn().map(ProcessGroup)
    }

    /// Sends `signal` to every process of the group.
    pub fn signal(&self, signal: libc::c_int) {
        if let Ok(pgid) = libc::pid_t::try_from(self.0.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group and nothing else.
            unsafe {
                libc::kill(-pgid, signal);
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

//! A small SMTP server on loopback for tests and benchmarks: it speaks enough of RFC 5321 for
//! lettre, stores what it accepts, and can be told to fail (4xx, 5xx), to delay, to hang, or to
//! go down and come back on the same port.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Accept,
    /// 451 after DATA: try again later.
    RejectTransient,
    /// 554 after DATA: never.
    RejectPermanent,
    /// Accept, but only after this delay.
    Delay(Duration),
    /// Never answer after DATA.
    Hang,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

pub struct SmtpServer {
    pub port: u16,
    shared: Shared,
    tasks: Option<Arc<Mutex<JoinSet<()>>>>,
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let shared = Shared {
            received: Arc::default(),
            behaviour: Arc::new(Mutex::new(Behaviour::Accept)),
        };
        let mut server = SmtpServer {
            port,
            shared,
            tasks: None,
            accept: None,
        };
        server.serve(listener);
        server
    }

    fn serve(&mut self, listener: TcpListener) {
        let tasks = Arc::new(Mutex::new(JoinSet::new()));
        let shared = self.shared.clone();
        let conns = tasks.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                conns.lock().unwrap().spawn(async move {
                    let _ = session(stream, shared).await;
                });
            }
        }));
        self.tasks = Some(tasks);
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// Closes the listener and every open connection: the server is down.
    pub fn stop(&mut self) {
        if let Some(a) = self.accept.take() {
            a.abort();
        }
        if let Some(t) = self.tasks.take() {
            t.lock().unwrap().abort_all();
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind smtp");
        self.serve(listener);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (or the timeout passes) and returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn session(stream: TcpStream, shared: Shared) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 localhost ESMTP ogug-test\r\n")
        .await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write
                .write_all(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = cmd[10..].trim().to_string();
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(cmd[8..].trim().to_string());
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                // Acknowledge at once, as a busy relay does: lettre writes the body and the
                // final "." separately without TCP_NODELAY, so a delayed ACK would stall each
                // message by 40 ms (Nagle).
                let _ = lines.get_ref().as_ref().set_quickack(true);
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            let behaviour = *shared.behaviour.lock().unwrap();
            match behaviour {
                Behaviour::Accept => {}
                Behaviour::Delay(d) => tokio::time::sleep(d).await,
                Behaviour::RejectTransient => {
                    write.write_all(b"451 4.3.0 try again later\r\n").await?;
                    continue;
                }
                Behaviour::RejectPermanent => {
                    write.write_all(b"554 5.7.1 rejected\r\n").await?;
                    continue;
                }
                Behaviour::Hang => std::future::pending::<()>().await,
            }
            shared.received.lock().unwrap().push(Received {
                from: from.clone(),
                to: to.clone(),
                raw,
            });
            write.write_all(b"250 OK queued\r\n").await?;
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 not implemented\r\n").await?;
        }
    }
}

/// A received message, decoded for assertions.
pub struct Parsed {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub raw: String,
}

pub fn parse(received: &Received) -> Parsed {
    let msg = mail_parser::MessageParser::default()
        .parse(received.raw.as_bytes())
        .expect("parsable message");
    let addr = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string()
    };
    Parsed {
        subject: msg.subject().unwrap_or_default().to_string(),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        message_id: msg.message_id().unwrap_or_default().to_string(),
        from: addr(msg.from()),
        to: addr(msg.to()),
        raw: received.raw.clone(),
    }
}

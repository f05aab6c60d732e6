//! ASVS 16.2.5: the real binary, at debug level, never writes a password or a token to its logs.

use crate::helpers::*;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

// Multi-threaded: the test blocks on the child process while the loopback SMTP server (a task
// of this runtime) must still answer the child's QUIT at shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_passwords_or_tokens() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    let mut group = ProcessGroup::spawn(
        Command::new(env!("CARGO_BIN_EXE_ogug"))
            .arg("serve")
            .env("DATABASE_URL", &app.db.url)
            .env("OGUG_DATA_DIR", app.data_dir())
            .env("OGUG_BIND", "127.0.0.1:0")
            .env("OGUG_DEMO", "false")
            .env("SMTP_URL", app.smtp.url())
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .expect("start ogug serve");
    let child = &mut group.0;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let port = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "server exited: {printed}"
        );
        printed.push_str(&line);
        if let Some(rest) = line.split("(port ").nth(1) {
            break rest
                .trim_end()
                .trim_end_matches(')')
                .parse::<u16>()
                .unwrap();
        }
    };
    // Keep draining the pipe, or a chatty server blocks on a full pipe.
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        rest
    });
    let mut stderr_pipe = child.stderr.take().unwrap();
    let drain_err = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr_pipe.read_to_string(&mut rest);
        rest
    });
    let b = Browser {
        address: format!("http://127.0.0.1:{port}"),
        client: client(),
    };

    let password = "secret passphrase 4711";
    let id = app.create_user("log@example.org", "Log", None, false);
    let token = app.issue_token(ogug::domain::one_time_tokens::Purpose::Activate, id);
    let res = b
        .post_form(
            &format!("/account/activate/{token}"),
            &[("password", password), ("password_confirm", password)],
        )
        .await;
    assert!(res.status().is_redirection());
    b.post_form("/logout", &[]).await;
    b.login("log@example.org", "wrong password 0815").await;
    let res = b.login("log@example.org", password).await;
    assert!(res.status().is_redirection());
    let session = res
        .cookies()
        .find(|c| c.name() == "ogug_session")
        .unwrap()
        .value()
        .to_string();
    b.post_form("/account/reset", &[("email", "log@example.org")])
        .await;
    let mail = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    let reset_link = link_in(&parse(&mail[0]).text, "http://");
    let reset_token = reset_link.rsplit('/').next().unwrap().to_string();
    let res = b
        .post_form(
            &format!("/account/reset/{reset_token}"),
            &[
                ("password", "new secret 9999 x"),
                ("password_confirm", "new secret 9999 x"),
            ],
        )
        .await;
    assert!(res.status().is_redirection());

    // Stop the server (SIGTERM) and read everything it wrote.
    group.signal(libc::SIGTERM);
    let status = group.0.wait().unwrap();
    let rest = drain.join().unwrap();
    let stderr = drain_err.join().unwrap();
    let logs = format!("{printed}{rest}{stderr}");
    assert!(status.success() || status.code().is_none(), "{logs}");
    assert!(
        logs.contains("sign-in failed"),
        "failures are logged: {logs}"
    );
    assert!(logs.contains("sign-in"), "sign-ins are logged");
    assert!(
        logs.contains("/account/activate/{token}"),
        "routes are logged as patterns"
    );
    for secret in [
        password,
        "wrong password 0815",
        "new secret 9999 x",
        token.as_str(),
        reset_token.as_str(),
        session.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs");
    }
}

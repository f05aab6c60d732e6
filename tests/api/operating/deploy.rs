//! The deployment recipes, run: ogug behind `deploy/nginx.conf` on loopback (issue 16).

use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::audit_log;
use std::process::{Command, Stdio};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `curl` from 127.0.0.2 (another visitor than the proxy), trusting the test's certificate.
fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "5", "--interface", "127.0.0.2"])
        .args(args)
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn ogug_behind_the_nginx_recipe() {
    if Command::new("nginx").arg("-v").output().is_err() {
        eprintln!(
            "skipped ogug_behind_the_nginx_recipe: nginx is not installed (.ci/run installs nginx-light)"
        );
        return;
    }
    let app = spawn_app_with(Options {
        https: true,
        trusted_proxies: "127.0.0.1",
        ..Options::default()
    })
    .await;
    let dir = app.dir.path();
    let (key, cert) = (dir.join("privkey.pem"), dir.join("fullchain.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(made.success());
    let (https_port, http_port) = (free_port(), free_port());
    let recipe =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf")).unwrap();
    let conf = recipe
        .replace(
            "pid /run/nginx-ogug.pid;",
            &format!(
                "pid {}/nginx.pid;\nerror_log {}/error.log;",
                dir.display(),
                dir.display()
            ),
        )
        .replace(
            "server 127.0.0.1:8080;",
            &format!("server 127.0.0.1:{};", app.port),
        )
        .replace(
            "listen 443 ssl",
            &format!("listen 127.0.0.1:{https_port} ssl"),
        )
        .replace("listen 80;", &format!("listen 127.0.0.1:{http_port};"))
        .replace("/etc/ssl/ogug/fullchain.pem", &cert.display().to_string())
        .replace("/etc/ssl/ogug/privkey.pem", &key.display().to_string())
        .replace(
            "http {",
            &format!(
                "http {{\n    client_body_temp_path {0}/body;\n    proxy_temp_path {0}/proxy;",
                dir.display()
            ),
        );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let test = Command::new("nginx")
        .arg("-t")
        .arg("-c")
        .arg(&conf_path)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stderr)
    );
    // The master and its workers in one group: all of them end with the test.
    let _nginx = ProcessGroup::spawn(
        Command::new("nginx")
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stderr(Stdio::null()),
    )
    .expect("nginx");
    let base = format!("https://127.0.0.1:{https_port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("{base}/healthz"),
    ])
    .starts_with("200")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "nginx never answered: {} / {}",
            std::fs::read_to_string(dir.join("error.log")).unwrap_or_default(),
            curl(&["-v", &format!("{base}/healthz")])
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Over https the cookies are __Host- ones.
    let jar = dir.join("cookies.txt");
    let page = curl(&[
        "-c",
        jar.to_str().unwrap(),
        "-D",
        "-",
        &format!("{base}/chapters/beijing/apply"),
    ]);
    assert!(
        page.to_lowercase()
            .contains("set-cookie: __host-ogug_csrf="),
        "{page:.600}"
    );
    let token = csrf_in(&page);
    // The audit log records the visitor (127.0.0.2), not the proxy.
    let status = curl(&[
        "-b",
        jar.to_str().unwrap(),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-urlencode",
        "name=代理后",
        "--data-urlencode",
        "email=behind@example.org",
        "--data-urlencode",
        "organization=某公司",
        "--data-urlencode",
        "desired_role=member",
        "--data-urlencode",
        "motivation=交流",
        "--data-urlencode",
        "consent=on",
        "--data-urlencode",
        &format!("csrf_token={token}"),
        &format!("{base}/chapters/beijing/apply"),
    ]);
    assert_eq!(status, "303", "applied, and sent on to check the inbox");
    let ip: String = audit_log::table
        .filter(audit_log::action.eq("application_submitted"))
        .select(audit_log::ip)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(ip, "127.0.0.2");
    // A 20 MB body is stopped at the door.
    let big = dir.join("big.bin");
    std::fs::write(&big, vec![b'a'; 20 << 20]).unwrap();
    let status = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-binary",
        &format!("@{}", big.display()),
        &format!("{base}/login"),
    ]);
    assert_eq!(status, "413");
    // Static files are cached long and compressed.
    let headers = curl(&[
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-H",
        "Accept-Encoding: gzip",
        &format!("{base}/static/app.css"),
    ]);
    let headers = headers.to_lowercase();
    assert!(headers.contains("max-age=604800"), "{headers}");
    assert!(headers.contains("content-encoding: gzip"), "{headers}");
}

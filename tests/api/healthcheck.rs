//! The image's health check: the test reads the `Dockerfile`, takes its `HEALTHCHECK` command
//! line exactly as written (exec form, no shell) and the `INTEGRITAS_LISTEN` the image sets, and
//! runs it with the real `integritas` binary against a running test server (exit 0), a closed port,
//! a server answering 503 and one that never answers (exit 1, within the check's own deadline).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::helpers::spawn_app;

const DOCKERFILE: &str = include_str!("../../Dockerfile");

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions() -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in DOCKERFILE.lines() {
        let line = line.trim();
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// `(the HEALTHCHECK options, its exec-form command)`.
fn healthcheck() -> (String, Vec<String>) {
    let all = instructions();
    let checks: Vec<&String> = all.iter().filter(|i| i.starts_with("HEALTHCHECK ")).collect();
    assert_eq!(checks.len(), 1, "one HEALTHCHECK in the Dockerfile");
    let (options, cmd) = checks[0]["HEALTHCHECK ".len()..].split_once(" CMD ").expect("HEALTHCHECK … CMD …");
    let argv: Vec<String> = serde_json::from_str(cmd.trim())
        .unwrap_or_else(|e| panic!("the HEALTHCHECK must be in exec form (a JSON array, no shell): `{cmd}`: {e}"));
    (options.to_owned(), argv)
}

/// What `ENV` sets for `name` in the image.
fn image_env(name: &str) -> String {
    instructions()
        .iter()
        .filter_map(|i| i.strip_prefix("ENV "))
        .flat_map(|vars| vars.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_owned))
        .unwrap_or_else(|| panic!("the image sets {name}"))
}

/// Runs the HEALTHCHECK command with the test binary in place of the image's, in an environment
/// holding only the image's listen address moved to `port`.
async fn run_healthcheck(port: u16) -> (Output, Duration) {
    let (_, argv) = healthcheck();
    let listen = image_env("INTEGRITAS_LISTEN");
    let (host, _) = listen.rsplit_once(':').expect("host:port");
    let listen = format!("{host}:{port}");
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_integritas"))
            .args(&argv[1..])
            .env_clear()
            .env("INTEGRITAS_LISTEN", listen)
            .output()
            .expect("run integritas healthcheck")
    })
    .await
    .unwrap();
    (output, started.elapsed())
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn the_dockerfile_health_check_is_the_binary_in_exec_form() {
    let (options, argv) = healthcheck();
    // The program is the binary the image copies in, not a shell.
    let copied = instructions()
        .into_iter()
        .find(|i| i.starts_with("COPY --from=build") && i.contains("target/release/integritas"))
        .expect("the binary is copied into the image");
    assert_eq!(Some(argv[0].as_str()), copied.split_whitespace().last());
    assert_eq!(argv[1], "healthcheck");
    // The command gives up before Docker does.
    let docker_timeout: f64 = options
        .split_whitespace()
        .find_map(|o| o.strip_prefix("--timeout="))
        .and_then(|t| t.strip_suffix('s'))
        .expect("HEALTHCHECK --timeout=Ns")
        .parse()
        .unwrap();
    let own: f64 = argv.windows(2).find(|w| w[0] == "--timeout").expect("--timeout")[1]
        .parse()
        .unwrap();
    assert!(
        own < docker_timeout,
        "healthcheck --timeout {own} within Docker's {docker_timeout} s"
    );
}

#[tokio::test]
async fn the_image_health_check_passes_against_a_running_server() {
    let app = spawn_app().await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let (out, _) = run_healthcheck(port).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("/healthz") && stdout.contains(" 200"), "{stdout}");
}

#[tokio::test]
async fn the_image_health_check_fails_on_a_closed_port() {
    let (out, _) = run_healthcheck(closed_port()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("unhealthy: ") && stderr.contains("cannot connect"), "{stderr}");
}

#[tokio::test]
async fn the_image_health_check_fails_on_an_error_status_and_on_silence() {
    // A peer answering 503, and one that accepts and then says nothing.
    let answering = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let (answering_port, silent_port) = (answering.local_addr().unwrap().port(), silent.local_addr().unwrap().port());
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = answering.accept() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
        }
    });
    std::thread::spawn(move || {
        if let Ok((s, _)) = silent.accept() {
            std::thread::sleep(Duration::from_secs(5));
            drop(s);
        }
    });

    let (out, _) = run_healthcheck(answering_port).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");

    let (out, took) = run_healthcheck(silent_port).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(took < Duration::from_secs(3), "gave up after {took:?}, not within its 2 s");
    assert!(stderr.contains("unhealthy: "), "{stderr}");
}

//! The binary's command line: the stdout line, the port file, SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_url_writes_port_file_and_exits_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("rws-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let port_file = dir.join("port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rws-test-server"))
        .args(["--addr", "127.0.0.1:0", "--port-file"])
        .arg(&port_file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read line");
    let port = std::fs::read_to_string(&port_file).expect("port file");
    assert_eq!(line, format!("RWS_TEST_SERVER=ws://127.0.0.1:{}", port));
    assert!(port.ends_with('\n') && port.trim().parse::<u16>().is_ok());

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "no exit on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn refuses_non_loopback_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_rws-test-server"))
        .args(["--addr", "0.0.0.0:0"])
        .output()
        .expect("run server");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("non-loopback"));
}

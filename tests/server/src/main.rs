//! `rws-test-server [--addr 127.0.0.1:0] [--port-file PATH] [--static DIR]`
//!
//! Prints `RWS_TEST_SERVER=ws://ADDR` once listening, writes the port to
//! `--port-file`, and exits cleanly on SIGTERM/SIGINT.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use rws_test_server::{Config, Server};
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: rws-test-server [--addr 127.0.0.1:0] [--port-file PATH] [--static DIR]";

struct Args {
    config: Config,
    port_file: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut config = Config::default();
    let mut port_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("{flag} needs a value")),
        };
        match flag.as_str() {
            "--addr" => {
                config.addr = value
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("bad --addr {value:?}: {e}"))?;
            }
            "--port-file" => port_file = Some(PathBuf::from(value)),
            "--static" => config.static_dir = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(Args { config, port_file })
}

/// Writes `PORT\n` via a temporary file and a rename, so a reader never sees
/// a partial file.
fn write_port_file(path: &PathBuf, port: u16) -> std::io::Result<()> {
    let mut tmp = path.clone().into_os_string();
    tmp.push(format!(".tmp{}", std::process::id()));
    std::fs::write(&tmp, format!("{port}\n"))?;
    std::fs::rename(&tmp, path)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("rws-test-server: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("rws-test-server: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match Server::bind(args.config.clone()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "rws-test-server: cannot listen on {}: {e}",
                args.config.addr
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = server.local_addr();
    if let Some(path) = &args.port_file {
        if let Err(e) = write_port_file(path, addr.port()) {
            eprintln!("rws-test-server: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "RWS_TEST_SERVER=ws://{addr}");
        let _ = out.flush();
    }
    let shutdown = async {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    };
    match server.run(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rws-test-server: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `rws-test-server`: the real WebSocket peer that resilient-ws's browser
//! tests, demo and benchmarks run against.
//!
//! One loopback TCP port serves the WebSocket routes (`/echo`, `/silent`,
//! `/close`, `/reject`, `/drop`, `/blast`, `/sink`, `/json`), a plain-HTTP
//! control API (`/control/stats`, `/control/down`, `/control/drop-all`,
//! `/control/reset`, `/control/closes`, `/healthz`) and, optionally, static files. The request
//! head is read by hand; WebSocket handshakes are answered by hand and the
//! connection is then driven by tungstenite (or raw bytes for `/silent` and
//! `/blast`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use rws_test_server::{Config, Server};
//! let server = Server::bind(Config::default()).await?;
//! println!("ws://{}", server.local_addr());
//! server.run(std::future::pending()).await
//! # }
//! ```
#![warn(missing_docs)]

mod files;
mod http;
mod stats;
mod ws;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot};

pub use stats::TagStats;

use http::{HeadError, Request, Response};

/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest outage `/control/down` accepts.
const MAX_DOWN_MS: u64 = 60_000;

/// What to serve and where.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; must be a loopback address. Port 0 lets the OS
    /// pick one.
    pub addr: SocketAddr,
    /// Directory to serve static files from, if any.
    pub static_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            static_dir: None,
        }
    }
}

/// A `/control/down` request handed to the accept loop.
struct DownRequest {
    ms: u64,
    /// Fired once the listener is closed and every connection dropped.
    done: oneshot::Sender<()>,
}

/// State shared by every connection task.
pub(crate) struct Shared {
    pub(crate) stats: stats::Registry,
    static_dir: Option<PathBuf>,
    down: mpsc::Sender<DownRequest>,
}

/// A bound, not yet running, test server.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    down_rx: mpsc::Receiver<DownRequest>,
}

/// Binds `addr` with `SO_REUSEADDR` (so `/control/down` can re-bind it).
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

impl Server {
    /// Binds the listening socket. Fails for a non-loopback address.
    pub async fn bind(config: Config) -> io::Result<Server> {
        if !config.addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to bind non-loopback address {}", config.addr),
            ));
        }
        let listener = bind(config.addr)?;
        let addr = listener.local_addr()?;
        let (down, down_rx) = mpsc::channel(4);
        Ok(Server {
            listener,
            addr,
            shared: Arc::new(Shared {
                stats: stats::Registry::default(),
                static_dir: config.static_dir,
                down,
            }),
            down_rx,
        })
    }

    /// The address actually bound (with the OS-chosen port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes. Only fails if the address cannot be
    /// re-bound after a `/control/down` outage.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let Server {
            listener,
            addr,
            shared,
            mut down_rx,
        } = self;
        let mut listener = Some(listener);
        tokio::pin!(shutdown);

        enum Event {
            Shutdown,
            Down(DownRequest),
            Conn(io::Result<TcpStream>),
        }

        loop {
            let Some(l) = listener.as_ref() else {
                // Unreachable in practice: the listener is re-bound below.
                return Ok(());
            };
            let event = tokio::select! {
                _ = &mut shutdown => Event::Shutdown,
                Some(req) = down_rx.recv() => Event::Down(req),
                res = l.accept() => Event::Conn(res.map(|(s, _)| s)),
            };
            match event {
                Event::Shutdown => break,
                Event::Conn(Ok(stream)) => {
                    let shared = Arc::clone(&shared);
                    tokio::spawn(async move { connection(stream, &shared).await });
                }
                Event::Conn(Err(e)) => {
                    // E.g. too many open files: back off instead of spinning.
                    eprintln!("rws-test-server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Event::Down(req) => {
                    // Truly refuse new connections: close the listening socket.
                    drop(listener.take());
                    shared.stats.kill_all().await;
                    let _ = req.done.send(());
                    let up = tokio::time::sleep(Duration::from_millis(req.ms));
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = up => {}
                    }
                    listener = Some(rebind(addr).await?);
                }
            }
        }
        // Connections still open are dropped with the runtime.
        Ok(())
    }
}

/// Re-binds after an outage, retrying briefly if the port is still busy.
async fn rebind(addr: SocketAddr) -> io::Result<TcpListener> {
    let mut attempt = 0;
    loop {
        match bind(addr) {
            Ok(l) => return Ok(l),
            Err(e) if attempt < 100 => {
                attempt += 1;
                if attempt == 1 {
                    eprintln!("rws-test-server: re-bind {addr} failed ({e}), retrying");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Serves one accepted TCP connection (any error only ends this connection).
async fn connection(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let (req, leftover) =
        match tokio::time::timeout(HEAD_TIMEOUT, http::read_head(&mut stream)).await {
            Ok(Ok(head)) => head,
            Ok(Err(HeadError::TooLarge)) => {
                let _ = Response::text(431, "request head too large\n")
                    .send(&mut stream, false)
                    .await;
                return;
            }
            Ok(Err(HeadError::Malformed)) => {
                let _ = Response::text(400, "malformed request\n")
                    .send(&mut stream, false)
                    .await;
                return;
            }
            Ok(Err(HeadError::Io)) | Err(_) => return,
        };
    if req.is_websocket() {
        let _ = ws::handle(stream, req, leftover, shared).await;
    } else {
        let head_only = req.method == "HEAD";
        let response = control(&req, shared).await;
        let _ = response.send(&mut stream, head_only).await;
    }
}

/// Answers a plain HTTP request.
async fn control(req: &Request, shared: &Shared) -> Response {
    match req.method.as_str() {
        "GET" | "HEAD" => {}
        "OPTIONS" => {
            return Response::text(204, "")
                .header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
                .header("Access-Control-Allow-Headers", "*");
        }
        _ => return Response::text(405, "method not allowed\n").header("Allow", "GET, HEAD"),
    }
    let tag = req.query("tag").unwrap_or("");
    match req.path.as_str() {
        "/healthz" => Response::text(200, "ok"),
        "/control/stats" => Response::json(200, shared.stats.snapshot(tag).to_json()),
        "/control/reset" => Response::json(200, shared.stats.reset(tag).to_json()),
        "/control/closes" => Response::json(200, shared.stats.closes_json(tag)),
        "/control/drop-all" => {
            let n = shared.stats.kill_all().await;
            Response::json(200, format!(r#"{{"dropped":{n}}}"#))
        }
        "/control/down" => {
            let ms = match req.query("ms").unwrap_or("1000").parse::<u64>() {
                Ok(ms) if ms <= MAX_DOWN_MS => ms,
                _ => return Response::text(400, format!("ms must be 0..={MAX_DOWN_MS}\n")),
            };
            let (done, done_rx) = oneshot::channel();
            if shared.down.send(DownRequest { ms, done }).await.is_err() {
                return Response::text(503, "server is shutting down\n");
            }
            // Answer once the listener is really closed, so a client that
            // awaits this response then sees refused connections.
            let _ = done_rx.await;
            Response::json(200, format!(r#"{{"down_ms":{ms}}}"#))
        }
        p if ws::is_ws_path(p) => {
            Response::text(426, "this is a WebSocket route\n").header("Upgrade", "websocket")
        }
        _ => match &shared.static_dir {
            Some(dir) => files::serve(dir, req).await,
            None => Response::text(404, "not found\n"),
        },
    }
}

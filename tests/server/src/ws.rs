//! The WebSocket routes: handshake by hand, then tungstenite (or raw bytes)
//! per route.

use std::io;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::http::{Request, Response};
use crate::stats::ConnGuard;
use crate::Shared;

/// Largest message `/blast` will build.
const MAX_BLAST_SIZE: usize = 64 * 1024 * 1024;
/// Size of the pre-built buffer `/blast` writes repeatedly.
const BLAST_CHUNK: usize = 1024 * 1024;
/// How long `/close` waits for the client's close reply.
const CLOSE_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

type Ws = WebSocketStream<TcpStream>;

/// What a WebSocket request asks for.
enum Route {
    Echo,
    Silent,
    Close {
        code: u16,
        reason: String,
        after: Duration,
    },
    Drop {
        after: Duration,
    },
    Blast {
        n: u64,
        size: usize,
        binary: bool,
        /// Wait for one message from the client before blasting (`go=1`), so that a
        /// benchmark can measure receiving apart from connecting.
        go: bool,
    },
    Sink {
        n: u64,
    },
    Json {
        bad: bool,
    },
}

/// Whether `path` is one of the WebSocket routes.
pub(crate) fn is_ws_path(path: &str) -> bool {
    matches!(
        path,
        "/echo"
            | "/silent"
            | "/close"
            | "/reject"
            | "/drop"
            | "/blast"
            | "/sink"
            | "/json"
            | "/hang"
    )
}

/// A numeric query parameter, its default when absent, or a message.
fn num<T: std::str::FromStr>(req: &Request, key: &str, default: T) -> Result<T, String> {
    match req.query(key) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("bad value for {key}: {v:?}\n")),
    }
}

fn ms(req: &Request, key: &str) -> Result<Duration, String> {
    num(req, key, 0u64).map(Duration::from_millis)
}

/// Decides the route, or the refusal (status, body).
fn route(req: &Request) -> Result<Route, (u16, String)> {
    let bad = |m: String| (400, m);
    Ok(match req.path.as_str() {
        "/echo" => Route::Echo,
        "/silent" => Route::Silent,
        "/close" => {
            let mut reason = req.query("reason").unwrap_or("").to_owned();
            // A close frame's reason is at most 123 bytes.
            while reason.len() > 123 {
                reason.pop();
            }
            Route::Close {
                code: num(req, "code", 1000u16).map_err(bad)?,
                reason,
                after: ms(req, "after_ms").map_err(bad)?,
            }
        }
        "/reject" => {
            let status = num(req, "status", 403u16).map_err(bad)?;
            if !(200..=599).contains(&status) {
                return Err((400, format!("status {status} is not in 200..=599\n")));
            }
            return Err((status, format!("handshake rejected with status {status}\n")));
        }
        "/drop" => Route::Drop {
            after: ms(req, "after_ms").map_err(bad)?,
        },
        "/blast" => {
            let size = num(req, "size", 64usize).map_err(bad)?;
            if size > MAX_BLAST_SIZE {
                return Err(bad(format!("size {size} > {MAX_BLAST_SIZE}\n")));
            }
            Route::Blast {
                n: num(req, "n", 1000u64).map_err(bad)?,
                size,
                binary: !matches!(req.query("binary"), None | Some("" | "0" | "false")),
                go: !matches!(req.query("go"), None | Some("" | "0" | "false")),
            }
        }
        "/sink" => Route::Sink {
            n: num(req, "n", 1000u64).map_err(bad)?.max(1),
        },
        "/json" => match req.query("mode").unwrap_or("bad") {
            "bad" => Route::Json { bad: true },
            "good" => Route::Json { bad: false },
            other => return Err(bad(format!("unknown mode {other:?}\n"))),
        },
        _ => return Err((404, format!("no WebSocket route {}\n", req.path))),
    })
}

/// Picks the subprotocol: `echo` if offered, else the first offered.
fn select_protocol(req: &Request) -> Option<String> {
    let offered = req.header_tokens("sec-websocket-protocol");
    if offered.iter().any(|p| p == "echo") {
        return Some("echo".to_owned());
    }
    offered.into_iter().next()
}

/// Checks the handshake headers; returns the `Sec-WebSocket-Accept` value.
fn check_handshake(req: &Request) -> Result<String, String> {
    if req.method != "GET" {
        return Err("WebSocket handshake must be a GET\n".into());
    }
    let connection = req.header_tokens("connection");
    if !connection.iter().any(|t| t.eq_ignore_ascii_case("upgrade")) {
        return Err("missing Connection: Upgrade\n".into());
    }
    if req.header("sec-websocket-version") != Some("13") {
        return Err("Sec-WebSocket-Version must be 13\n".into());
    }
    let key = req
        .header("sec-websocket-key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| "missing Sec-WebSocket-Key\n".to_owned())?;
    Ok(derive_accept_key(key.as_bytes()))
}

/// Serves one WebSocket upgrade request on `stream`.
pub(crate) async fn handle(
    mut stream: TcpStream,
    req: Request,
    leftover: Vec<u8>,
    shared: &Shared,
) -> io::Result<()> {
    let tag = req.query("tag").unwrap_or("").to_owned();
    let refuse = |status: u16, body: String| {
        shared.stats.refused(&tag);
        Response::text(status, body)
    };
    let accept = match check_handshake(&req) {
        Ok(a) => a,
        Err(msg) => return refuse(400, msg).send(&mut stream, false).await,
    };
    if req.path == "/hang" {
        // Never answer the handshake: the client stays CONNECTING (connectTimeout tests).
        shared.stats.refused(&tag);
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await.unwrap_or(0) > 0 {}
        return Ok(());
    }
    let route = match route(&req) {
        Ok(r) => r,
        Err((status, body)) => return refuse(status, body).send(&mut stream, false).await,
    };

    let mut head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n"
    );
    if let Some(p) = select_protocol(&req) {
        head.push_str(&format!("Sec-WebSocket-Protocol: {p}\r\n"));
    }
    head.push_str("\r\n");

    // Count the connection before the client can see the 101, so a client
    // that queries the stats right after connecting sees it.
    let (id, kill) = shared.stats.open(&tag);
    let guard = ConnGuard {
        registry: &shared.stats,
        id,
        tag,
    };
    stream.write_all(head.as_bytes()).await?;
    // On a kill signal the route future (which owns the socket) is dropped:
    // the socket closes without a close frame.
    let closing = || shared.stats.close_frame(guard.id, &guard.tag);
    tokio::select! {
        res = serve(stream, leftover, route, &closing) => {
            if let Ok(Some(code)) = res {
                shared.stats.close_code(&guard.tag, code);
            }
        }
        _ = kill => {}
    }
    drop(guard);
    Ok(())
}

/// Serves one route; returns the close code of the client's close frame where the route
/// reads until the end (1005: a close frame without a code; `None`: no close frame).
/// `closing` is called when the closing handshake starts (see `Registry::close_frame`).
async fn serve(
    mut stream: TcpStream,
    leftover: Vec<u8>,
    route: Route,
    closing: &(dyn Fn() + Sync),
) -> io::Result<Option<u16>> {
    match route {
        Route::Silent => {
            let mut buf = vec![0u8; 16 * 1024];
            while stream.read(&mut buf).await? > 0 {}
            Ok(None)
        }
        Route::Blast {
            n,
            size,
            binary,
            go: false,
        } => {
            blast(&mut stream, n, size, binary).await?;
            Ok(echo(&mut ws(stream, leftover).await, closing).await)
        }
        Route::Blast {
            n,
            size,
            binary,
            go: true,
        } => {
            let mut ws = ws(stream, leftover).await;
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => break,
                    Some(Ok(_)) => continue,
                    _ => return Ok(None),
                }
            }
            blast(ws.get_mut(), n, size, binary).await?;
            Ok(echo(&mut ws, closing).await)
        }
        Route::Echo => Ok(echo(&mut ws(stream, leftover).await, closing).await),
        Route::Drop { after } => {
            let mut ws = ws(stream, leftover).await;
            let code = tokio::time::timeout(after, echo(&mut ws, closing)).await;
            // Dropping `ws` closes the socket without a close frame.
            Ok(code.ok().flatten())
        }
        Route::Close {
            code,
            reason,
            after,
        } => {
            let mut ws = ws(stream, leftover).await;
            if let Ok(code) = tokio::time::timeout(after, echo(&mut ws, closing)).await {
                // The client closed (or failed) first.
                return Ok(code);
            }
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            closing();
            if ws.close(Some(frame)).await.is_ok() {
                let _ = tokio::time::timeout(CLOSE_REPLY_TIMEOUT, async {
                    while let Some(Ok(_)) = ws.next().await {}
                })
                .await;
            }
            Ok(None)
        }
        Route::Sink { n } => {
            let mut ws = ws(stream, leftover).await;
            let (mut count, mut bytes) = (0u64, 0u64);
            while let Some(Ok(msg)) = ws.next().await {
                let len = match &msg {
                    Message::Text(t) => t.len(),
                    Message::Binary(b) => b.len(),
                    _ => continue,
                };
                count += 1;
                bytes += len as u64;
                if count % n == 0 {
                    let reply = format!(r#"{{"count":{count},"bytes":{bytes}}}"#);
                    if ws.send(Message::text(reply)).await.is_err() {
                        break;
                    }
                }
            }
            Ok(None)
        }
        Route::Json { bad } => {
            let mut ws = ws(stream, leftover).await;
            let mut msgs = vec![r#"{"event":"MSG","data":1}"#];
            if bad {
                msgs.push("{oops not json");
            }
            msgs.push(r#"{"event":"MSG","data":2}"#);
            for m in msgs {
                if ws.send(Message::text(m)).await.is_err() {
                    return Ok(None);
                }
            }
            Ok(echo(&mut ws, closing).await)
        }
    }
}

async fn ws(stream: TcpStream, leftover: Vec<u8>) -> Ws {
    WebSocketStream::from_partially_read(stream, leftover, Role::Server, None).await
}

/// Echoes data messages until the connection ends (tungstenite answers pings
/// and close frames, repeating the client's close code and reason). Returns the
/// code of the client's close frame (1005 for one without a code), if one came.
async fn echo(ws: &mut Ws, closing: &(dyn Fn() + Sync)) -> Option<u16> {
    let mut closed = None;
    while let Some(Ok(msg)) = ws.next().await {
        let reply = match msg {
            Message::Text(_) | Message::Binary(_) => msg,
            Message::Close(frame) => {
                closing();
                closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                continue;
            }
            _ => continue,
        };
        if ws.send(reply).await.is_err() {
            break;
        }
    }
    closed
}

/// One unmasked server frame carrying `size` bytes.
fn encode_frame(size: usize, binary: bool) -> Vec<u8> {
    let mut f = Vec::with_capacity(size + 10);
    f.push(if binary { 0x82 } else { 0x81 });
    if size < 126 {
        f.push(size as u8);
    } else if let Ok(len) = u16::try_from(size) {
        f.push(126);
        f.extend_from_slice(&len.to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(size as u64).to_be_bytes());
    }
    if binary {
        f.extend((0..size).map(|i| (i % 256) as u8));
    } else {
        f.resize(f.len() + size, b'x');
    }
    f
}

/// Writes `n` copies of one pre-encoded frame straight to the socket.
async fn blast(stream: &mut TcpStream, n: u64, size: usize, binary: bool) -> io::Result<()> {
    if n == 0 {
        return Ok(());
    }
    let frame = encode_frame(size, binary);
    let per_chunk = (BLAST_CHUNK / frame.len()).max(1) as u64;
    let per_chunk = per_chunk.min(n);
    let chunk = frame.repeat(per_chunk as usize);
    for _ in 0..n / per_chunk {
        stream.write_all(&chunk).await?;
    }
    let rest = (n % per_chunk) as usize;
    stream.write_all(&chunk[..rest * frame.len()]).await
}

#[cfg(test)]
mod tests {
    use super::encode_frame;

    #[test]
    fn frame_headers() {
        assert_eq!(&encode_frame(3, false), b"\x81\x03xxx");
        assert_eq!(&encode_frame(2, true), b"\x82\x02\x00\x01");
        let f = encode_frame(300, true);
        assert_eq!(&f[..4], &[0x82, 126, 1, 44]);
        assert_eq!(f.len(), 304);
        let f = encode_frame(70_000, false);
        assert_eq!(&f[..2], &[0x81, 127]);
        assert_eq!(u64::from_be_bytes(f[2..10].try_into().unwrap()), 70_000);
    }
}

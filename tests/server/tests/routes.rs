//! End-to-end tests of the test server over loopback, using
//! tokio-tungstenite's client.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rws_test_server::{Config, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A server running in this process; stopped when dropped.
struct TestServer {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn start(static_dir: Option<std::path::PathBuf>) -> TestServer {
    let server = Server::bind(Config {
        static_dir,
        ..Config::default()
    })
    .await
    .expect("bind");
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    TestServer { addr, _stop: stop }
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    async fn connect(&self, path: &str) -> Ws {
        connect_async(self.url(path)).await.expect("connect").0
    }

    /// A plain GET; returns (status, body).
    async fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(self.addr).await.expect("tcp connect");
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").expect("response head");
        assert!(head.contains("Access-Control-Allow-Origin: *"), "{head}");
        // Static files may be kept for revalidation (and the page in the back/forward
        // cache); everything else must never be cached.
        let cache = if path.starts_with("/control") || path == "/healthz" {
            "Cache-Control: no-store"
        } else {
            "Cache-Control: no-"
        };
        assert!(head.contains(cache), "{head}");
        let status = head[9..12].parse().expect("status");
        (status, body.to_owned())
    }

    async fn stats(&self, tag: &str) -> String {
        self.get(&format!("/control/stats?tag={tag}")).await.1
    }
}

async fn next(ws: &mut Ws) -> Message {
    tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .expect("timely message")
        .expect("stream open")
        .expect("message")
}

/// Asserts the connection ends without a close frame.
async fn assert_dropped(ws: &mut Ws) {
    let end = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .expect("connection should end");
    match end {
        None | Some(Err(_)) => {}
        Some(Ok(m)) => panic!("expected an abrupt end, got {m:?}"),
    }
}

#[tokio::test]
async fn closes_lists_the_clients_close_codes_per_tag() {
    let srv = start(None).await;
    assert_eq!(srv.get("/control/closes?tag=k").await.1, "[]");
    for code in [Some(4002), None] {
        let mut ws = srv.connect("/echo?tag=k").await;
        let frame = code.map(|c| CloseFrame {
            code: CloseCode::from(c),
            reason: "x".into(),
        });
        ws.close(frame).await.expect("close");
        while let Some(Ok(_)) = ws.next().await {}
    }
    let mut body = String::new();
    for _ in 0..50 {
        body = srv.get("/control/closes?tag=k").await.1;
        if body == "[4002,1005]" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(body, "[4002,1005]");
    assert_eq!(srv.get("/control/closes?tag=other").await.1, "[]");
}

#[tokio::test]
async fn echo_text_binary_subprotocol_and_close() {
    let srv = start(None).await;
    let mut req = srv.url("/echo").into_client_request().expect("request");
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("foo, echo"),
    );
    let (mut ws, resp) = connect_async(req).await.expect("connect");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "echo");

    ws.send(Message::text("hello")).await.expect("send");
    assert_eq!(next(&mut ws).await, Message::text("hello"));
    ws.send(Message::binary(vec![0u8, 1, 255]))
        .await
        .expect("send");
    assert_eq!(next(&mut ws).await, Message::binary(vec![0u8, 1, 255]));

    let frame = CloseFrame {
        code: CloseCode::from(4001),
        reason: "bye now".into(),
    };
    ws.close(Some(frame.clone())).await.expect("close");
    assert_eq!(next(&mut ws).await, Message::Close(Some(frame)));

    // Other offers: the first is selected; no offer: none.
    let mut req = srv.url("/echo").into_client_request().expect("request");
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("foo, bar"),
    );
    let (_ws, resp) = connect_async(req).await.expect("connect");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "foo");
    let (_ws, resp) = connect_async(srv.url("/echo")).await.expect("connect");
    assert!(resp.headers().get("sec-websocket-protocol").is_none());
}

#[tokio::test]
async fn reject_uses_status_and_counts_refused() {
    let srv = start(None).await;
    for (path, want) in [("/reject?tag=r", 403), ("/reject?status=418&tag=r", 418)] {
        match connect_async(srv.url(path)).await {
            Err(Error::Http(resp)) => assert_eq!(resp.status().as_u16(), want),
            other => panic!("expected HTTP {want}, got {other:?}"),
        }
    }
    assert_eq!(
        srv.stats("r").await,
        r#"{"open":0,"accepted":0,"max_open":0,"refused":2}"#
    );
    assert!(matches!(
        connect_async(srv.url("/nope")).await,
        Err(Error::Http(r)) if r.status() == 404
    ));
}

#[tokio::test]
async fn blast_sends_n_frames_then_echoes() {
    let srv = start(None).await;
    let mut ws = srv.connect("/blast?n=3000&size=200&binary=1").await;
    let want: Vec<u8> = (0..200).map(|i| (i % 256) as u8).collect();
    for _ in 0..3000 {
        assert_eq!(next(&mut ws).await, Message::binary(want.clone()));
    }
    ws.send(Message::text("after")).await.expect("send");
    assert_eq!(next(&mut ws).await, Message::text("after"));

    // 64-bit length frames, text.
    let mut ws = srv.connect("/blast?n=5&size=70000").await;
    for _ in 0..5 {
        assert_eq!(next(&mut ws).await, Message::text("x".repeat(70_000)));
    }
    ws.close(None).await.expect("close");

    // go=1: nothing until the client's first message, then the blast, then echo.
    let mut ws = srv.connect("/blast?n=4&size=3&go=1").await;
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(200), ws.next())
            .await
            .is_err(),
        "a frame before go"
    );
    ws.send(Message::text("go")).await.expect("send");
    for _ in 0..4 {
        assert_eq!(next(&mut ws).await, Message::text("xxx"));
    }
    ws.send(Message::text("after")).await.expect("send");
    assert_eq!(next(&mut ws).await, Message::text("after"));
}

#[tokio::test]
async fn sink_reports_every_n() {
    let srv = start(None).await;
    let mut ws = srv.connect("/sink?n=3").await;
    for i in 0..6 {
        let msg = if i % 2 == 0 {
            Message::text("abcd")
        } else {
            Message::binary(vec![1u8; 6])
        };
        ws.send(msg).await.expect("send");
    }
    assert_eq!(
        next(&mut ws).await,
        Message::text(r#"{"count":3,"bytes":14}"#)
    );
    assert_eq!(
        next(&mut ws).await,
        Message::text(r#"{"count":6,"bytes":30}"#)
    );
}

#[tokio::test]
async fn json_bad_and_server_close() {
    let srv = start(None).await;
    let mut ws = srv.connect("/json?mode=bad").await;
    assert_eq!(
        next(&mut ws).await,
        Message::text(r#"{"event":"MSG","data":1}"#)
    );
    assert_eq!(next(&mut ws).await, Message::text("{oops not json"));
    assert_eq!(
        next(&mut ws).await,
        Message::text(r#"{"event":"MSG","data":2}"#)
    );

    let mut ws = srv
        .connect("/close?code=4002&reason=see%20ya&after_ms=20")
        .await;
    let want = CloseFrame {
        code: CloseCode::from(4002),
        reason: "see ya".into(),
    };
    assert_eq!(next(&mut ws).await, Message::Close(Some(want)));
}

#[tokio::test]
async fn silent_and_drop() {
    let srv = start(None).await;
    let mut ws = srv.connect("/silent").await;
    ws.send(Message::Ping(vec![1u8].into()))
        .await
        .expect("ping");
    let quiet = tokio::time::timeout(Duration::from_millis(150), ws.next()).await;
    assert!(quiet.is_err(), "silent answered: {quiet:?}");

    let mut ws = srv.connect("/drop?after_ms=100").await;
    ws.send(Message::text("hi")).await.expect("send");
    assert_eq!(next(&mut ws).await, Message::text("hi"));
    assert_dropped(&mut ws).await;
}

#[tokio::test]
async fn stats_track_max_open_and_reset() {
    let srv = start(None).await;
    let mut a = srv.connect("/echo?tag=m").await;
    let mut b = srv.connect("/echo?tag=m").await;
    let _c = srv.connect("/echo?tag=m").await;
    let _other = srv.connect("/echo?tag=other").await;
    assert_eq!(
        srv.stats("m").await,
        r#"{"open":3,"accepted":3,"max_open":3,"refused":0}"#
    );
    assert_eq!(
        srv.get("/control/stats").await.1,
        r#"{"open":4,"accepted":4,"max_open":4,"refused":0}"#
    );
    for ws in [&mut a, &mut b] {
        ws.close(None).await.expect("close");
        while let Some(Ok(_)) = ws.next().await {}
    }
    // The server side unregisters right after its close reply.
    let mut stats = String::new();
    for _ in 0..50 {
        stats = srv.stats("m").await;
        if stats.starts_with(r#"{"open":1"#) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stats, r#"{"open":1,"accepted":3,"max_open":3,"refused":0}"#);
    assert_eq!(
        srv.get("/control/reset?tag=m").await.1,
        r#"{"open":1,"accepted":0,"max_open":1,"refused":0}"#
    );
}

#[tokio::test]
async fn drop_all_and_down_refuses_then_recovers() {
    let srv = start(None).await;
    let mut a = srv.connect("/echo").await;
    let mut b = srv.connect("/sink").await;
    assert_eq!(srv.get("/control/drop-all").await.1, r#"{"dropped":2}"#);
    assert_dropped(&mut a).await;
    assert_dropped(&mut b).await;

    let mut ws = srv.connect("/echo?tag=d").await;
    assert_eq!(
        srv.get("/control/down?ms=300").await,
        (200, r#"{"down_ms":300}"#.into())
    );
    assert_dropped(&mut ws).await;
    let err = TcpStream::connect(srv.addr)
        .await
        .expect_err("should be refused");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);

    let started = tokio::time::Instant::now();
    let mut ws = loop {
        match connect_async(srv.url("/echo?tag=d")).await {
            Ok((ws, _)) => break ws,
            Err(_) if started.elapsed() < Duration::from_secs(3) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("server did not come back: {e}"),
        }
    };
    assert!(started.elapsed() >= Duration::from_millis(200));
    ws.send(Message::text("back")).await.expect("send");
    assert_eq!(next(&mut ws).await, Message::text("back"));
    assert_eq!(
        srv.stats("d").await,
        r#"{"open":1,"accepted":2,"max_open":1,"refused":0}"#
    );
}

#[tokio::test]
async fn static_files_and_control_basics() {
    let dir = std::env::temp_dir().join(format!("rws-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("index.html"), "<p>hi</p>").expect("write");
    std::fs::write(dir.join("sub/m.wasm"), b"\0asm").expect("write");
    let srv = start(Some(dir.clone())).await;

    assert_eq!(srv.get("/healthz").await, (200, "ok".into()));
    assert_eq!(srv.get("/").await, (200, "<p>hi</p>".into()));
    assert_eq!(srv.get("/sub/m.wasm").await, (200, "\0asm".into()));
    assert_eq!(srv.get("/sub").await.0, 301);
    assert_eq!(srv.get("/../Cargo.toml").await.0, 404);
    assert_eq!(srv.get("/sub/%2e%2e/%2e%2e/etc/passwd").await.0, 404);
    assert_eq!(srv.get("/missing.js").await.0, 404);

    let mut s = TcpStream::connect(srv.addr).await.expect("connect");
    s.write_all(b"GET /sub/m.wasm HTTP/1.1\r\n\r\n")
        .await
        .expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let head = String::from_utf8_lossy(&raw);
    assert!(head.contains("Content-Type: application/wasm"), "{head}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A client whose closing handshake is answered is no longer counted as open when it gets
/// the answer: one that reconnects at once (at its `close` event) is never counted twice.
/// (Before, `open` fell only when the server's task was done with the TCP stream, and the
/// shared-vs-plain fuzzer saw `max_open 2` for a plain client under load.)
#[tokio::test]
async fn a_client_closed_by_handshake_no_longer_counts_as_open() {
    let srv = start(None).await;
    for route in ["/echo?tag=h", "/close?tag=s&code=1000&after_ms=50"] {
        let mut ws = srv.connect(route).await;
        if route.starts_with("/echo") {
            ws.close(None).await.expect("close");
        }
        // The server's close frame (an answer, or its own).
        loop {
            match next(&mut ws).await {
                Message::Close(_) => break,
                _ => continue,
            }
        }
        let tag = if route.starts_with("/echo") { "h" } else { "s" };
        let stats = srv.stats(tag).await;
        assert!(stats.starts_with(r#"{"open":0,"#), "{route}: {stats}");
        while let Some(Ok(_)) = ws.next().await {}
    }
}

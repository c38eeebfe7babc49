//! A Rust/wasm page using resilient-ws's Rust API end to end (served at `/rust-example/`
//! by `scripts/demo`, opened by the e2e tests): connect, read the typed events from the
//! `Stream`, send through the `Sink` on every open, show reconnects as they happen.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use resilient_ws::{Client, Event, Message, Options};
use wasm_bindgen::prelude::*;

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Appends one line to the page's `#log` list.
fn log(text: &str) {
    let Some(doc) = document() else { return };
    let (Some(list), Ok(li)) = (doc.get_element_by_id("log"), doc.create_element("li")) else {
        return;
    };
    li.set_text_content(Some(text));
    let _ = list.append_child(&li);
}

fn set_text(id: &str, text: &str) {
    if let Some(el) = document().and_then(|d| d.get_element_by_id(id)) {
        el.set_text_content(Some(text));
    }
}

/// Connects to `/echo` on this page's host (the `tag` query parameter is passed on, for
/// the test server's per-tag counters) and runs the page.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let location = web_sys::window().ok_or("no window")?.location();
    let url = format!("ws://{}/echo{}", location.host()?, location.search()?);
    let options = Options::new()
        .ping_interval(Duration::from_secs(2))
        .pong_timeout(Duration::from_secs(1))
        .reconnect_delay(Duration::from_millis(500));
    let client = Client::connect(&url, options).map_err(|e| JsValue::from_str(&e.to_string()))?;
    set_text("url", &client.url());
    let (mut tx, mut events) = client.split();
    wasm_bindgen_futures::spawn_local(async move {
        let mut opens = 0u32;
        while let Some(ev) = events.next().await {
            match ev {
                Event::StateChange { to, .. } => set_text("state", to.name()),
                Event::Open => {
                    opens += 1;
                    log("open");
                    // Through the Sink: waits while the send queue is full.
                    if let Err(e) = tx
                        .send(Message::Text(format!("hello from Rust #{opens}")))
                        .await
                    {
                        log(&format!("send failed: {e}"));
                    }
                }
                Event::Message(Message::Text(t)) if t.starts_with("{\"request\"") => {
                    set_text(
                        "pongs",
                        &format!("pong at {}", js_sys::Date::new_0().to_iso_string()),
                    );
                }
                Event::Message(m) => {
                    log(&format!("message: {}", m.as_text().unwrap_or("(binary)")))
                }
                Event::Close { code, .. } => log(&format!("close {code}")),
                Event::Reconnecting { attempt, delay } => log(&format!(
                    "reconnecting: attempt {attempt} in {} ms",
                    delay.as_millis()
                )),
                Event::Reconnect { attempt } => {
                    log(&format!("reconnect: attempt {attempt} succeeded"))
                }
                Event::HeartbeatTimeout => log("heartbeat timeout"),
                // Each answered ping: the link's round-trip time, shown, not logged.
                Event::Pong { rtt } => set_text("rtt", &format!("{} ms", rtt.as_millis())),
                Event::Error => log("error"),
                other => log(&format!("{other:?}")),
            }
        }
        log("stream ended");
    });
    Ok(())
}

//! Per-tag connection statistics and the table of open WebSocket
//! connections (used to drop them all abruptly).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

/// Counters kept for one tag (the empty tag `""` is the global bucket that
/// every connection counts in).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TagStats {
    /// WebSocket connections open right now.
    pub open: u64,
    /// WebSocket connections accepted since start (or the last reset).
    pub accepted: u64,
    /// Highest number of concurrently open connections seen.
    pub max_open: u64,
    /// Handshakes refused or rejected.
    pub refused: u64,
}

impl TagStats {
    /// Renders the counters as the JSON object the control API returns.
    pub fn to_json(&self) -> String {
        format!(
            r#"{{"open":{},"accepted":{},"max_open":{},"refused":{}}}"#,
            self.open, self.accepted, self.max_open, self.refused
        )
    }
}

#[derive(Default)]
struct Inner {
    tags: HashMap<String, TagStats>,
    /// The close codes clients sent, per tag, in order (`/control/closes`).
    closes: HashMap<String, Vec<u16>>,
    next_id: u64,
    /// Open connections: id -> kill switch (taken once fired).
    conns: HashMap<u64, Option<oneshot::Sender<()>>>,
    /// Connections no longer counted as open (`close_frame`), still in `conns`.
    uncounted: std::collections::HashSet<u64>,
}

/// Shared statistics and connection table.
#[derive(Default)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
}

/// The buckets one connection with `tag` counts in.
fn buckets(tag: &str) -> impl Iterator<Item = &str> {
    std::iter::once("").chain((!tag.is_empty()).then_some(tag))
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking connection task must not take the whole server down.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a refused or rejected handshake.
    pub(crate) fn refused(&self, tag: &str) {
        let mut inner = self.lock();
        for b in buckets(tag) {
            inner.tags.entry(b.to_owned()).or_default().refused += 1;
        }
    }

    /// Current counters for `tag` (zeros for a tag never seen).
    pub(crate) fn snapshot(&self, tag: &str) -> TagStats {
        self.lock().tags.get(tag).copied().unwrap_or_default()
    }

    /// Records the code of a client's close frame (1005: none in the frame).
    pub(crate) fn close_code(&self, tag: &str, code: u16) {
        let mut inner = self.lock();
        inner.closes.entry(tag.to_owned()).or_default().push(code);
    }

    /// The close codes clients of `tag` sent, oldest first, as a JSON array.
    pub(crate) fn closes_json(&self, tag: &str) -> String {
        let inner = self.lock();
        let codes = inner.closes.get(tag).map(Vec::as_slice).unwrap_or_default();
        let list: Vec<String> = codes.iter().map(u16::to_string).collect();
        format!("[{}]", list.join(","))
    }

    /// Zeroes the counters of `tag`; `max_open` becomes the current `open`.
    pub(crate) fn reset(&self, tag: &str) -> TagStats {
        let mut inner = self.lock();
        let entry = inner.tags.entry(tag.to_owned()).or_default();
        *entry = TagStats {
            open: entry.open,
            accepted: 0,
            max_open: entry.open,
            refused: 0,
        };
        *entry
    }

    /// Registers a freshly accepted connection. The returned receiver fires
    /// when the connection must be dropped abruptly.
    pub(crate) fn open(&self, tag: &str) -> (u64, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let mut inner = self.lock();
        for b in buckets(tag) {
            let s = inner.tags.entry(b.to_owned()).or_default();
            s.open += 1;
            s.accepted += 1;
            s.max_open = s.max_open.max(s.open);
        }
        let id = inner.next_id;
        inner.next_id += 1;
        inner.conns.insert(id, Some(tx));
        (id, rx)
    }

    /// The closing handshake is under way (the client's close frame arrived and is answered,
    /// or the server sent its own): from the client's side the connection is closed, so it
    /// stops counting as open now, not when the server's task is done with the TCP stream.
    /// (A client that reconnects at its `close` event raced that task and was counted as two
    /// open connections.)
    pub(crate) fn close_frame(&self, id: u64, tag: &str) {
        let mut inner = self.lock();
        if inner.conns.contains_key(&id) && inner.uncounted.insert(id) {
            for b in buckets(tag) {
                if let Some(s) = inner.tags.get_mut(b) {
                    s.open = s.open.saturating_sub(1);
                }
            }
        }
    }

    /// Unregisters a connection (called once its socket is gone).
    pub(crate) fn close(&self, id: u64, tag: &str) {
        let mut inner = self.lock();
        if !inner.uncounted.remove(&id) {
            for b in buckets(tag) {
                if let Some(s) = inner.tags.get_mut(b) {
                    s.open = s.open.saturating_sub(1);
                }
            }
        }
        inner.conns.remove(&id);
    }

    /// Tells every open connection to drop its socket, then waits (up to two
    /// seconds) until they all did. Returns how many were told.
    pub(crate) async fn kill_all(&self) -> usize {
        let ids: Vec<u64> = {
            let mut inner = self.lock();
            let mut ids = Vec::new();
            for (id, kill) in inner.conns.iter_mut() {
                if let Some(tx) = kill.take() {
                    // The receiver may already be gone; that's fine.
                    let _ = tx.send(());
                    ids.push(*id);
                }
            }
            ids
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while tokio::time::Instant::now() < deadline {
            let remaining = {
                let inner = self.lock();
                ids.iter().any(|id| inner.conns.contains_key(id))
            };
            if !remaining {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        ids.len()
    }
}

/// Unregisters a connection when dropped. Create it after the handshake and
/// drop it after the socket.
pub(crate) struct ConnGuard<'a> {
    pub(crate) registry: &'a Registry,
    pub(crate) id: u64,
    pub(crate) tag: String,
}

impl Drop for ConnGuard<'_> {
    fn drop(&mut self) {
        self.registry.close(self.id, &self.tag);
    }
}

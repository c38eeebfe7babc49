//! The bounded send queue used while the client is not open.

use std::collections::VecDeque;

use super::config::{Error, ErrorKind, OverflowPolicy};
use crate::text::{message, Part::N, Part::S};

/// Messages waiting for the next open, bounded by count and bytes.
///
/// ```
/// use resilient_ws::engine::{OverflowPolicy, Queue};
///
/// let q: Queue<String> = Queue::new(1000, 1 << 20, OverflowPolicy::DropOldest);
/// assert!(q.enabled());
/// assert!(q.is_empty());
/// ```
#[derive(Debug)]
pub struct Queue<P> {
    items: VecDeque<(P, usize)>,
    bytes: usize,
    max_len: usize,
    max_bytes: usize,
    policy: OverflowPolicy,
}

impl<P> Queue<P> {
    /// An empty queue with these bounds.
    pub fn new(max_len: usize, max_bytes: usize, policy: OverflowPolicy) -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
            max_len,
            max_bytes,
            policy,
        }
    }

    /// Whether queueing is on at all (`maxQueued > 0`).
    pub fn enabled(&self) -> bool {
        self.max_len > 0
    }

    /// Messages queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes queued.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Adds a message. Returns the messages dropped to respect the bounds, each flagged
    /// `true` if it is the new message itself; `Err` under the `error` policy.
    pub fn push(&mut self, data: P, bytes: usize) -> Result<Vec<(P, bool)>, Error> {
        let fits_alone = bytes <= self.max_bytes;
        // Byte counts saturate: a Blob over 4 GiB must not wrap the bound (32-bit wasm).
        let fits_now =
            self.items.len() < self.max_len && self.bytes.saturating_add(bytes) <= self.max_bytes;
        if fits_now {
            self.bytes = self.bytes.saturating_add(bytes);
            self.items.push_back((data, bytes));
            return Ok(Vec::new());
        }
        match self.policy {
            OverflowPolicy::Error => Err(Error::new(
                ErrorKind::Range,
                message(&[
                    S("send queue is full ("),
                    N(self.items.len() as u64),
                    S(" messages, "),
                    N(self.bytes as u64),
                    S(" bytes queued; maxQueued "),
                    N(self.max_len as u64),
                    S(", maxQueuedBytes "),
                    N(self.max_bytes as u64),
                    S("); the message was not queued"),
                ]),
            )),
            OverflowPolicy::DropNewest => Ok(vec![(data, true)]),
            OverflowPolicy::DropOldest if !fits_alone => Ok(vec![(data, true)]),
            OverflowPolicy::DropOldest => {
                let mut dropped = Vec::new();
                while self.items.len() >= self.max_len
                    || self.bytes.saturating_add(bytes) > self.max_bytes
                {
                    match self.items.pop_front() {
                        Some((d, b)) => {
                            self.bytes = self.bytes.saturating_sub(b);
                            dropped.push((d, false));
                        }
                        None => break,
                    }
                }
                self.bytes = self.bytes.saturating_add(bytes);
                self.items.push_back((data, bytes));
                Ok(dropped)
            }
        }
    }

    /// Puts messages that were already accepted (a shared tab's unconfirmed sends) before
    /// everything queued, whatever the bounds: they must not be lost now.
    pub fn prepend(&mut self, items: Vec<P>) {
        for d in items.into_iter().rev() {
            self.items.push_front((d, 0));
        }
    }

    /// Puts messages that were already accepted after everything queued, whatever the
    /// bounds.
    pub fn append(&mut self, items: Vec<P>) {
        for d in items {
            self.items.push_back((d, 0));
        }
    }

    /// An empty queue with the same bounds, and this one's messages.
    pub fn take(&mut self) -> Queue<P> {
        let empty = Queue::new(self.max_len, self.max_bytes, self.policy);
        std::mem::replace(self, empty)
    }

    /// Takes everything, in order.
    pub fn drain(&mut self) -> Vec<P> {
        self.bytes = 0;
        std::mem::take(&mut self.items)
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    }
}

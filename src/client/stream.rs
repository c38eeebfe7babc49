//! `Stream` and `Sink` halves of the Rust API.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use futures_sink::Sink;

use super::{Client, Error, Event, Message, State};
use crate::browser::{Inner, ListenerId, Shell};

/// Unread events an [`Events`] stream keeps by default.
pub const DEFAULT_CAPACITY: usize = 256;

struct Buf {
    queue: VecDeque<Event>,
    capacity: usize,
    dropped: u64,
    ended: bool,
    waker: Option<Waker>,
}

impl Buf {
    fn end(&mut self) {
        self.ended = true;
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// Ends the stream when the client (and with it the listener holding this) is dropped.
struct EndOnDrop(Rc<RefCell<Buf>>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        let waker = {
            let mut b = self.0.borrow_mut();
            b.ended = true;
            b.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Removes a listener from a client that may already be gone.
struct Detach(Weak<Inner>, ListenerId);

impl Drop for Detach {
    fn drop(&mut self) {
        if let Some(inner) = self.0.upgrade() {
            Shell(inner).remove_rust_listener(self.1);
        }
    }
}

/// The client's events as a `futures::Stream<Item = Event>`, from the moment it was made.
///
/// Bounded: at most the capacity's worth of unread events are kept (256 by default, see
/// [`Client::events_with_capacity`]); beyond that the oldest unread event is dropped and
/// counted ([`Events::dropped`]), so a stream nobody polls never grows without bound. The
/// stream ends (`None`) once the client is closed for good — after your
/// [`Client::close`], a refused reconnect policy or `max_retries` — and after every event
/// up to that point was read; or when the client is dropped. It does not keep the client
/// alive (hold a [`Client`] or a [`Sender`] for that), except the half that
/// [`Client::split`] returns, which owns the client as the [`Sender`] does. Once it has
/// ended it stays ended: a client reopened later (`reconnect()`) does not revive it (take
/// a new stream for that). Use it from `wasm_bindgen_futures::spawn_local`.
///
/// ```no_run
/// # use futures::StreamExt;
/// # use resilient_ws::{Client, Options};
/// # let client = Client::connect("wss://example.com/socket", Options::new())?;
/// let mut events = client.events();
/// wasm_bindgen_futures::spawn_local(async move {
///     while let Some(ev) = events.next().await {
///         let _ = ev; // ends once the client is closed for good, or dropped
///     }
/// });
/// # Ok::<(), resilient_ws::Error>(())
/// ```
pub struct Events {
    buf: Rc<RefCell<Buf>>,
    _detach: Detach,
    /// The owning handle of a [`Client::split`] half (dropped after the listener).
    _owner: Option<Client>,
}

impl Events {
    pub(crate) fn new(shell: &Shell, capacity: usize, owner: Option<Client>) -> Events {
        let buf = Rc::new(RefCell::new(Buf {
            queue: VecDeque::new(),
            capacity,
            dropped: 0,
            ended: false,
            waker: None,
        }));
        let guard = EndOnDrop(buf.clone());
        let id = shell.add_rust_listener_types(super::event::TYPES, move |e| {
            let Some(ev) = Event::from_dom(&e) else {
                return;
            };
            let closed = matches!(
                ev,
                Event::StateChange {
                    to: State::Closed,
                    ..
                }
            );
            let waker = {
                let mut b = guard.0.borrow_mut();
                if b.ended {
                    // Ended (closed for good, or the stream was dropped): nothing more, even
                    // if the client is reopened.
                    return;
                }
                if b.queue.len() >= b.capacity {
                    b.queue.pop_front();
                    b.dropped += 1;
                }
                b.queue.push_back(ev);
                if closed {
                    b.ended = true;
                }
                b.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        Events {
            buf,
            _detach: Detach(Rc::downgrade(&shell.0), id),
            _owner: owner,
        }
    }

    /// How many unread events were dropped because the buffer was full.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let events = client.events_with_capacity(8);
    /// // … later: how many events were lost because nobody read them
    /// let lost = events.dropped();
    /// let _ = lost;
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn dropped(&self) -> u64 {
        self.buf.borrow().dropped
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut b = self.buf.borrow_mut();
        if let Some(ev) = b.queue.pop_front() {
            return Poll::Ready(Some(ev));
        }
        if b.ended {
            return Poll::Ready(None);
        }
        b.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.buf.borrow_mut().end();
    }
}

/// The sending half: a `futures::Sink<Message>` whose readiness follows the send queue.
///
/// `poll_ready` is ready while the client is open, or while it is connecting / waiting to
/// reconnect and the queue has room (its `max_queued` and `max_queued_bytes` bounds); it
/// waits while the queue is full (or off) and becomes ready when the client opens and the
/// queue is flushed. After the client closed for good it fails with
/// [`Error::InvalidState`]. `poll_flush` waits until nothing is queued; `poll_close`
/// closes the client (1000) and waits for it to be closed — after `split()` too. The
/// sender owns the client (it stays alive while the sender exists).
///
/// ```no_run
/// # use futures::SinkExt;
/// # use resilient_ws::Message;
/// # use resilient_ws::{Client, Options};
/// # let client = Client::connect("wss://example.com/socket", Options::new())?;
/// let mut tx = client.sender();
/// wasm_bindgen_futures::spawn_local(async move {
///     let _ = tx.send(Message::Text("hello".into())).await; // waits for room in the queue
///     let _ = tx.close().await; // closes the client (1000)
/// });
/// # Ok::<(), resilient_ws::Error>(())
/// ```
pub struct Sender {
    client: Client,
    waker: Rc<RefCell<Option<Waker>>>,
    closing: bool,
    _detach: Detach,
}

impl Sender {
    pub(crate) fn new(client: Client) -> Sender {
        let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
        let w = waker.clone();
        let shell = client.shell().clone();
        let id = shell.add_rust_listener("statechange", move |_| {
            let taken = w.borrow_mut().take();
            if let Some(w) = taken {
                w.wake();
            }
        });
        Sender {
            _detach: Detach(Rc::downgrade(&shell.0), id),
            client,
            waker,
            closing: false,
        }
    }

    /// The client this sender sends on.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// let tx = Client::connect("wss://example.com/socket", Options::new())?.sender();
    /// let _ = tx.client().ready_state();
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn wait(&self, cx: &Context<'_>) {
        *self.waker.borrow_mut() = Some(cx.waker().clone());
    }

    fn closed_for_good(&self) -> bool {
        let shell = self.client.shell();
        shell.phase() == State::Closed || shell.user_close()
    }
}

impl Sink<Message> for Sender {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let shell = self.client.shell();
        let (room, user_close) = shell.with_engine(|e| {
            let q = e.queue();
            let cfg = e.config();
            let room =
                q.enabled() && q.len() < cfg.max_queued_len() && q.bytes() < cfg.max_queued_bytes;
            (room, e.user_close())
        });
        let state = shell.phase();
        match state {
            State::Open if !user_close => Poll::Ready(Ok(())),
            // (Closing without the user's close: a reconnect() waits for the old socket.)
            State::Closed | State::Closing if user_close || state == State::Closed => {
                Poll::Ready(Err(Error::InvalidState(
                    "the client is closed: reconnect() before sending".into(),
                )))
            }
            _ if room => Poll::Ready(Ok(())),
            _ => {
                self.wait(cx);
                Poll::Pending
            }
        }
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.client.send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let empty = self.client.shell().with_engine(|e| e.queue().is_empty());
        if empty || self.closed_for_good() {
            Poll::Ready(Ok(()))
        } else {
            self.wait(cx);
            Poll::Pending
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if !self.closing {
            self.closing = true;
            self.client.close(Some(1000), "")?;
        }
        if self.client.state() == State::Closed {
            Poll::Ready(Ok(()))
        } else {
            self.wait(cx);
            Poll::Pending
        }
    }
}

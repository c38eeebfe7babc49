//! The sans-IO engine: heartbeat, reconnect, `lockReconnect`, `userClose` and the send
//! queue as a plain state machine.
//!
//! No web-sys, no js-sys, no clock. The browser shell feeds inputs (`handle_*`, user calls)
//! with the current time in milliseconds, applies every [`Engine::poll_io`] item, arms one
//! timer for [`Engine::poll_timeout`], then delivers the [`Engine::poll_event`] events
//! (quinn-proto's `poll_transmit`/`poll_timeout` before `poll`). Everything that decides
//! lives here, so it is tested on the host with a simulated clock.
//!
//! `lockReconnect` is the [`Phase::Waiting`] / [`Phase::Connecting`] states themselves:
//! while a reconnect is scheduled or a socket is connecting, close/error events and
//! `reconnect()` calls change nothing, so there is never a second socket nor a second timer.

pub mod config;
mod queue;

use std::collections::VecDeque;

pub use config::{Config, Error, ErrorKind, OverflowPolicy};
pub use queue::Queue;

/// Milliseconds on a monotonic clock chosen by the shell (`performance.now()` in a browser).
pub type Millis = u64;

/// Identifies one underlying socket. A new one per attempt; events that carry an old id
/// come from a superseded socket and are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(pub u64);

/// Close code the engine uses when the heartbeat finds the link dead.
pub const CLOSE_HEARTBEAT_TIMEOUT: u16 = 4000;
/// Close code the engine uses when a socket stays CONNECTING past `connectTimeout`.
pub const CLOSE_CONNECT_TIMEOUT: u16 = 4001;
/// Close code for a socket the user replaced with `reconnect()`.
pub const CLOSE_NORMAL: u16 = 1000;
/// Close code when the page goes into the back/forward cache: sent to the server and
/// reported by the local `close` event. (Not 1001 "going away": browsers let scripts
/// close only with 1000 or 3000–4999, and reject 1001 with `InvalidAccessError`.)
pub const CLOSE_PAGE_CACHED: u16 = 4002;
/// How long `reconnect()` of an open socket waits for its closing handshake when
/// `closeTimeout` is 0 (the new socket opens after the old one closed, or after this).
pub const REOPEN_CLOSE_WAIT_MS: Millis = 1000;
/// Close code reported when the connection dropped without a close frame.
pub const CLOSE_ABNORMAL: u16 = 1006;
/// Policy violation: by default no reconnect after it (it usually means "rejected").
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;

/// Where the client stands. Drives `readyState` and the `statechange` event.
///
/// ```
/// use resilient_ws::engine::Phase;
///
/// assert_eq!(Phase::Waiting.ready_state(), 3); // CLOSED while a reconnect waits
/// assert_eq!(Phase::from_name("open"), Some(Phase::Open));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Created; `connect` not called yet.
    Idle,
    /// A socket is connecting (`lockReconnect` holds).
    Connecting,
    /// The socket is open.
    Open,
    /// The user asked to close; waiting for the socket's close event.
    Closing,
    /// A reconnect is scheduled (`lockReconnect` holds).
    Waiting,
    /// Closed and staying closed: by the user, by policy, or after `maxRetries`.
    Closed,
}

impl Phase {
    /// The native `readyState` number: CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3.
    /// While a reconnect is scheduled the socket is closed, so `readyState` is CLOSED.
    pub fn ready_state(self) -> u16 {
        match self {
            Phase::Idle | Phase::Connecting => 0,
            Phase::Open => 1,
            Phase::Closing => 2,
            Phase::Waiting | Phase::Closed => 3,
        }
    }

    /// The phase a `statechange` event names (the inverse of [`Phase::name`]).
    pub fn from_name(name: &str) -> Option<Phase> {
        [
            Phase::Idle,
            Phase::Connecting,
            Phase::Open,
            Phase::Closing,
            Phase::Waiting,
            Phase::Closed,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// The name used in `statechange` events.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Connecting => "connecting",
            Phase::Open => "open",
            Phase::Closing => "closing",
            Phase::Waiting => "waiting",
            Phase::Closed => "closed",
        }
    }
}

/// Something the application hears about.
///
/// ```
/// # use resilient_ws::engine::{Config, Engine, Io, Phase, SocketId};
/// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
/// # engine.connect(0);
/// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
/// # engine.handle_created(id);
/// use resilient_ws::engine::Event;
///
/// assert_eq!(engine.poll_event(), Some(Event::StateChange { from: Phase::Idle, to: Phase::Connecting }));
/// engine.handle_open(0, id);
/// assert_eq!(engine.poll_event(), Some(Event::StateChange { from: Phase::Connecting, to: Phase::Open }));
/// assert_eq!(engine.poll_event(), Some(Event::Open));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Event<P> {
    /// The phase changed.
    StateChange {
        /// Previous phase.
        from: Phase,
        /// New phase.
        to: Phase,
    },
    /// The socket opened.
    Open,
    /// The new socket of a reconnect opened (after `Open`).
    Reconnect {
        /// Which attempt succeeded (1-based).
        attempt: u32,
    },
    /// The socket reported an error.
    Error,
    /// The socket closed (native, or synthesised when the engine dropped it).
    Close {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
        /// Whether the closing handshake completed.
        was_clean: bool,
    },
    /// A reconnect is scheduled.
    Reconnecting {
        /// Attempt number (1-based) since the last successful open.
        attempt: u32,
        /// Delay before it, in ms.
        delay: Millis,
    },
    /// No pong arrived in time; the socket is being dropped.
    HeartbeatTimeout,
    /// A ping was answered: the round-trip time, in ms (not for the passive heartbeat,
    /// which sends no ping).
    Pong {
        /// From the ping to its answer.
        rtt: Millis,
    },
    /// `maxRetries` consecutive attempts failed; the client stays closed.
    ReconnectFailed {
        /// How many attempts were made.
        attempts: u32,
    },
    /// A queued message was dropped (bound reached or queue cleared by `close`).
    QueueOverflow {
        /// The message itself.
        data: P,
    },
}

/// I/O the shell must perform, in order, before any application event of the same
/// transition is delivered (quinn-proto's `poll_transmit` / `poll_timeout`, as opposed to
/// its `poll` for application events).
///
/// ```
/// # use resilient_ws::engine::{Config, Engine, Io, Phase, SocketId};
/// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
/// # engine.connect(0);
/// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
/// # engine.handle_created(id);
/// # engine.handle_open(0, id);
/// # while engine.poll_io().is_some() {}
/// # while engine.poll_event().is_some() {}
/// engine.close(1_000, Some(1000), "bye");
/// assert_eq!(
///     engine.poll_io(),
///     Some(Io::CloseSocket { socket: id, code: Some(1000), reason: "bye".into() })
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Io {
    /// Create a new socket with this id. The shell answers with
    /// [`Engine::handle_created`] once the socket exists, or [`Engine::handle_open_failed`]
    /// if it could not be created (a `url` function threw or returned garbage, the
    /// browser's constructor threw).
    OpenSocket(SocketId),
    /// Start the closing handshake on this socket and keep listening for its close event.
    CloseSocket {
        /// Which socket.
        socket: SocketId,
        /// Close code (`None`: no code, as `ws.close()`).
        code: Option<u16>,
        /// Close reason.
        reason: String,
    },
    /// Close this socket and detach its listeners now: it is superseded and none of its
    /// events may reach the application.
    DropSocket {
        /// Which socket.
        socket: SocketId,
        /// Close code sent to the server.
        code: u16,
        /// Close reason sent to the server.
        reason: &'static str,
    },
    /// Send the heartbeat message on the current socket.
    SendPing,
}

/// What `send` decided.
///
/// ```
/// # use resilient_ws::engine::{Config, Engine, Io, Phase, SocketId};
/// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
/// # engine.connect(0);
/// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
/// # engine.handle_created(id);
/// use resilient_ws::engine::SendOutcome;
///
/// // Connecting: queued until open, then handed back by take_backlog.
/// assert_eq!(engine.send("hi".to_string(), 2, true), Ok(SendOutcome::Queued));
/// engine.handle_open(0, id);
/// assert_eq!(engine.take_backlog(), vec!["hi".to_string()]);
/// assert_eq!(engine.send("now".to_string(), 3, true), Ok(SendOutcome::SendNow("now".to_string())));
/// ```
#[derive(Debug, PartialEq)]
pub enum SendOutcome<P> {
    /// Open: send it on the socket now.
    SendNow(P),
    /// Kept in the queue until the next open.
    Queued,
    /// Closed for good (or `maxQueued: 0` while closed): discarded, as a native socket
    /// does; the shell adds the bytes to `bufferedAmount`.
    Discarded(usize),
    /// The queue was full and the policy dropped this message (reported by an event).
    Dropped,
}

#[derive(Clone, Copy, Debug)]
struct Heartbeat {
    next_ping: Option<Millis>,
    pong_deadline: Option<Millis>,
    rearmed: bool,
    last_ping: Option<Millis>,
    last_pong: Option<Millis>,
    /// Passive heartbeat: when the last message arrived on the open socket.
    heard: Option<Millis>,
    /// The round-trip time of the last answered ping.
    rtt: Option<Millis>,
}

impl Heartbeat {
    const IDLE: Heartbeat = Heartbeat {
        next_ping: None,
        pong_deadline: None,
        rearmed: false,
        last_ping: None,
        last_pong: None,
        heard: None,
        rtt: None,
    };
}

/// The state machine. `P` is the shell's message type (a `JsValue` in the browser).
///
/// ```
/// use resilient_ws::engine::{Config, Engine, Event, Io, Phase, CLOSE_HEARTBEAT_TIMEOUT};
///
/// // The defaults, on a simulated clock: ping at 30 000, drop at 35 000, reopen at 50 000.
/// let mut engine: Engine<String> = Engine::new(Config::default(), 1);
/// engine.connect(0);
/// let Some(Io::OpenSocket(first)) = engine.poll_io() else { panic!("no socket") }; // ok: a doctest, the first I/O of connect() is OpenSocket
/// engine.handle_created(first); // the shell made the socket
/// engine.handle_open(0, first); // its open event
/// assert_eq!(engine.phase(), Phase::Open);
///
/// assert_eq!(engine.poll_timeout(), Some(30_000));
/// engine.handle_timeout(30_000);
/// assert_eq!(engine.poll_io(), Some(Io::SendPing));
///
/// assert_eq!(engine.poll_timeout(), Some(35_000)); // nothing answered
/// engine.handle_timeout(35_000);
/// assert!(matches!(engine.poll_io(), Some(Io::DropSocket { code: CLOSE_HEARTBEAT_TIMEOUT, .. })));
/// let events: Vec<Event<String>> = std::iter::from_fn(|| engine.poll_event()).collect();
/// assert!(events.contains(&Event::HeartbeatTimeout));
/// assert!(events.contains(&Event::Reconnecting { attempt: 1, delay: 15_000 }));
///
/// assert_eq!(engine.poll_timeout(), Some(50_000));
/// engine.handle_timeout(50_000);
/// assert!(matches!(engine.poll_io(), Some(Io::OpenSocket(_))));
/// assert_eq!(engine.phase(), Phase::Connecting);
/// ```
#[derive(Debug)]
pub struct Engine<P> {
    cfg: Config,
    phase: Phase,
    socket: Option<SocketId>,
    next_socket: u64,
    /// Consecutive attempts since the last successful open (0 while open).
    attempt: u32,
    connect_deadline: Option<Millis>,
    connect_rearmed: bool,
    /// After the socket's `error`, the `close` that follows is waited for until this time
    /// (WebKit fires none for some failures, e.g. a port it refuses to connect to).
    error_deadline: Option<Millis>,
    close_deadline: Option<Millis>,
    /// The user's `reconnect()` of an open socket: the socket is closing, and the next one
    /// opens once it closed (or [`REOPEN_CLOSE_WAIT_MS`] / `closeTimeout` passed), so the
    /// server never holds the old and the new connection at once.
    reopen: bool,
    reconnect_at: Option<Millis>,
    user_close: bool,
    /// The current socket reported an error: natively `readyState` is CLOSED from then on.
    failed: bool,
    online: bool,
    /// The page is visible (timers run on time); hidden pages have throttled timers.
    visible: bool,
    /// The page is in the back/forward cache: the socket was closed, reconnecting is held.
    cached: bool,
    hb: Heartbeat,
    /// The shell has created the current socket (false while a `url` function is still
    /// pending): only then can a close event ever come for it.
    created: bool,
    queue: Queue<P>,
    io: VecDeque<Io>,
    events: VecDeque<Event<P>>,
    rng: u64,
}

/// The earlier of two optional deadlines.
fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl<P> Engine<P> {
    /// A new engine. `seed` feeds the jitter's random source (any value; 0 is remapped).
    ///
    /// ```
    /// use resilient_ws::engine::{Config, Engine, Phase};
    ///
    /// let engine: Engine<Vec<u8>> = Engine::new(Config { reconnect_delay: 2_000, ..Config::default() }, 42);
    /// assert_eq!(engine.phase(), Phase::Idle);
    /// ```
    pub fn new(cfg: Config, seed: u64) -> Self {
        let queue = Queue::new(cfg.max_queued_len(), cfg.max_queued_bytes, cfg.overflow);
        Self {
            cfg,
            phase: Phase::Idle,
            socket: None,
            next_socket: 0,
            attempt: 0,
            connect_deadline: None,
            connect_rearmed: false,
            error_deadline: None,
            close_deadline: None,
            reopen: false,
            reconnect_at: None,
            user_close: false,
            failed: false,
            online: true,
            visible: true,
            cached: false,
            hb: Heartbeat::IDLE,
            created: false,
            queue,
            io: VecDeque::new(),
            events: VecDeque::new(),
            rng: seed | 1,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The native `readyState` number. After the socket's `error` event it is CLOSED, as
    /// natively (the close event follows).
    pub fn ready_state(&self) -> u16 {
        if self.failed && matches!(self.phase, Phase::Connecting | Phase::Open | Phase::Closing) {
            return 3;
        }
        self.phase.ready_state()
    }

    /// The current socket, if one is live.
    pub fn socket(&self) -> Option<SocketId> {
        self.socket
    }

    /// Whether events of `socket` should still be listened to.
    pub fn is_current(&self, socket: SocketId) -> bool {
        self.socket == Some(socket)
    }

    /// `lockReconnect`: a reconnect is scheduled or a socket is connecting.
    pub fn lock_reconnect(&self) -> bool {
        matches!(self.phase, Phase::Waiting | Phase::Connecting)
    }

    /// `userClose`: the user closed and has not reopened.
    pub fn user_close(&self) -> bool {
        self.user_close
    }

    /// Attempts since the last successful open.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// When the scheduled reconnect happens (`None` when none is, or when held offline).
    pub fn reconnect_at(&self) -> Option<Millis> {
        self.reconnect_at
    }

    /// When the next ping goes out.
    pub fn next_ping_at(&self) -> Option<Millis> {
        self.hb.next_ping
    }

    /// When the last ping went out.
    pub fn last_ping_at(&self) -> Option<Millis> {
        self.hb.last_ping
    }

    /// When the last pong (or other message counting as one) arrived.
    pub fn last_pong_at(&self) -> Option<Millis> {
        self.hb.last_pong
    }

    /// The round-trip time of the last answered ping, in ms (kept across reconnects).
    pub fn rtt(&self) -> Option<Millis> {
        self.hb.rtt
    }

    /// The pong deadline while waiting for one.
    pub fn pong_deadline(&self) -> Option<Millis> {
        self.hb.pong_deadline
    }

    /// Whether the browser says it is online.
    pub fn online(&self) -> bool {
        self.online
    }

    /// The send queue.
    pub fn queue(&self) -> &Queue<P> {
        &self.queue
    }

    /// The next I/O item for the shell. Drain these (and re-arm the timer from
    /// [`Engine::poll_timeout`]) before delivering events with [`Engine::poll_event`].
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// engine.reconnect(10); // on an open socket: replace it now
    /// while let Some(io) = engine.poll_io() {
    ///     match io {
    ///         Io::OpenSocket(_) | Io::DropSocket { .. } => {} // the shell makes or drops sockets
    ///         Io::CloseSocket { .. } | Io::SendPing => {}
    ///     }
    /// }
    /// ```
    pub fn poll_io(&mut self) -> Option<Io> {
        self.io.pop_front()
    }

    /// The next application event, once every I/O item has been applied.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// engine.handle_open(0, id);
    /// while let Some(ev) = engine.poll_event() {
    ///     if let Event::Open = ev { /* deliver to the application */ }
    /// }
    /// ```
    pub fn poll_event(&mut self) -> Option<Event<P>> {
        self.events.pop_front()
    }

    /// Whether the current socket exists (false while its `url` function is pending).
    pub fn socket_created(&self) -> bool {
        self.created
    }

    /// The one deadline the shell must arm a timer for.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// assert_eq!(engine.poll_timeout(), Some(30_000)); // the first ping
    /// ```
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.phase {
            Phase::Connecting => earliest(self.connect_deadline, self.error_deadline),
            Phase::Open => earliest(
                self.hb.pong_deadline.or(self.hb.next_ping),
                self.error_deadline,
            ),
            Phase::Waiting => self.reconnect_at,
            Phase::Closing => self.close_deadline,
            _ => None,
        }
    }

    fn emit(&mut self, e: Event<P>) {
        self.events.push_back(e);
    }

    fn set_phase(&mut self, to: Phase) {
        let from = self.phase;
        if from != to {
            self.phase = to;
            self.emit(Event::StateChange { from, to });
        }
    }

    fn open_socket(&mut self, now: Millis) {
        self.next_socket += 1;
        let id = SocketId(self.next_socket);
        self.socket = Some(id);
        self.created = false;
        self.failed = false;
        self.reconnect_at = None;
        self.connect_rearmed = false;
        self.error_deadline = None;
        self.connect_deadline =
            (self.cfg.connect_timeout > 0).then(|| now + self.cfg.connect_timeout);
        self.hb = Heartbeat {
            last_ping: self.hb.last_ping,
            last_pong: self.hb.last_pong,
            rtt: self.hb.rtt,
            ..Heartbeat::IDLE
        };
        self.set_phase(Phase::Connecting);
        self.io.push_back(Io::OpenSocket(id));
    }

    /// The shell created the socket for `socket` (after [`Io::OpenSocket`]).
    pub fn handle_created(&mut self, socket: SocketId) {
        if self.is_current(socket) {
            self.created = true;
        }
    }

    /// The shell could not create the socket for `socket`: the attempt failed before a
    /// socket existed. Reported as a failed connection (`error`, then `close` 1006);
    /// `permanent` (the browser refused the URL itself, e.g. a mixed-content
    /// `SecurityError`) ends reconnecting, otherwise the reconnect policy applies.
    pub fn handle_open_failed(&mut self, now: Millis, socket: SocketId, permanent: bool) {
        if !self.is_current(socket) || self.created || self.phase != Phase::Connecting {
            return;
        }
        self.failed = true;
        self.emit(Event::Error);
        self.socket = None;
        self.emit(Event::Close {
            code: CLOSE_ABNORMAL,
            reason: String::new(),
            was_clean: false,
        });
        self.after_close(now, !permanent);
    }

    /// Starts the first connection (the constructor calls this).
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Io, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// engine.connect(0);
    /// assert_eq!(engine.poll_io(), Some(Io::OpenSocket(SocketId(1))));
    /// ```
    pub fn connect(&mut self, now: Millis) {
        if self.phase == Phase::Idle {
            self.open_socket(now);
        }
    }

    /// The socket opened.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// engine.handle_open(5, id);
    /// assert_eq!(engine.phase(), Phase::Open);
    /// ```
    pub fn handle_open(&mut self, now: Millis, socket: SocketId) {
        if !self.is_current(socket) || self.phase != Phase::Connecting {
            return;
        }
        let reconnected = self.attempt;
        self.attempt = 0;
        self.connect_deadline = None;
        self.hb.pong_deadline = None;
        self.hb.rearmed = false;
        self.hb.heard = Some(now);
        self.hb.next_ping = self.heartbeat_on().then(|| now + self.cfg.ping_interval);
        self.set_phase(Phase::Open);
        self.emit(Event::Open);
        if reconnected > 0 {
            self.emit(Event::Reconnect {
                attempt: reconnected,
            });
        }
    }

    fn heartbeat_on(&self) -> bool {
        self.cfg.ping_interval > 0 && self.online
    }

    /// A message arrived. `is_pong` says whether it counts as a pong (by default every
    /// message does). Returns whether the shell should deliver it to the application
    /// (false for superseded sockets; hiding pongs is the shell's choice).
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.handle_timeout(30_000); // ping
    /// assert!(engine.pong_deadline().is_some());
    /// assert!(engine.handle_message(30_010, id, true)); // any message is the pong by default
    /// assert!(engine.pong_deadline().is_none());
    /// ```
    pub fn handle_message(&mut self, now: Millis, socket: SocketId, is_pong: bool) -> bool {
        if !self.is_current(socket) {
            return false;
        }
        if self.cfg.passive {
            // Any message is a sign of life; the next check is due an interval after it.
            self.hb.heard = Some(now);
        }
        if (is_pong || self.cfg.passive) && self.hb.pong_deadline.is_some() {
            self.hb.pong_deadline = None;
            self.hb.rearmed = false;
            self.hb.last_pong = Some(now);
            if let (false, Some(ping)) = (self.cfg.passive, self.hb.last_ping) {
                let rtt = now.saturating_sub(ping);
                self.hb.rtt = Some(rtt);
                self.emit(Event::Pong { rtt });
            }
        }
        true
    }

    /// The socket reported an error. Only the close event that follows changes state.
    pub fn handle_error(&mut self, now: Millis, socket: SocketId) {
        if self.is_current(socket) {
            self.failed = true;
            self.emit(Event::Error);
            // Natively a `close` follows; where an engine sends none (WebKit, for a port it
            // refuses), a reconnecting client must not wait forever.
            if self.cfg.reconnect && matches!(self.phase, Phase::Connecting | Phase::Open) {
                self.error_deadline = Some(now.saturating_add(config::ERROR_CLOSE_GRACE_MS));
            }
        }
    }

    /// The socket closed. `should_reconnect` is the user's verdict (`None`: default policy).
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.handle_close(1_000, id, 1006, "", false, None);
    /// assert_eq!(engine.phase(), Phase::Waiting);
    /// assert_eq!(engine.reconnect_at(), Some(16_000)); // reconnectDelay later
    /// ```
    pub fn handle_close(
        &mut self,
        now: Millis,
        socket: SocketId,
        code: u16,
        reason: &str,
        was_clean: bool,
        should_reconnect: Option<bool>,
    ) {
        if !self.is_current(socket) {
            return;
        }
        self.socket = None;
        self.emit(Event::Close {
            code,
            reason: reason.to_owned(),
            was_clean,
        });
        if std::mem::replace(&mut self.reopen, false) {
            // The user's reconnect(): the old socket is gone, the new one opens now.
            self.close_deadline = None;
            self.error_deadline = None;
            self.created = false;
            self.open_socket(now);
            return;
        }
        let retry = should_reconnect.unwrap_or(Self::default_should_reconnect(code));
        self.after_close(now, retry);
    }

    /// Default close-code policy: reconnect unless the server closed with 1008.
    pub fn default_should_reconnect(code: u16) -> bool {
        code != CLOSE_POLICY_VIOLATION
    }

    fn after_close(&mut self, now: Millis, retry: bool) {
        self.error_deadline = None;
        self.hb.next_ping = None;
        self.hb.pong_deadline = None;
        self.connect_deadline = None;
        self.close_deadline = None;
        self.created = false;
        if self.user_close || self.phase == Phase::Closing || !self.cfg.reconnect || !retry {
            self.attempt = 0;
            self.set_phase(Phase::Closed);
            return;
        }
        if let Some(max) = self.cfg.max_retries {
            if self.attempt >= max {
                let attempts = self.attempt;
                self.attempt = 0;
                self.set_phase(Phase::Closed);
                self.emit(Event::ReconnectFailed { attempts });
                return;
            }
        }
        self.attempt += 1;
        let delay = self.delay_for(self.attempt);
        self.reconnect_at = Some(now + delay);
        self.set_phase(Phase::Waiting);
        self.emit(Event::Reconnecting {
            attempt: self.attempt,
            delay,
        });
    }

    /// The reconnect delay for attempt `n` (1-based): `reconnectDelay × factor^(n-1)`,
    /// capped by `maxReconnectDelay` once backoff applies, then full jitter if asked.
    fn delay_for(&mut self, n: u32) -> Millis {
        let base = self.cfg.reconnect_delay as f64;
        let mut d = if self.cfg.backoff_factor > 1.0 {
            let exp = self
                .cfg
                .backoff_factor
                .powi(n.saturating_sub(1).min(1000) as i32);
            (base * exp).min(self.cfg.max_reconnect_delay.max(self.cfg.reconnect_delay) as f64)
        } else {
            base
        };
        if self.cfg.jitter {
            d *= self.next_unit();
        }
        d.round() as Millis
    }

    /// xorshift64*: uniform in [0, 1].
    fn next_unit(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (r >> 11) as f64 / ((1u64 << 53) - 1) as f64
    }

    /// The timer fired (or the shell checks deadlines). Deadlines are compared with `now`,
    /// not trusted: a verdict of death from a timer that fired very late (frozen page) is
    /// re-armed once instead of believed.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.handle_timeout(30_000);
    /// assert_eq!(engine.poll_io(), Some(Io::SendPing));
    /// ```
    pub fn handle_timeout(&mut self, now: Millis) {
        if let Some(d) = self.error_deadline {
            if now >= d && matches!(self.phase, Phase::Connecting | Phase::Open) {
                // An `error` with no `close` after it: the socket is given up as closed.
                self.error_deadline = None;
                self.give_up(now, "no close after error", true);
                return;
            }
        }
        match self.phase {
            Phase::Connecting => {
                let Some(deadline) = self.connect_deadline else {
                    return;
                };
                if now < deadline {
                    return;
                }
                if self.stalled(now, deadline) && !self.connect_rearmed {
                    self.connect_rearmed = true;
                    self.connect_deadline = Some(now + self.cfg.connect_timeout);
                    return;
                }
                self.drop_socket(now, CLOSE_CONNECT_TIMEOUT, "connect timeout", true);
            }
            Phase::Open => {
                if let Some(deadline) = self.hb.pong_deadline {
                    if now < deadline {
                        return;
                    }
                    if self.stalled(now, deadline) && !self.hb.rearmed {
                        self.hb.rearmed = true;
                        self.hb.pong_deadline = Some(now + self.cfg.pong_timeout);
                        return;
                    }
                    self.emit(Event::HeartbeatTimeout);
                    self.drop_socket(now, CLOSE_HEARTBEAT_TIMEOUT, "heartbeat timeout", true);
                } else if let Some(at) = self.hb.next_ping {
                    if now < at {
                        return;
                    }
                    match self.hb.heard {
                        // Passive: a message came within the last interval, so the link is
                        // alive; check again an interval after it.
                        Some(heard) if self.cfg.passive && heard + self.cfg.ping_interval > now => {
                            self.hb.next_ping = Some(heard + self.cfg.ping_interval);
                        }
                        _ => self.ping(now),
                    }
                }
            }
            Phase::Closing => {
                let Some(deadline) = self.close_deadline else {
                    return;
                };
                if now < deadline {
                    return;
                }
                // The peer never answered the closing handshake: stop waiting for it.
                self.close_deadline = None;
                if std::mem::replace(&mut self.reopen, false) {
                    // reconnect(): the old socket is given up on, the next one opens now
                    // (closing → connecting, as when the old socket closed in time).
                    if let Some(socket) = self.socket.take() {
                        self.io.push_back(Io::DropSocket {
                            socket,
                            code: CLOSE_NORMAL,
                            reason: "close timeout",
                        });
                    }
                    self.emit(Event::Close {
                        code: CLOSE_ABNORMAL,
                        reason: String::new(),
                        was_clean: false,
                    });
                    self.open_socket(now);
                } else {
                    self.give_up(now, "close timeout", false);
                }
            }
            Phase::Waiting => {
                let Some(at) = self.reconnect_at else { return };
                if now < at {
                    return;
                }
                if self.online {
                    self.open_socket(now);
                } else {
                    // Held: `online` reconnects at once.
                    self.reconnect_at = None;
                }
            }
            _ => {}
        }
    }

    /// Whether a timer firing at `now` for `deadline` was held up by something that also
    /// held up the socket's events, so a verdict of death must be re-checked once: a
    /// visible page's timers run on time unless the whole page stalled (laptop sleep, a
    /// debugger, a long task). A hidden page's timers are throttled by design (once a
    /// minute in Chromium after 5 min) while its network events are not, so there a late
    /// verdict is believed: a dead link is found at the first wake-up after its deadline.
    /// A frozen page is reported by [`Engine::resume`], which re-arms the deadline.
    fn stalled(&self, now: Millis, deadline: Millis) -> bool {
        self.visible && now - deadline > config::STALL_THRESHOLD_MS
    }

    /// Gives the socket up without its close event ever coming: it is dropped (1000 on the
    /// wire) and reported closed abnormally (1006), then `retry` says whether the reconnect
    /// policy applies.
    fn give_up(&mut self, now: Millis, reason: &'static str, retry: bool) {
        if let Some(socket) = self.socket.take() {
            self.io.push_back(Io::DropSocket {
                socket,
                code: CLOSE_NORMAL,
                reason,
            });
        }
        self.emit(Event::Close {
            code: CLOSE_ABNORMAL,
            reason: String::new(),
            was_clean: false,
        });
        self.after_close(now, retry);
    }

    fn ping(&mut self, now: Millis) {
        if !self.cfg.passive {
            self.io.push_back(Io::SendPing);
        }
        self.hb.last_ping = Some(now);
        self.hb.pong_deadline = Some(now + self.cfg.pong_timeout);
        self.hb.rearmed = false;
        self.hb.next_ping = Some(now + self.cfg.ping_interval);
    }

    /// Supersedes the current socket: closes it, detaches it, tells the application it
    /// closed, then applies the reconnect policy (`retry`) or opens at once (`!retry`
    /// is used by the user's `reconnect()`, which opens immediately).
    fn drop_socket(&mut self, now: Millis, code: u16, reason: &'static str, retry: bool) {
        let Some(socket) = self.socket.take() else {
            return;
        };
        self.created = false;
        self.io.push_back(Io::DropSocket {
            socket,
            code,
            reason,
        });
        // What the superseded socket reported and no listener has seen yet is never
        // delivered (a `statechange` listener that calls `reconnect()` on open must not then
        // see that socket's `open`, with the new socket's `readyState` 0). Only the current
        // socket can have such events pending: older ones were superseded the same way.
        self.events
            .retain(|e| !matches!(e, Event::Open | Event::Error | Event::Reconnect { .. }));
        self.emit(Event::Close {
            code,
            reason: reason.to_owned(),
            was_clean: code == CLOSE_NORMAL || code == CLOSE_PAGE_CACHED,
        });
        if retry {
            self.after_close(now, true);
        }
    }

    /// The user's `close(code, reason)`: no reconnect, heartbeat stopped, timers cancelled.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.close(1_000, None, "");
    /// assert_eq!(engine.phase(), Phase::Closing);
    /// assert!(engine.user_close());
    /// ```
    pub fn close(&mut self, now: Millis, code: Option<u16>, reason: &str) {
        self.user_close = true;
        // A reconnect() waiting for the old socket to close: the user's close wins.
        self.reopen = false;
        self.cached = false;
        self.stop_timers();
        self.attempt = 0;
        match self.phase {
            Phase::Connecting if !self.created => {
                // No socket exists yet (its `url` function is pending): fail the attempt
                // as a native close() while CONNECTING does (`error`, then `close` 1006).
                self.socket = None;
                self.failed = true;
                self.set_phase(Phase::Closing);
                self.emit(Event::Error);
                self.emit(Event::Close {
                    code: CLOSE_ABNORMAL,
                    reason: String::new(),
                    was_clean: false,
                });
                self.after_close(now, false);
            }
            Phase::Connecting | Phase::Open => {
                if let Some(socket) = self.socket {
                    self.io.push_back(Io::CloseSocket {
                        socket,
                        code,
                        reason: reason.to_owned(),
                    });
                }
                let t = self.cfg.close_timeout_ms();
                self.close_deadline = (t > 0).then(|| now.saturating_add(t));
                self.set_phase(Phase::Closing);
            }
            Phase::Idle | Phase::Waiting => self.set_phase(Phase::Closed),
            Phase::Closing | Phase::Closed => {}
        }
    }

    /// The user's `reconnect()` / `open()`. A no-op while `lockReconnect` holds; from an
    /// open socket it replaces the socket at once; after a close it clears `userClose` and
    /// connects at once.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.close(1_000, None, "");
    /// engine.handle_close(1_010, id, 1005, "", true, None);
    /// assert_eq!(engine.phase(), Phase::Closed);
    /// engine.reconnect(2_000); // reopens at once after close()
    /// assert_eq!(engine.phase(), Phase::Connecting);
    /// ```
    pub fn reconnect(&mut self, now: Millis) {
        if std::mem::replace(&mut self.cached, false) && self.phase == Phase::Waiting {
            // Asked for explicitly while held for the cache: connect now.
            self.open_socket(now);
            return;
        }
        match self.phase {
            Phase::Connecting | Phase::Waiting => {}
            Phase::Closing if self.reopen => {}
            Phase::Open | Phase::Closing => {
                // Close first; the next socket opens when this one closed (`handle_close`),
                // so the server never holds two connections of this client at once.
                self.user_close = false;
                self.attempt = 0;
                self.reopen = true;
                self.hb.next_ping = None;
                self.hb.pong_deadline = None;
                if self.phase == Phase::Open {
                    if let Some(socket) = self.socket {
                        self.io.push_back(Io::CloseSocket {
                            socket,
                            code: Some(CLOSE_NORMAL),
                            reason: String::from("reconnect"),
                        });
                    }
                    self.set_phase(Phase::Closing);
                }
                let t = match self.cfg.close_timeout_ms() {
                    0 => REOPEN_CLOSE_WAIT_MS,
                    t => t,
                };
                self.close_deadline = Some(now.saturating_add(t));
            }
            Phase::Idle | Phase::Closed => {
                self.user_close = false;
                self.attempt = 0;
                self.open_socket(now);
            }
        }
    }

    /// The browser went online or offline. Offline: no pings, reconnects held.
    /// Online: a held or scheduled reconnect happens now; an open link is checked now.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.set_online(1_000, false);
    /// assert_eq!(engine.next_ping_at(), None); // offline: no pings
    /// ```
    pub fn set_online(&mut self, now: Millis, online: bool) {
        if self.online == online {
            return;
        }
        self.online = online;
        match (self.phase, online) {
            (Phase::Open, false) => {
                self.hb.next_ping = None;
                self.hb.pong_deadline = None;
            }
            (Phase::Open, true) => self.check_liveness(now),
            (Phase::Waiting, true) if !self.cached => self.open_socket(now),
            _ => {}
        }
    }

    /// The page became visible or hidden. Visible: check the link at once.
    pub fn set_visible(&mut self, now: Millis, visible: bool) {
        self.visible = visible;
        if visible && self.phase == Phase::Open {
            self.check_liveness(now);
        }
    }

    /// A shared client whose socket is another tab's: its phase is what it sees of the
    /// leader's socket, set silently (no event, no I/O). Its sends are decided by it
    /// ([`Engine::send`], with this engine's own queue and bounds) and its getters read it,
    /// as a plain client's; it arms nothing (no socket, no timers: the leader's engine does
    /// the heartbeat and the reconnects).
    pub fn follow(&mut self, phase: Phase) {
        self.phase = phase;
        self.socket = None;
        self.created = false;
        self.failed = false;
        self.reopen = false;
        self.cached = false;
        self.stop_timers();
        self.close_deadline = None;
        self.error_deadline = None;
    }

    /// No ping, no pong deadline, no connect timeout, no scheduled reconnect.
    fn stop_timers(&mut self) {
        self.hb.next_ping = None;
        self.hb.pong_deadline = None;
        self.connect_deadline = None;
        self.reconnect_at = None;
    }

    /// A following engine's `userClose` (its user's `close()`, or its reopening).
    pub fn set_user_close(&mut self, user_close: bool) {
        self.user_close = user_close;
    }

    /// Records the page's state without acting on it (a following engine: the leader's
    /// acts; this one keeps it for when its tab leads).
    pub fn note_page(&mut self, online: bool, visible: bool) {
        self.online = online;
        self.visible = visible;
    }

    /// Whether the page is visible (as last reported by [`Engine::set_visible`]).
    pub fn visible(&self) -> bool {
        self.visible
    }

    /// The page was frozen (Page Lifecycle `freeze`) and runs again (`resume`). Nothing
    /// ran while it was frozen, neither timers nor the socket's events: a pending pong
    /// deadline gets a full `pongTimeout` from now for the messages that queued up
    /// meanwhile, and an open link without one is probed at once.
    pub fn resume(&mut self, now: Millis) {
        match self.phase {
            Phase::Open => {
                if self.hb.pong_deadline.is_some() {
                    // The pending ping is the probe; the next one follows a full interval on.
                    self.hb.pong_deadline = Some(now + self.cfg.pong_timeout);
                    self.hb.next_ping = Some(now + self.cfg.ping_interval);
                    self.hb.rearmed = true;
                } else {
                    self.check_liveness(now);
                }
            }
            Phase::Connecting => {
                if let Some(d) = self.connect_deadline.as_mut() {
                    *d = (*d).max(now + self.cfg.connect_timeout);
                    self.connect_rearmed = true;
                }
            }
            _ => {}
        }
    }

    /// The page is being stored in the back/forward cache (`pagehide` with `persisted`):
    /// the socket is closed cleanly ([`CLOSE_PAGE_CACHED`]) and reported closed, timers stop, the queue and
    /// `userClose` are kept, and reconnecting is held until [`Engine::restore`]. No-op
    /// with `bfcache: false`, after the user's `close()`, or when closed anyway.
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// engine.enter_cache(1_000); // pagehide, persisted
    /// assert!(engine.cached());
    /// ```
    pub fn enter_cache(&mut self, now: Millis) {
        if !self.cfg.bfcache || self.user_close || self.cached {
            return;
        }
        match self.phase {
            Phase::Connecting | Phase::Open => {
                self.cached = true;
                self.hb.next_ping = None;
                self.hb.pong_deadline = None;
                self.connect_deadline = None;
                self.drop_socket(now, CLOSE_PAGE_CACHED, "page cached", false);
                self.set_phase(Phase::Waiting);
            }
            Phase::Waiting => {
                self.cached = true;
                self.reconnect_at = None;
            }
            Phase::Idle | Phase::Closing | Phase::Closed => {}
        }
    }

    /// Whether the client is held because the page is in the back/forward cache.
    pub fn cached(&self) -> bool {
        self.cached
    }

    /// The page was restored from the back/forward cache (`pageshow` with `persisted`):
    /// reconnect at once (held while offline, as any reconnect) and flush the queue on
    /// open. The `reconnecting` event says attempt n with delay 0.
    pub fn restore(&mut self, now: Millis) {
        if !std::mem::replace(&mut self.cached, false) {
            return;
        }
        if self.phase != Phase::Waiting || self.user_close {
            return;
        }
        self.attempt += 1;
        self.emit(Event::Reconnecting {
            attempt: self.attempt,
            delay: 0,
        });
        if self.online {
            self.open_socket(now);
        }
    }

    fn check_liveness(&mut self, now: Millis) {
        if !self.heartbeat_on() || self.hb.pong_deadline.is_some() {
            return;
        }
        match self.hb.heard {
            // Passive: nothing to send, so the check is the silence so far; it is due an
            // interval after the last message (now, if that is past).
            Some(heard) if self.cfg.passive => {
                self.hb.next_ping = Some((heard + self.cfg.ping_interval).max(now));
            }
            _ => self.ping(now),
        }
    }

    /// The user's `send`. `bytes` is the message size (for the byte bound and
    /// `bufferedAmount`). `queue: false` asks for "send now or fail".
    ///
    /// ```
    /// # use resilient_ws::engine::{Config, Engine, Event, Io, Phase, SocketId};
    /// # let mut engine: Engine<String> = Engine::new(Config::default(), 1);
    /// # engine.connect(0);
    /// # let Some(Io::OpenSocket(id)) = engine.poll_io() else { unreachable!() }; // ok: a doctest, the first I/O of connect() is OpenSocket
    /// # engine.handle_created(id);
    /// # engine.handle_open(0, id);
    /// # while engine.poll_io().is_some() {}
    /// # while engine.poll_event().is_some() {}
    /// use resilient_ws::engine::SendOutcome;
    ///
    /// assert_eq!(engine.send("hi".to_string(), 2, true), Ok(SendOutcome::SendNow("hi".to_string())));
    /// ```
    pub fn send(&mut self, data: P, bytes: usize, queue: bool) -> Result<SendOutcome<P>, Error> {
        // While the user's reconnect() waits for the old socket to close, sends are for the
        // next socket: queued as while it connects.
        // (Closing without the user's close: a reconnect(), this tab's or, for a follower's
        // engine, the leader's.)
        let phase = if self.phase == Phase::Closing && !self.user_close {
            Phase::Connecting
        } else {
            self.phase
        };
        self.send_in(phase, data, bytes, queue)
    }

    /// [`Engine::send`] as if the client were in `phase`: a shared client that follows
    /// another tab's socket decides its sends by what it sees (the leader's phase), with its
    /// own queue and bounds, exactly as a client with its own socket.
    pub fn send_in(
        &mut self,
        phase: Phase,
        data: P,
        bytes: usize,
        queue: bool,
    ) -> Result<SendOutcome<P>, Error> {
        match phase {
            Phase::Open => Ok(SendOutcome::SendNow(data)),
            Phase::Idle | Phase::Connecting | Phase::Waiting if queue && self.queue.enabled() => {
                match self.queue.push(data, bytes) {
                    Ok(dropped) => {
                        let this_one = dropped.iter().any(|d| d.1);
                        for (d, _) in dropped {
                            self.emit(Event::QueueOverflow { data: d });
                        }
                        Ok(if this_one {
                            SendOutcome::Dropped
                        } else {
                            SendOutcome::Queued
                        })
                    }
                    Err(e) => Err(e),
                }
            }
            Phase::Idle | Phase::Connecting => Err(Error::new(
                ErrorKind::InvalidState,
                "Failed to execute 'send': still in CONNECTING state (queueing is off: \
                 maxQueued is 0 or queue: false was passed)",
            )),
            Phase::Waiting if !queue => Err(Error::new(
                ErrorKind::InvalidState,
                "Failed to execute 'send': not open (waiting to reconnect) and queue: false \
                 was passed",
            )),
            // Waiting to reconnect with the queue off: not the user's close, so the message
            // must not vanish silently: it is reported like an overflow.
            Phase::Waiting => {
                self.emit(Event::QueueOverflow { data });
                Ok(SendOutcome::Dropped)
            }
            Phase::Closing | Phase::Closed => Ok(SendOutcome::Discarded(bytes)),
        }
    }

    /// After the [`Event::Open`] event has been delivered (so that what `open` listeners
    /// sent went first: auth before the backlog): the queued messages to send now, in
    /// order. Empty unless the client is still open.
    pub fn take_backlog(&mut self) -> Vec<P> {
        if self.phase != Phase::Open || self.socket.is_none() {
            return Vec::new();
        }
        self.queue.drain()
    }

    /// Takes the queue (this engine keeps an empty one with the same bounds).
    pub fn take_queue(&mut self) -> Queue<P> {
        self.queue.take()
    }

    /// Replaces the queue (a shared tab that starts leading keeps what it queued).
    pub fn set_queue(&mut self, q: Queue<P>) {
        self.queue = q;
    }

    /// Empties the queue and returns what it held.
    pub fn clear_queue(&mut self) -> Vec<P> {
        self.queue.drain()
    }

    /// Empties the queue, reporting each message as dropped.
    pub fn discard_queue(&mut self) {
        for data in self.queue.drain() {
            self.emit(Event::QueueOverflow { data });
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

//! One connection for all tabs: the sans-IO coordinator of a `shared` client.
//!
//! Every same-origin tab (or worker) that opens a shared client with the same key runs one
//! [`Coordinator`]. They elect a leader with an exclusive Web Lock (the shell's I/O: the
//! [`Action::RequestLock`] / [`Action::ReleaseLock`] actions and the
//! [`Coordinator::handle_lock_acquired`] / [`Coordinator::handle_lock_lost`] inputs) and talk
//! over a `BroadcastChannel` ([`Msg`], plain versioned data). The leader's tab owns the real
//! socket and the [`crate::engine::Engine`]; the others mirror it. Every decision lives
//! here, tested on a simulated clock: who leads, when a silent leader is taken over, which
//! sends are unconfirmed and go again, what the local client sees when the leader changes.
//!
//! Guarantees:
//! - a follower's `send` is written by a leader at least once, in the follower's order: it
//!   stays unconfirmed until the leader acknowledges (after writing it to its socket) and is
//!   sent again to every new leader; a leader writes a follower's `seq` at most once, and
//!   every tab learns the leaders' acknowledgements, so a new leader skips what the old one
//!   confirmed. A duplicate needs a leader that wrote and died before its acknowledgement
//!   reached the channel (a crash inside that one task).
//! - a leader that could not beat for `leader_timeout` (a frozen or stalled tab) writes
//!   nothing before a beat interval has passed without a newer leader's beat, so a thawed
//!   leader that was taken over steps down without writing again; one whose timers were
//!   only throttled goes on leading (no reconnect).
//! - one follower takes over a silent leader (the lowest id among the live followers; the
//!   next one a beat later if it does not), and it connects at once.

use std::collections::VecDeque;

use crate::engine::{Event, Millis, Phase};

/// Identifies one participant (a client in a tab). Random, below 2^53 (a JS number).
pub type TabId = u64;

/// At most this many tabs' written sequence numbers are kept (see `bound_written`).
pub const MAX_WRITTEN: usize = 64;

/// The version of the [`Msg`] format; messages of another version are ignored.
pub const PROTOCOL_VERSION: u32 = 1;

/// Timing of the coordination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedConfig {
    /// The leader beats (and followers say they are alive) this often.
    pub beat_interval: Millis,
    /// A leader unheard of for this long is taken over; a leader that could not beat for
    /// this long steps down.
    pub leader_timeout: Millis,
}

impl Default for SharedConfig {
    fn default() -> Self {
        SharedConfig {
            beat_interval: 1000,
            leader_timeout: 5000,
        }
    }
}

/// What the leader's socket looks like, in every beat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The leader's phase.
    pub phase: Phase,
    /// The subprotocol of the open socket.
    pub protocol: String,
    /// The extensions of the open socket.
    pub extensions: String,
    /// The socket's URL.
    pub url: String,
}

impl Snapshot {
    fn new(phase: Phase) -> Self {
        Snapshot {
            phase,
            protocol: String::new(),
            extensions: String::new(),
            url: String::new(),
        }
    }
}

/// A message on the channel (`P`: the payload type, a `JsValue` in the browser).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg<P> {
    /// A participant joined, or is still alive (every beat interval).
    Hello {
        /// Who.
        from: TabId,
    },
    /// The leader is alive; its socket's state.
    Beat {
        /// The leader.
        from: TabId,
        /// Its term: each new leader takes the highest seen plus one.
        epoch: u64,
        /// Its socket.
        snapshot: Snapshot,
    },
    /// A follower's send, for the leader to write.
    Send {
        /// The follower.
        from: TabId,
        /// Its sequence number (1, 2, … per follower).
        seq: u64,
        /// The data.
        data: P,
    },
    /// The leader wrote every send of `to` up to `seq` to its socket.
    Ack {
        /// The follower.
        to: TabId,
        /// The highest sequence number written.
        seq: u64,
    },
    /// An event of the leader's client (never `QueueOverflow`: that is the leader's own).
    Event {
        /// The leader.
        from: TabId,
        /// The event.
        event: Event<P>,
    },
    /// A message from the server, as the leader's socket received it.
    Message {
        /// The leader.
        from: TabId,
        /// The data.
        data: P,
    },
    /// A participant closed its client.
    Leave {
        /// Who.
        from: TabId,
    },
    /// A follower's `reconnect()`: the leader reconnects its socket (as a plain client's
    /// `reconnect()` does: a no-op while connecting or waiting, else a new socket at once).
    Reconnect {
        /// Who asked.
        from: TabId,
    },
}

/// I/O for the shell and events for the local client, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action<P> {
    /// Post this on the channel.
    Post(Msg<P>),
    /// Ask for the leader lock; `steal` takes it from a holder that stopped beating (the
    /// shell withdraws its queued request first).
    RequestLock {
        /// Take it from the holder.
        steal: bool,
    },
    /// Release the lock (or withdraw the queued request).
    ReleaseLock,
    /// This tab leads now: connect the socket at once. Its own sends that no leader
    /// confirmed (in order) go first in the engine's queue, before what it queued while
    /// following, whatever the bounds (they were accepted already).
    Lead(Vec<P>),
    /// This tab stopped leading: drop the socket without telling the local client (the
    /// coordinator does), and hand what the engine still queues to [`Coordinator::send`].
    Resign,
    /// Send through the own engine's open socket: a follower's send (only while the socket
    /// is open, so it is written at once and acknowledged).
    Write(P),
    /// Deliver this event to the local client.
    Deliver(Event<P>),
    /// Deliver this server message to the local client.
    DeliverMessage(P),
    /// Close the own engine (1000): the leader's client was closed by its user and the
    /// last follower has left.
    CloseSocket,
    /// `reconnect()` the own engine (a follower asked for it).
    Reconnect,
}

/// The participant's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Not started, or closed by the user.
    Detached,
    /// Waiting for the lock, following the leader if one beats.
    Follower,
    /// Holding the lock and the socket.
    Leader,
    /// Closed by the user while leading: the socket closes, then the lock goes.
    Leaving,
}

/// A small map by tab id (a handful of tabs: a vector is smaller in wasm than a BTreeMap
/// and as fast at this size).
#[derive(Debug, Default)]
struct ById<V>(Vec<(TabId, V)>);

impl<V: Copy> ById<V> {
    fn get(&self, id: TabId) -> Option<V> {
        self.0.iter().find(|(k, _)| *k == id).map(|(_, v)| *v)
    }
    /// Sets `id`'s value; returns whether it was absent.
    fn set(&mut self, id: TabId, v: V) -> bool {
        match self.0.iter_mut().find(|(k, _)| *k == id) {
            Some(e) => {
                e.1 = v;
                false
            }
            None => {
                self.0.push((id, v));
                true
            }
        }
    }
    fn remove(&mut self, id: TabId) {
        self.0.retain(|(k, _)| *k != id);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn iter(&self) -> impl Iterator<Item = &(TabId, V)> {
        self.0.iter()
    }
}

/// The coordinator of one shared client.
#[derive(Debug)]
pub struct Coordinator<P> {
    cfg: SharedConfig,
    me: TabId,
    role: Role,
    /// The highest epoch seen (own included).
    epoch: u64,
    /// The leader followed, when one is known.
    leader: Option<TabId>,
    leader_seen: Millis,
    /// The last snapshot of the leader (own, while leading).
    snapshot: Snapshot,
    /// What the local client sees (its `state`).
    view: Phase,
    /// Participants heard from, with the time.
    members: ById<Millis>,
    /// Own sends not acknowledged yet, in order.
    unacked: VecDeque<(u64, P)>,
    next_seq: u64,
    /// The highest seq of each follower written by a leader (own acks and those heard).
    written: ById<u64>,
    /// While leading without an open socket: follower sends to write on open.
    pending: VecDeque<(TabId, u64, P)>,
    /// Leading: the socket is open.
    socket_open: bool,
    /// Local events due in a later task, as a plain client's: the `close` (and `closed`)
    /// after the user's `close()`, which a socket reports once its closing handshake ends.
    later: VecDeque<Event<P>>,
    /// A leader whose user closed its client reopened it: it sees the socket again in a
    /// later task (first `connecting`, as a plain client's `reconnect()`).
    rejoin: bool,
    /// Leading, but the local client was closed by its user while other tabs follow: the
    /// socket stays for them (the local client sees it closed) until the last one leaves.
    local_closed: bool,
    /// Own last tick (beat or hello), to tell a late timer from a silent leader.
    last_tick: Millis,
    stealing: bool,
    /// Leading, back from a stop longer than `leader_timeout` (frozen, stalled, or timers
    /// throttled): since when. Until a beat interval passes without a newer leader's beat,
    /// follower sends are held, not written (another tab may lead by now).
    suspect: Option<Millis>,
    out: VecDeque<Action<P>>,
}

impl<P: Clone> Coordinator<P> {
    /// A detached coordinator with id `me`.
    pub fn new(cfg: SharedConfig, me: TabId) -> Self {
        Coordinator {
            cfg,
            me,
            role: Role::Detached,
            epoch: 0,
            leader: None,
            leader_seen: 0,
            snapshot: Snapshot::new(Phase::Connecting),
            view: Phase::Idle,
            members: ById::default(),
            unacked: VecDeque::new(),
            next_seq: 0,
            written: ById::default(),
            pending: VecDeque::new(),
            socket_open: false,
            later: VecDeque::new(),
            rejoin: false,
            local_closed: false,
            last_tick: 0,
            stealing: false,
            suspect: None,
            out: VecDeque::new(),
        }
    }

    /// This participant's id.
    pub fn id(&self) -> TabId {
        self.me
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether this tab owns the socket (leading, or closing it after the user's close).
    pub fn owns_socket(&self) -> bool {
        matches!(self.role, Role::Leader | Role::Leaving)
    }

    /// Whether the local client was closed by its user while this tab keeps the socket for
    /// the others (see [`Coordinator::close`]).
    pub fn local_closed(&self) -> bool {
        self.local_closed
    }

    /// Whether the local client of the tab that owns the socket sees the coordinator's
    /// view rather than its engine's phase: closed by its user while this tab keeps the
    /// socket for the others, or reopened and not yet shown the socket (a task later). (A
    /// follower's engine follows the view itself: see `Engine::follow`.)
    pub fn mirrors(&self) -> bool {
        self.owns_socket() && (self.local_closed || self.rejoin)
    }

    /// Whether the local client follows another tab's socket.
    pub fn follows_other(&self) -> bool {
        !self.owns_socket()
    }

    /// What the local client's `state` is.
    pub fn view(&self) -> Phase {
        self.view
    }

    /// The leader's socket as last seen (own while leading).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// How many own sends wait for a leader's acknowledgement.
    pub fn unacked(&self) -> usize {
        self.unacked.len()
    }

    /// The next action, I/O and local events in the order they arose.
    pub fn poll(&mut self) -> Option<Action<P>> {
        self.out.pop_front()
    }

    /// When [`Coordinator::handle_timeout`] is due.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if !self.later.is_empty() || self.rejoin {
            // Due at once: a task of its own, after the call that queued them.
            return Some(0);
        }
        match self.role {
            Role::Detached => None,
            _ => Some(self.last_tick.saturating_add(self.cfg.beat_interval)),
        }
    }

    /// Delivers the local events queued for a later task (see `later`, `rejoin`).
    fn flush_later(&mut self) {
        while let Some(ev) = self.later.pop_front() {
            self.local(ev);
        }
        if std::mem::take(&mut self.rejoin) {
            self.reconcile(self.snapshot.clone());
        }
    }

    fn fresh(&self, at: Millis, now: Millis) -> bool {
        now.saturating_sub(at) < self.cfg.leader_timeout
    }

    fn post(&mut self, m: Msg<P>) {
        self.out.push_back(Action::Post(m));
    }

    /// Delivers `ev` locally; a `statechange` is rewritten from the local view (and
    /// dropped when it changes nothing).
    fn local(&mut self, ev: Event<P>) {
        if let Event::StateChange { to, .. } = ev {
            if to == self.view {
                return;
            }
            let from = std::mem::replace(&mut self.view, to);
            self.out
                .push_back(Action::Deliver(Event::StateChange { from, to }));
        } else {
            self.out.push_back(Action::Deliver(ev));
        }
    }

    fn beat(&mut self, now: Millis) {
        self.last_tick = now;
        self.post(Msg::Beat {
            from: self.me,
            epoch: self.epoch,
            snapshot: self.snapshot.clone(),
        });
    }

    /// The user opened the client (or reopened it after `close`): ask for the lock and
    /// follow whoever leads meanwhile.
    pub fn start(&mut self, now: Millis) {
        // A close still finishing: it finishes first.
        self.flush_later();
        if self.role == Role::Leader && self.local_closed {
            // Closed by the user while the socket stayed for the others: the local client
            // sees it again as a plain client's reconnect() would, `connecting` now and the
            // socket as it is in a later task.
            self.local_closed = false;
            self.local(Event::StateChange {
                from: self.view,
                to: Phase::Connecting,
            });
            self.rejoin = true;
            return;
        }
        if self.role != Role::Detached {
            return;
        }
        self.local_closed = false;
        self.role = Role::Follower;
        self.leader = None;
        self.leader_seen = now;
        self.last_tick = now;
        self.stealing = false;
        self.local(Event::StateChange {
            from: self.view,
            to: Phase::Connecting,
        });
        self.out.push_back(Action::RequestLock { steal: false });
        self.post(Msg::Hello { from: self.me });
    }

    /// The lock is ours: lead, and connect at once.
    pub fn handle_lock_acquired(&mut self, now: Millis) {
        if self.role != Role::Follower {
            // Closed meanwhile: give it back.
            self.out.push_back(Action::ReleaseLock);
            return;
        }
        self.drop_link();
        self.role = Role::Leader;
        self.suspect = None;
        self.stealing = false;
        self.leader = None;
        self.epoch += 1;
        self.socket_open = false;
        self.snapshot = Snapshot::new(Phase::Connecting);
        self.beat(now);
        // Own sends that waited for a leader: this tab writes them itself, through its
        // engine (queued there until the socket opens), skipping what a leader confirmed.
        let done = self.written.get(self.me).unwrap_or(0);
        let own = std::mem::take(&mut self.unacked)
            .into_iter()
            .filter(|(seq, _)| *seq > done)
            .map(|(_, d)| d)
            .collect();
        self.out.push_back(Action::Lead(own));
    }

    /// The lock was taken from us (another tab stole it after we went silent).
    pub fn handle_lock_lost(&mut self, now: Millis) {
        if self.owns_socket() {
            self.resign(now);
        }
    }

    fn resign(&mut self, now: Millis) {
        let leaving = self.role == Role::Leaving || self.local_closed;
        self.role = if leaving {
            Role::Detached
        } else {
            Role::Follower
        };
        self.socket_open = false;
        self.suspect = None;
        self.pending.clear();
        self.out.push_back(Action::ReleaseLock);
        self.out.push_back(Action::Resign);
        if !leaving {
            self.drop_link();
            self.leader = None;
            self.leader_seen = now;
            self.last_tick = now;
            self.out.push_back(Action::RequestLock { steal: false });
        }
    }

    /// The local client loses the link it saw (its leader went away): as a dropped socket,
    /// a `close` (1006) and `waiting`, unless it saw nothing open.
    fn drop_link(&mut self) {
        if matches!(self.view, Phase::Open | Phase::Closing) {
            self.local(Event::Close {
                code: 1006,
                reason: String::from("the leader tab went away"),
                was_clean: false,
            });
            self.local(Event::StateChange {
                from: self.view,
                to: Phase::Waiting,
            });
        }
    }

    /// Stale leader check, before any input. A leader that could not beat for
    /// `leader_timeout` (frozen, stalled, or its timers throttled in a hidden tab) may have
    /// been taken over: it beats at once and holds follower sends for a beat interval. A
    /// newer leader's beat in that time makes it step down (the held sends go to the new
    /// leader, from their senders); none, and it goes on leading — no reconnect for a tab
    /// whose timers were merely slow.
    fn check_stale(&mut self, now: Millis) {
        if self.role != Role::Leader {
            return;
        }
        if let Some(since) = self.suspect {
            if now.saturating_sub(since) >= self.cfg.beat_interval {
                self.suspect = None;
                self.flush_pending();
            }
        } else if now.saturating_sub(self.last_tick) >= self.cfg.leader_timeout {
            self.suspect = Some(now);
            self.beat(now);
        }
    }

    /// Writes the held follower sends, in order (the socket is open, no suspicion).
    fn flush_pending(&mut self) {
        while self.socket_open && self.suspect.is_none() {
            let Some((from, seq, data)) = self.pending.pop_front() else {
                break;
            };
            if seq > self.written.get(from).unwrap_or(0) {
                self.write(from, seq, data);
            }
        }
    }

    /// A message from the channel.
    pub fn handle_msg(&mut self, now: Millis, msg: Msg<P>) {
        self.check_stale(now);
        match msg {
            Msg::Hello { from } => {
                // A newcomer learns the leader's state at once; the others at the next beat,
                // which a hello also brings when it is due: a hidden leader whose timers
                // Chromium throttles to once a minute keeps beating on the hellos of the
                // visible tabs (message tasks are not throttled).
                let new = self.members.set(from, now);
                let due = now >= self.last_tick.saturating_add(self.cfg.beat_interval);
                if self.owns_socket() && (new || due) {
                    self.beat(now);
                }
            }
            Msg::Beat {
                from,
                epoch,
                snapshot,
            } => self.on_beat(now, from, epoch, snapshot),
            Msg::Send { from, seq, data } => {
                self.members.set(from, now);
                if !self.owns_socket() {
                    return;
                }
                let done = self.written.get(from).unwrap_or(0);
                if seq <= done {
                    self.post(Msg::Ack {
                        to: from,
                        seq: done,
                    });
                } else if self.socket_open && self.pending.is_empty() && self.suspect.is_none() {
                    self.write(from, seq, data);
                } else {
                    self.pending.push_back((from, seq, data));
                }
            }
            Msg::Ack { to, seq } => {
                let w = self.written.get(to).unwrap_or(0).max(seq);
                if self.written.set(to, w) {
                    self.bound_written();
                }
                if to == self.me {
                    while self.unacked.front().is_some_and(|(s, _)| *s <= seq) {
                        self.unacked.pop_front();
                    }
                }
            }
            Msg::Event { from, event } => {
                if self.follows(from, now) {
                    self.local(event);
                }
            }
            Msg::Message { from, data } => {
                if self.follows(from, now) && self.view == Phase::Open {
                    self.out.push_back(Action::DeliverMessage(data));
                }
            }
            Msg::Leave { from } => {
                self.members.remove(from);
                // It sends nothing more: what was written of its sends is not needed (one
                // entry per tab that ever joined would grow for as long as the page lives).
                self.written.remove(from);
                if self.role == Role::Follower && self.leader == Some(from) {
                    // Its socket closes; the lock goes to the next tab.
                    self.leader = None;
                    self.leader_seen = now;
                    self.drop_link();
                }
                self.finish_if_alone();
            }
            Msg::Reconnect { from } => {
                self.members.set(from, now);
                if self.role == Role::Leader {
                    self.out.push_back(Action::Reconnect);
                }
            }
        }
    }

    /// A leader whose own client was closed keeps the socket while other tabs follow; the
    /// last one gone, the socket closes and the lock goes (as for a leader closing alone).
    fn finish_if_alone(&mut self) {
        if self.role == Role::Leader && self.local_closed && self.members.0.is_empty() {
            self.role = Role::Leaving;
            self.post(Msg::Leave { from: self.me });
            self.out.push_back(Action::CloseSocket);
        }
    }

    /// Keeps `written` bounded when tabs go without a `leave` (crashed): the oldest
    /// entries beyond [`MAX_WRITTEN`] go (a tab gone that long sends nothing more).
    fn bound_written(&mut self) {
        let n = self.written.len();
        if n > MAX_WRITTEN {
            self.written.0.drain(..n - MAX_WRITTEN);
        }
    }

    /// The page is going away for good (`pagehide`, not into the back/forward cache): the
    /// others hear that this participant left, so a leader whose user closed its client
    /// closes the socket as soon as the last other client closes, and followers of this
    /// tab, if it led, wait for the next leader at once.
    pub fn unload(&mut self, now: Millis) {
        let _ = now;
        if self.role != Role::Detached {
            self.post(Msg::Leave { from: self.me });
        }
    }

    /// The local client's `reconnect()` while another tab leads: the leader reconnects. As
    /// a plain client's, a no-op while what it sees is connecting or waiting
    /// (`lockReconnect`).
    pub fn request_reconnect(&mut self) {
        if matches!(
            self.view,
            Phase::Connecting | Phase::Waiting | Phase::Closing
        ) {
            return;
        }
        if self.role == Role::Follower {
            if self.view == Phase::Open {
                // As a plain client's reconnect(): its socket is closing from now on.
                self.local(Event::StateChange {
                    from: Phase::Open,
                    to: Phase::Closing,
                });
            }
            self.post(Msg::Reconnect { from: self.me });
        }
    }

    /// Whether events of `from` are ours to mirror (and notes that it is alive).
    fn follows(&mut self, from: TabId, now: Millis) -> bool {
        if self.role == Role::Follower && self.leader == Some(from) {
            self.leader_seen = now;
            true
        } else {
            false
        }
    }

    fn on_beat(&mut self, now: Millis, from: TabId, epoch: u64, snapshot: Snapshot) {
        if from == self.me {
            return;
        }
        if self.owns_socket() {
            if epoch > self.epoch || (epoch == self.epoch && from < self.me) {
                // Another tab leads with a later term (or wins the tie): ours is over.
                self.resign(now);
            } else {
                // A stale leader: it steps down when it sees our beats.
                return;
            }
        }
        let stale = epoch < self.epoch && self.leader != Some(from);
        self.epoch = self.epoch.max(epoch);
        if self.role != Role::Follower || stale {
            return;
        }
        self.members.remove(from);
        if self.leader != Some(from) {
            // A new leader: what we saw of the old one is gone; it gets every unconfirmed
            // send again, in order.
            if self.leader.is_some() {
                self.drop_link();
            }
            self.leader = Some(from);
            self.stealing = false;
            let again: Vec<(u64, P)> = self.unacked.iter().cloned().collect();
            for (seq, data) in again {
                self.post(Msg::Send {
                    from: self.me,
                    seq,
                    data,
                });
            }
        }
        self.leader_seen = now;
        self.reconcile(snapshot);
    }

    /// Brings the local view to the leader's phase (a late joiner, a new leader).
    fn reconcile(&mut self, snapshot: Snapshot) {
        let to = snapshot.phase;
        let opened = to == Phase::Open && self.view != Phase::Open;
        self.snapshot = snapshot;
        if to != self.view && to != Phase::Idle {
            self.local(Event::StateChange {
                from: self.view,
                to,
            });
        }
        if opened {
            self.local(Event::Open);
        }
    }

    /// Writes a follower's send now (the socket is open) and acknowledges it.
    fn write(&mut self, from: TabId, seq: u64, data: P) {
        self.out.push_back(Action::Write(data));
        if self.written.set(from, seq) {
            self.bound_written();
        }
        self.post(Msg::Ack { to: from, seq });
    }

    /// The timer fired.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.flush_later();
        self.check_stale(now);
        match self.role {
            Role::Detached => {}
            Role::Leader | Role::Leaving => {
                if now >= self.last_tick.saturating_add(self.cfg.beat_interval) {
                    self.beat(now);
                    let cfg = self.cfg;
                    self.members
                        .0
                        .retain(|(_, at)| now.saturating_sub(*at) < 2 * cfg.leader_timeout);
                    self.finish_if_alone();
                }
            }
            Role::Follower => {
                if now < self.last_tick.saturating_add(self.cfg.beat_interval) {
                    return;
                }
                let late = now.saturating_sub(self.last_tick) > 2 * self.cfg.beat_interval;
                self.last_tick = now;
                self.post(Msg::Hello { from: self.me });
                if late {
                    // This tab was frozen or stalled, not necessarily the leader: give it
                    // a fresh chance to be heard before taking over.
                    self.leader_seen = self
                        .leader_seen
                        .max(now.saturating_sub(self.cfg.beat_interval));
                    return;
                }
                let silent = now.saturating_sub(self.leader_seen);
                let rank = self
                    .members
                    .iter()
                    .filter(|(id, at)| *id < self.me && self.fresh(*at, now))
                    .count() as u64;
                let wait = self
                    .cfg
                    .leader_timeout
                    .saturating_add(rank.saturating_mul(self.cfg.beat_interval));
                if silent >= wait && !self.stealing {
                    self.stealing = true;
                    self.out.push_back(Action::RequestLock { steal: true });
                }
            }
        }
    }

    /// The local client sends `data` while another tab leads: it goes to the leader (now,
    /// or when one is known) and stays unconfirmed until acknowledged.
    pub fn send(&mut self, data: P) {
        self.next_seq += 1;
        let seq = self.next_seq;
        self.unacked.push_back((seq, data.clone()));
        if self.leader.is_some() && self.role == Role::Follower {
            self.post(Msg::Send {
                from: self.me,
                seq,
                data,
            });
        }
    }

    /// Leading: an event of the own engine, already delivered locally by the caller
    /// through [`Coordinator::local_engine_event`]. Relays it and keeps the snapshot; on
    /// open, writes the follower sends that waited.
    pub fn handle_engine_event(&mut self, now: Millis, event: &Event<P>) {
        if !self.owns_socket() {
            return;
        }
        match event {
            Event::StateChange { to, .. } => {
                self.snapshot.phase = *to;
                self.socket_open = *to == Phase::Open;
                if self.role == Role::Leaving && *to == Phase::Closed {
                    self.role = Role::Detached;
                    self.out.push_back(Action::ReleaseLock);
                    return;
                }
            }
            Event::QueueOverflow { .. } => return,
            _ => {}
        }
        if self.role == Role::Leader {
            if matches!(event, Event::Open) {
                // The followers read protocol and extensions from the snapshot.
                self.beat(now);
            }
            self.post(Msg::Event {
                from: self.me,
                event: event.clone(),
            });
        }
        if matches!(event, Event::Open) {
            self.flush_pending();
        }
    }

    /// Leading: an event of the own engine for the local client (a `statechange` rewritten
    /// from what the local client saw before it led).
    pub fn local_engine_event(&mut self, event: Event<P>) -> Option<Event<P>> {
        if self.local_closed {
            // The local client was closed: the socket is the other tabs' now.
            return None;
        }
        match event {
            Event::StateChange { to, .. } => {
                if to == self.view || self.role == Role::Detached && to != Phase::Closed {
                    return None;
                }
                let from = std::mem::replace(&mut self.view, to);
                Some(Event::StateChange { from, to })
            }
            ev => Some(ev),
        }
    }

    /// Leading: the socket opened with this subprotocol, extensions and URL.
    pub fn set_socket_info(&mut self, protocol: String, extensions: String, url: String) {
        self.snapshot.protocol = protocol;
        self.snapshot.extensions = extensions;
        self.snapshot.url = url;
    }

    /// The local client closes; only that tab's client is detached, and the socket closes
    /// when the last client closes. A follower detaches at once (its local `close` event is
    /// delivered with `code`/`reason`). A leader that other tabs follow keeps the socket,
    /// the heartbeat and the lock for them, its local client detached as a follower's
    /// (see [`Coordinator::local_closed`]), until the last one leaves. A leader alone
    /// closes its socket through the engine, then releases the lock. Returns whether the
    /// shell must close the engine's socket now.
    pub fn close(&mut self, now: Millis, code: Option<u16>, reason: &str) -> bool {
        let _ = now;
        match self.role {
            Role::Detached | Role::Leaving => false,
            Role::Leader if self.local_closed => false,
            Role::Follower => {
                self.role = Role::Detached;
                self.post(Msg::Leave { from: self.me });
                self.out.push_back(Action::ReleaseLock);
                self.unacked.clear();
                self.leader = None;
                self.detach_view(code, reason);
                false
            }
            Role::Leader if !self.members.0.is_empty() => {
                self.local_closed = true;
                self.detach_view(code, reason);
                false
            }
            Role::Leader => {
                self.role = Role::Leaving;
                self.post(Msg::Leave { from: self.me });
                true
            }
        }
    }

    /// The local client's view closes as after a clean close (`closing`, `close`,
    /// `closed`), whatever the socket does; while waiting to reconnect, as a plain client's
    /// with no socket: `closed` only.
    fn detach_view(&mut self, code: Option<u16>, reason: &str) {
        self.rejoin = false;
        if self.view == Phase::Closed {
            return;
        }
        if self.view == Phase::Waiting {
            // As a plain client's close() while waiting: closed at once, no `close` event.
            self.local(Event::StateChange {
                from: self.view,
                to: Phase::Closed,
            });
            return;
        }
        // As a plain client's: `closing` now, the `close` and `closed` in a later task.
        self.local(Event::StateChange {
            from: self.view,
            to: Phase::Closing,
        });
        self.later.push_back(Event::Close {
            code: code.unwrap_or(1005),
            reason: reason.to_owned(),
            was_clean: true,
        });
        self.later.push_back(Event::StateChange {
            from: Phase::Closing,
            to: Phase::Closed,
        });
    }
}

#[cfg(test)]
mod tests;

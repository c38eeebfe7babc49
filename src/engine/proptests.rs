//! Property tests: random sequences of every input keep the engine's invariants.
//! (Test code: compiled only under #[cfg(test)], see mod.rs.)
//! `PROPTEST_CASES` sets the number of cases (default 2000 here).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    Open,
    Message {
        pong: bool,
    },
    Error,
    Close {
        code: u16,
    },
    UserClose {
        clear: bool,
    },
    UserReconnect,
    Online(bool),
    Visible(bool),
    Send {
        queue: bool,
    },
    /// Advance the clock by this much and fire the timer once if due.
    Tick(u64),
    /// The timer fires very late (a frozen page), by this much after its deadline.
    LateFire(u64),
    /// A stale socket (one before the current) delivers an event.
    Stale,
    /// The shell finishes creating the pending socket (its `url` function resolved).
    Created,
    /// The shell could not create the pending socket.
    OpenFailed {
        permanent: bool,
    },
    /// The page ran again after being frozen.
    Resume,
    /// The page went into the back/forward cache.
    EnterCache,
    /// The page came back from the back/forward cache.
    Restore,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Open),
        3 => any::<bool>().prop_map(|pong| Op::Message { pong }),
        1 => Just(Op::Error),
        2 => prop::sample::select(vec![1000u16, 1001, 1006, 1008, 1011, 4000, 4001]).prop_map(|code| Op::Close { code }),
        1 => any::<bool>().prop_map(|clear| Op::UserClose { clear }),
        1 => Just(Op::UserReconnect),
        1 => any::<bool>().prop_map(Op::Online),
        1 => any::<bool>().prop_map(Op::Visible),
        3 => any::<bool>().prop_map(|queue| Op::Send { queue }),
        4 => prop_oneof![0u64..100, 0u64..40_000, 0u64..10_000_000].prop_map(Op::Tick),
        1 => (0u64..200_000).prop_map(Op::LateFire),
        1 => Just(Op::Stale),
        4 => Just(Op::Created),
        1 => any::<bool>().prop_map(|permanent| Op::OpenFailed { permanent }),
        1 => Just(Op::Resume),
        1 => Just(Op::EnterCache),
        1 => Just(Op::Restore),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        prop::sample::select(vec![0u64, 1, 1_000, 30_000]),
        1u64..10_000,
        any::<bool>(),
        0u64..20_000,
        prop::sample::select(vec![1.0f64, 1.5, 2.0]),
        any::<bool>(),
        prop::option::of(0u32..5),
        prop::sample::select(vec![0u64, 500, 3_000]),
        prop::option::of(0usize..6),
        prop::sample::select(vec![
            OverflowPolicy::DropOldest,
            OverflowPolicy::DropNewest,
            OverflowPolicy::Error,
        ]),
        prop::option::of(prop::sample::select(vec![0u64, 300, 5_000])),
        any::<bool>(),
    )
        .prop_map(
            |(
                ping,
                pong,
                reconnect,
                delay,
                factor,
                jitter,
                retries,
                ct,
                mq,
                overflow,
                close,
                bfcache,
            )| {
                Config {
                    ping_interval: ping,
                    pong_timeout: pong,
                    reconnect,
                    reconnect_delay: delay,
                    backoff_factor: factor,
                    max_reconnect_delay: 60_000,
                    jitter,
                    max_retries: retries,
                    connect_timeout: ct,
                    max_queued: mq,
                    max_queued_bytes: 10,
                    overflow,
                    close_timeout: close,
                    bfcache,
                    // Passive heartbeats in a fifth of the configurations: every invariant
                    // holds with either.
                    passive: ping % 5 == 0,
                }
            },
        )
}

/// What a message became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Pending,
    Sent,
    Dropped,
    Refused,
    Discarded,
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold(cfg in config(), seed in any::<u64>(), ops in prop::collection::vec(op(), 1..250)) {
        let mut e: Engine<u64> = Engine::new(cfg.clone(), seed);
        let mut now: Millis = 0;
        e.connect(now);
        // Sockets the shell would have open (opened, not yet closed or dropped).
        let mut live: BTreeSet<SocketId> = BTreeSet::new();
        let mut all_sockets: Vec<SocketId> = Vec::new();
        let mut closes_heard = 0usize;
        let mut user_closed = false;
        let mut fates: BTreeMap<u64, Fate> = BTreeMap::new();
        let mut next_msg = 0u64;
        let mut pending: Option<SocketId> = None;

        let drain = |e: &mut Engine<u64>, live: &mut BTreeSet<SocketId>, all: &mut Vec<SocketId>,
                         closes: &mut usize, fates: &mut BTreeMap<u64, Fate>, user_closed: bool,
                         pending: &mut Option<SocketId>|
         -> Result<(), TestCaseError> {
            // The shell's order: every I/O item of the transition, then the events.
            while let Some(io) = e.poll_io() {
                match io {
                    Io::OpenSocket(id) => {
                        prop_assert!(!user_closed, "a socket opened after a user close");
                        live.insert(id);
                        all.push(id);
                        *pending = Some(id);
                    }
                    Io::DropSocket { socket, .. } => {
                        live.remove(&socket);
                    }
                    _ => {}
                }
            }
            while let Some(ev) = e.poll_event() {
                match ev {
                    Event::Open => {
                        for m in e.take_backlog() {
                            prop_assert_eq!(fates.insert(m, Fate::Sent), Some(Fate::Pending));
                        }
                    }
                    Event::QueueOverflow { data } => {
                        let prev = fates.insert(data, Fate::Dropped);
                        prop_assert!(prev == Some(Fate::Pending) || prev.is_none(), "dropped twice: {:?}", prev);
                    }
                    Event::Close { .. } => *closes += 1,
                    _ => {}
                }
            }
            // A socket still pending in the shell (never created) that is no longer current
            // is abandoned by the shell: it never exists.
            if let Some(p) = *pending {
                if e.socket() != Some(p) || e.socket_created() {
                    if e.socket() != Some(p) {
                        live.remove(&p);
                    }
                    *pending = None;
                }
            }
            // Liveness: a client closing either still has a real socket whose close event
            // will come, or a deadline that ends the wait.
            if e.phase() == Phase::Closing {
                prop_assert!(
                    (e.socket().is_some() && e.socket_created()) || e.poll_timeout().is_some(),
                    "closing with neither a socket nor a deadline"
                );
            }
            // At most one socket open or connecting.
            prop_assert!(live.len() <= 1, "two live sockets: {:?}", live);
            if let Some(cur) = e.socket() {
                prop_assert!(live.contains(&cur));
            }
            Ok(())
        };
        drain(&mut e, &mut live, &mut all_sockets, &mut closes_heard, &mut fates, user_closed, &mut pending)?;

        for op in ops {
            // Only a socket the shell created delivers browser events.
            let cur = e.socket();
            let real = cur.filter(|_| e.socket_created());
            match op {
                Op::Created => if let Some(s) = cur { e.handle_created(s) },
                Op::OpenFailed { permanent } => if let Some(s) = cur {
                    let created = e.socket_created();
                    e.handle_open_failed(now, s, permanent);
                    if !created {
                        prop_assert!(e.socket() != Some(s), "a failed open left its socket current");
                        live.remove(&s);
                    }
                },
                Op::Open => if let Some(s) = real { e.handle_open(now, s) },
                Op::Message { pong } => if let Some(s) = real { e.handle_message(now, s, pong); },
                Op::Error => if let Some(s) = real { e.handle_error(now, s) },
                Op::Close { code } => if let Some(s) = real {
                    e.handle_close(now, s, code, "", false, None);
                    live.remove(&s);
                },
                Op::UserClose { clear } => {
                    if clear { e.discard_queue(); }
                    e.close(now, None, "");
                    user_closed = true;
                }
                Op::UserReconnect => {
                    e.reconnect(now);
                    user_closed = false;
                }
                Op::Online(on) => e.set_online(now, on),
                Op::Visible(v) => e.set_visible(now, v),
                Op::Resume => e.resume(now),
                Op::EnterCache => e.enter_cache(now),
                Op::Restore => {
                    let held = e.cached() && e.phase() == Phase::Waiting && !user_closed;
                    e.restore(now);
                    if held && e.online() {
                        prop_assert_eq!(e.phase(), Phase::Connecting, "a restored page did not reconnect at once");
                    }
                }
                Op::Send { queue } => {
                    let id = next_msg;
                    next_msg += 1;
                    let fate = match e.send(id, 1, queue) {
                        Ok(SendOutcome::SendNow(_)) => Fate::Sent,
                        Ok(SendOutcome::Queued) => Fate::Pending,
                        // Reported through a QueueOverflow event, drained below.
                        Ok(SendOutcome::Dropped) => Fate::Pending,
                        Ok(SendOutcome::Discarded(_)) => Fate::Discarded,
                        Err(_) => Fate::Refused,
                    };
                    fates.insert(id, fate);
                }
                Op::Tick(dt) => {
                    now += dt;
                    if let Some(d) = e.poll_timeout() {
                        if d <= now {
                            e.handle_timeout(now);
                        }
                    }
                }
                Op::LateFire(late) => {
                    if let Some(d) = e.poll_timeout() {
                        now = now.max(d) + late;
                        e.handle_timeout(now);
                    }
                }
                Op::Stale => {
                    if let Some(old) = all_sockets.iter().rev().find(|s| Some(**s) != cur).copied() {
                        let before = e.phase();
                        prop_assert!(!e.handle_message(now, old, true));
                        e.handle_open(now, old);
                        e.handle_error(now, old);
                        e.handle_close(now, old, 1006, "", false, None);
                        prop_assert_eq!(e.phase(), before, "a stale socket changed the phase");
                    }
                }
            }
            drain(&mut e, &mut live, &mut all_sockets, &mut closes_heard, &mut fates, user_closed, &mut pending)?;
            // After handling, the one deadline is never in the past (a due timer was fired),
            // and a deadline due right now (a zero delay) makes progress when it fires.
            if matches!(op, Op::Tick(_) | Op::LateFire(_)) {
                if let Some(d) = e.poll_timeout() {
                    prop_assert!(d >= now, "deadline {} < now {}", d, now);
                    if d == now {
                        let phase = e.phase();
                        e.handle_timeout(now);
                        drain(&mut e, &mut live, &mut all_sockets, &mut closes_heard, &mut fates, user_closed, &mut pending)?;
                        prop_assert!(e.phase() != phase || e.poll_timeout() != Some(now), "a timer due now made no progress");
                    }
                }
            }
            // In the back/forward cache: no socket, no timer.
            if e.cached() {
                prop_assert!(live.is_empty() || (live.len() == 1 && e.phase() == Phase::Closing), "a socket live in the cache: {:?}", live);
                prop_assert!(e.phase() != Phase::Waiting || e.poll_timeout().is_none(), "a timer armed in the cache");
            }
            prop_assert!(e.queue().len() <= cfg.max_queued_len());
            prop_assert!(closes_heard <= all_sockets.len(), "more close events than sockets");
        }
        // Every message was sent exactly once, reported dropped, refused, discarded, or is
        // still queued.
        let remaining: BTreeSet<u64> = e.clear_queue().into_iter().collect();
        for (id, fate) in fates {
            match fate {
                Fate::Pending => prop_assert!(remaining.contains(&id), "message {} lost", id),
                _ => prop_assert!(!remaining.contains(&id), "message {} both {:?} and queued", id, fate),
            }
        }
    }
}

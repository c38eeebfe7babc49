//! The coordinator on a simulated clock, in a simulated browser: tabs that run tasks in
//! order (or not at all while frozen), a `BroadcastChannel` that delivers every post to the
//! other tabs in order, a Web Locks manager (FIFO queue, `steal`), and a server that
//! records what each socket wrote. The leader's engine is simulated by its events.

use std::collections::VecDeque;

use super::*;

#[derive(Debug)]
enum Task {
    Msg(Msg<String>),
    Acquired,
    Lost,
}

struct Tab {
    c: Coordinator<String>,
    alive: bool,
    frozen: bool,
    /// Timers fire only on wake-ups every this many ms (Chromium's intensive throttling of
    /// hidden tabs: once a minute, aligned); message tasks are not throttled.
    throttle: Option<Millis>,
    socket: bool,
    tasks: VecDeque<Task>,
    /// What the local client saw: event names and messages.
    seen: Vec<String>,
}

struct World {
    now: Millis,
    tabs: Vec<Tab>,
    holder: Option<usize>,
    queue: VecDeque<usize>,
    /// What reached the server, with the socket's owner.
    server: Vec<(usize, String)>,
    max_sockets: usize,
    /// Sockets the leaders' engines opened (connections the server accepted).
    connections: usize,
    cfg: SharedConfig,
}

fn name(ev: &Event<String>) -> String {
    match ev {
        Event::StateChange { from, to } => format!("{}>{}", from.name(), to.name()),
        Event::Open => "open".into(),
        Event::Close { code, .. } => format!("close:{code}"),
        Event::Error => "error".into(),
        other => format!("{other:?}"),
    }
}

impl World {
    fn new(n: usize) -> World {
        let cfg = SharedConfig::default();
        let mut w = World {
            now: 1000,
            tabs: Vec::new(),
            holder: None,
            queue: VecDeque::new(),
            server: Vec::new(),
            max_sockets: 0,
            connections: 0,
            cfg,
        };
        for _ in 0..n {
            w.open_tab();
            w.run(50);
        }
        w
    }

    fn open_tab(&mut self) -> usize {
        let id = self.tabs.len();
        self.tabs.push(Tab {
            c: Coordinator::new(self.cfg, 100 + id as u64),
            alive: true,
            frozen: false,
            throttle: None,
            socket: false,
            tasks: VecDeque::new(),
            seen: Vec::new(),
        });
        self.tabs[id].c.start(self.now);
        self.actions(id);
        id
    }

    fn sockets(&self) -> usize {
        self.tabs.iter().filter(|t| t.socket).count()
    }

    fn leaders(&self) -> Vec<usize> {
        (0..self.tabs.len())
            .filter(|&i| {
                let t = &self.tabs[i];
                t.alive && !t.frozen && t.c.role() == Role::Leader
            })
            .collect()
    }

    fn grant(&mut self) {
        if self.holder.is_none() {
            if let Some(next) = self.queue.pop_front() {
                self.holder = Some(next);
                self.tabs[next].tasks.push_back(Task::Acquired);
            }
        }
    }

    /// The leader's engine, simulated: its events, delivered locally then relayed.
    fn engine(&mut self, i: usize, events: Vec<Event<String>>) {
        for ev in events {
            if let Some(e) = self.tabs[i].c.local_engine_event(ev.clone()) {
                self.tabs[i].seen.push(name(&e));
            }
            self.tabs[i].c.handle_engine_event(self.now, &ev);
            self.actions(i);
        }
    }

    fn actions(&mut self, i: usize) {
        while let Some(a) = self.tabs[i].c.poll() {
            match a {
                Action::Post(m) => {
                    for (j, t) in self.tabs.iter_mut().enumerate() {
                        if j != i && t.alive {
                            t.tasks.push_back(Task::Msg(m.clone()));
                        }
                    }
                }
                Action::RequestLock { steal: false } => {
                    self.queue.push_back(i);
                    self.grant();
                }
                Action::RequestLock { steal: true } => {
                    self.queue.retain(|&q| q != i);
                    if let Some(old) = self.holder.take() {
                        self.tabs[old].tasks.push_back(Task::Lost);
                    }
                    self.holder = Some(i);
                    self.tabs[i].tasks.push_back(Task::Acquired);
                }
                Action::ReleaseLock => {
                    self.queue.retain(|&q| q != i);
                    if self.holder == Some(i) {
                        self.holder = None;
                        self.grant();
                    }
                }
                Action::Lead(own) => {
                    self.tabs[i].socket = true;
                    self.connections += 1;
                    self.max_sockets = self.max_sockets.max(self.sockets());
                    self.engine(
                        i,
                        vec![
                            Event::StateChange {
                                from: Phase::Idle,
                                to: Phase::Connecting,
                            },
                            Event::StateChange {
                                from: Phase::Connecting,
                                to: Phase::Open,
                            },
                            Event::Open,
                        ],
                    );
                    // The engine's queue goes out on open: the unconfirmed sends first.
                    for d in own {
                        self.server.push((i, d));
                    }
                }
                Action::Resign => self.tabs[i].socket = false,
                Action::Write(d) => {
                    assert!(self.tabs[i].socket, "tab {i} wrote {d} without a socket");
                    self.server.push((i, d));
                }
                Action::Deliver(ev) => self.tabs[i].seen.push(name(&ev)),
                Action::DeliverMessage(d) => self.tabs[i].seen.push(format!("msg:{d}")),
                Action::CloseSocket => self.user_closed(i),
                Action::Reconnect => {
                    // The engine closes its open socket, then opens the next one.
                    self.connections += 1;
                    self.engine(
                        i,
                        vec![
                            Event::StateChange {
                                from: Phase::Open,
                                to: Phase::Closing,
                            },
                            Event::Close {
                                code: 1000,
                                reason: "reconnect".into(),
                                was_clean: true,
                            },
                            Event::StateChange {
                                from: Phase::Closing,
                                to: Phase::Connecting,
                            },
                            Event::StateChange {
                                from: Phase::Connecting,
                                to: Phase::Open,
                            },
                            Event::Open,
                        ],
                    );
                }
            }
        }
    }

    /// Runs every runnable task (tabs not frozen), until none is left.
    fn settle(&mut self) {
        loop {
            let mut any = false;
            for i in 0..self.tabs.len() {
                if !self.tabs[i].alive || self.tabs[i].frozen {
                    continue;
                }
                while let Some(task) = self.tabs[i].tasks.pop_front() {
                    any = true;
                    match task {
                        Task::Msg(m) => self.tabs[i].c.handle_msg(self.now, m),
                        Task::Acquired => self.tabs[i].c.handle_lock_acquired(self.now),
                        Task::Lost => self.tabs[i].c.handle_lock_lost(self.now),
                    }
                    self.actions(i);
                }
            }
            if !any {
                return;
            }
        }
    }

    /// Advances the clock by `ms` in 50 ms steps, firing due timers of running tabs.
    fn run(&mut self, ms: Millis) {
        let end = self.now + ms;
        self.settle();
        while self.now < end {
            self.now += 50;
            for i in 0..self.tabs.len() {
                let t = &self.tabs[i];
                if !t.alive || t.frozen || t.throttle.is_some_and(|p| self.now % p != 0) {
                    continue;
                }
                if t.c.poll_timeout().is_some_and(|d| d <= self.now) {
                    self.tabs[i].c.handle_timeout(self.now);
                    self.actions(i);
                }
            }
            self.settle();
        }
    }

    /// Tab `i` sends `d`: through its own socket when it leads, else through the leader.
    fn send(&mut self, i: usize, d: &str) {
        if self.tabs[i].c.owns_socket() {
            assert!(self.tabs[i].socket);
            self.server.push((i, d.to_owned()));
        } else {
            self.tabs[i].c.send(d.to_owned());
            self.actions(i);
        }
    }

    /// The engine of tab `i`, whose user closed it: its socket closes cleanly.
    fn user_closed(&mut self, i: usize) {
        self.tabs[i].socket = false;
        self.engine(
            i,
            vec![
                Event::StateChange {
                    from: Phase::Open,
                    to: Phase::Closing,
                },
                Event::Close {
                    code: 1000,
                    reason: String::new(),
                    was_clean: true,
                },
                Event::StateChange {
                    from: Phase::Closing,
                    to: Phase::Closed,
                },
            ],
        );
    }

    /// The server sends `d` on the leader's socket.
    fn server_message(&mut self, d: &str) {
        let l = self.leaders()[0];
        self.tabs[l].seen.push(format!("msg:{d}"));
        let from = self.tabs[l].c.id();
        for (j, t) in self.tabs.iter_mut().enumerate() {
            if j != l && t.alive {
                t.tasks.push_back(Task::Msg(Msg::Message {
                    from,
                    data: d.to_owned(),
                }));
            }
        }
        self.settle();
    }

    /// The tab is closed or crashes: the browser closes its socket and frees its lock.
    fn kill(&mut self, i: usize) {
        self.tabs[i].alive = false;
        self.tabs[i].socket = false;
        self.queue.retain(|&q| q != i);
        if self.holder == Some(i) {
            self.holder = None;
            self.grant();
        }
    }

    /// What the server got from the sends named `prefix-N`, as the N's.
    fn sent(&self, prefix: &str) -> Vec<u32> {
        self.server
            .iter()
            .filter_map(|(_, d)| d.strip_prefix(prefix).and_then(|n| n.parse().ok()))
            .collect()
    }
}

#[test]
fn three_tabs_one_leader_one_socket_and_everyone_mirrors_it() {
    let mut w = World::new(3);
    w.run(100);
    assert_eq!(w.leaders(), vec![0]);
    assert_eq!(w.max_sockets, 1);
    for t in &w.tabs {
        assert_eq!(t.c.view(), Phase::Open);
    }
    assert_eq!(
        w.tabs[0].seen,
        ["idle>connecting", "connecting>open", "open"]
    );
    assert_eq!(
        w.tabs[2].seen,
        ["idle>connecting", "connecting>open", "open"]
    );
    w.server_message("hi");
    for t in &w.tabs {
        assert_eq!(t.seen.last().map(String::as_str), Some("msg:hi"));
    }
}

#[test]
fn a_hundred_sends_from_each_tab_arrive_exactly_once_in_order() {
    let mut w = World::new(3);
    for n in 0..100 {
        for i in 0..3 {
            w.send(i, &format!("t{i}-{n}"));
        }
        if n % 7 == 0 {
            w.run(50);
        }
    }
    w.run(500);
    for i in 0..3 {
        assert_eq!(w.sent(&format!("t{i}-")), (0..100).collect::<Vec<_>>());
        assert_eq!(w.tabs[i].c.unacked(), 0);
    }
}

#[test]
fn sends_before_any_leader_wait_and_go_once_one_leads() {
    let mut w = World::new(0);
    let a = w.open_tab();
    w.send(a, "a-0"); // the lock is not granted yet: queued in the coordinator
    w.run(100);
    let b = w.open_tab();
    w.send(b, "b-0");
    w.send(b, "b-1");
    w.run(100);
    assert_eq!(w.sent("a-"), vec![0]);
    assert_eq!(w.sent("b-"), vec![0, 1]);
}

#[test]
fn closing_the_leaders_tab_hands_over_within_a_second_and_loses_no_send() {
    let mut w = World::new(3);
    w.run(2000);
    for n in 0..10 {
        w.send(1, &format!("b-{n}"));
    }
    w.kill(0); // no Leave: the tab is gone
    let t0 = w.now;
    // Sends while nobody leads.
    for n in 10..20 {
        w.send(1, &format!("b-{n}"));
    }
    w.run(1000);
    assert_eq!(w.leaders(), vec![1]);
    assert!(w.now - t0 <= 1000);
    assert_eq!(w.sockets(), 1);
    assert_eq!(w.max_sockets, 1);
    assert_eq!(w.sent("b-"), (0..20).collect::<Vec<_>>());
    // The third tab saw the link drop and come back.
    let seen = &w.tabs[2].seen;
    let tail: Vec<&str> = seen
        .iter()
        .rev()
        .take(5)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "close:1006",
            "open>waiting",
            "waiting>connecting",
            "connecting>open",
            "open"
        ]
    );
}

#[test]
fn the_new_leader_resends_what_the_old_one_had_not_confirmed_and_skips_what_it_had() {
    let mut w = World::new(3);
    w.run(100);
    w.send(2, "c-0");
    w.settle(); // written and acknowledged by tab 0; tab 1 heard the ack
                // Tab 0 freezes; sends from tab 2 now go unanswered.
    w.tabs[0].frozen = true;
    w.send(2, "c-1");
    w.send(2, "c-2");
    w.run(7000); // tab 1 takes over (leader_timeout)
    assert_eq!(w.leaders(), vec![1]);
    assert_eq!(
        w.sent("c-"),
        vec![0, 1, 2],
        "c-0 not written twice, c-1/c-2 once"
    );
    assert_eq!(w.tabs[2].c.unacked(), 0);
}

#[test]
fn a_frozen_leader_is_taken_over_and_steps_down_when_it_thaws_before_writing_anything() {
    let mut w = World::new(3);
    w.run(2000);
    w.tabs[0].frozen = true;
    let t0 = w.now;
    w.send(2, "c-0"); // queued in the frozen leader's inbox too
    while w.leaders() != vec![1] {
        w.run(50);
        assert!(w.now - t0 <= w.cfg.leader_timeout + 1000, "no takeover");
    }
    // The frozen tab's socket still exists (the browser keeps it while frozen).
    assert_eq!(w.sockets(), 2);
    w.run(500);
    w.tabs[0].frozen = false;
    w.settle();
    assert!(
        !w.tabs[0].socket,
        "the thawed leader dropped its socket at its first task"
    );
    assert_eq!(w.tabs[0].c.role(), Role::Follower);
    w.run(2000);
    assert_eq!(w.sockets(), 1);
    assert_eq!(w.leaders(), vec![1]);
    assert_eq!(w.sent("c-"), vec![0], "written once, by the new leader");
    assert!(w.server.iter().all(|(by, _)| *by != 0));
    assert_eq!(
        w.tabs[0].c.view(),
        Phase::Open,
        "the old leader now mirrors the new one"
    );
}

#[test]
fn only_one_follower_takes_over_a_silent_leader() {
    let mut w = World::new(5);
    w.run(2000);
    w.tabs[0].frozen = true;
    w.run(8000);
    assert_eq!(
        w.leaders(),
        vec![1],
        "the lowest id among the live followers"
    );
    // Tab 0's socket (frozen) and tab 1's: never a third.
    assert_eq!(w.max_sockets, 2);
}

#[test]
fn a_follower_whose_own_timer_was_late_does_not_take_over() {
    let mut w = World::new(2);
    w.run(2000);
    // Tab 1 is frozen for 20 s; the leader is fine and keeps beating meanwhile.
    w.tabs[1].frozen = true;
    w.run(20_000);
    w.tabs[1].frozen = false;
    w.run(3000);
    assert_eq!(w.leaders(), vec![0]);
    assert_eq!(w.max_sockets, 1);
}

#[test]
fn user_close_detaches_a_follower_only_and_the_last_close_closes_the_socket() {
    let mut w = World::new(3);
    w.run(100);
    assert!(!w.tabs[2].c.close(w.now, Some(1000), "bye"));
    w.actions(2);
    // As a plain client's close(): `closing` at once, `close` and `closed` a task later.
    assert_eq!(w.tabs[2].seen[3..], ["open>closing"]);
    assert_eq!(w.tabs[2].c.view(), Phase::Closing);
    w.run(50);
    assert_eq!(
        w.tabs[2].seen[3..],
        ["open>closing", "close:1000", "closing>closed"]
    );
    w.run(2000);
    assert_eq!(w.sockets(), 1);
    w.send(2, "ignored"); // a closed follower's send is the shell's business: none here
    assert!(!w.tabs[1].c.close(w.now, None, ""));
    w.actions(1);
    w.run(50); // the followers' leave messages arrive
               // The leader closes last: its engine closes the socket, then the lock goes.
    assert!(w.tabs[0].c.close(w.now, Some(1000), ""));
    w.actions(0);
    w.user_closed(0);
    w.run(100);
    assert_eq!(w.sockets(), 0);
    assert_eq!(w.holder, None);
    assert!(w.queue.is_empty());
}

#[test]
fn a_leader_closed_by_its_user_keeps_the_socket_for_the_others_until_the_last_leaves() {
    let mut w = World::new(3);
    w.run(100);
    // The leader's user closes: only its client detaches; the socket stays.
    assert!(!w.tabs[0].c.close(w.now, Some(1000), "bye"));
    w.actions(0);
    w.run(50);
    assert_eq!(
        w.tabs[0].seen[3..],
        ["open>closing", "close:1000", "closing>closed"]
    );
    assert!(w.tabs[0].c.local_closed());
    assert_eq!(w.tabs[0].c.view(), Phase::Closed);
    w.run(3000);
    assert_eq!(w.leaders(), vec![0], "it still leads, for the others");
    assert_eq!(w.sockets(), 1);
    assert_eq!(w.connections, 1, "no second connection");
    for i in [1, 2] {
        assert_eq!(w.tabs[i].c.view(), Phase::Open);
        assert_eq!(
            w.tabs[i].seen,
            ["idle>connecting", "connecting>open", "open"]
        );
    }
    // Its socket's events no longer reach its own client, only the others.
    let seen = w.tabs[0].seen.len();
    w.engine(0, vec![Event::Error]);
    w.settle();
    assert_eq!(w.tabs[0].seen.len(), seen);
    assert_eq!(w.tabs[1].seen.last().map(String::as_str), Some("error"));
    // A follower's send is still written.
    w.send(1, "f-1");
    w.run(100);
    assert_eq!(w.sent("f-"), [1]);
    // The other clients close: the last one gone, the socket closes and the lock goes.
    assert!(!w.tabs[1].c.close(w.now, None, ""));
    w.actions(1);
    w.run(100);
    assert_eq!(w.sockets(), 1);
    assert!(!w.tabs[2].c.close(w.now, None, ""));
    w.actions(2);
    w.run(100);
    assert_eq!(w.sockets(), 0);
    assert_eq!(w.holder, None);
    assert_eq!(w.tabs[0].c.role(), Role::Detached);
    assert_eq!(
        w.tabs[0].seen.len(),
        seen,
        "nothing more for the closed client"
    );
}

#[test]
fn a_leader_closed_by_its_user_closes_when_its_last_follower_dies_and_can_reopen_before() {
    let mut w = World::new(2);
    w.run(100);
    assert!(!w.tabs[0].c.close(w.now, None, ""));
    w.actions(0);
    w.run(50);
    // Reopened while the socket is still there: it sees the socket again, no new one (as
    // a plain client's reconnect(): `connecting` at once, the open a task later).
    w.tabs[0].c.start(w.now);
    w.actions(0);
    assert!(!w.tabs[0].c.local_closed());
    assert_eq!(w.tabs[0].c.view(), Phase::Connecting);
    w.run(50);
    assert_eq!(w.tabs[0].c.view(), Phase::Open);
    assert_eq!(
        w.tabs[0].seen[3..],
        [
            "open>closing",
            "close:1005",
            "closing>closed",
            "closed>connecting",
            "connecting>open",
            "open"
        ]
    );
    assert_eq!(w.connections, 1);
    // Closed again; the follower's tab crashes (no leave): the socket goes once the
    // follower is unheard of for two leader timeouts.
    assert!(!w.tabs[0].c.close(w.now, None, ""));
    w.actions(0);
    w.kill(1);
    w.run(9_000);
    assert_eq!(w.sockets(), 1);
    w.run(2_000);
    assert_eq!(w.sockets(), 0);
    assert_eq!(w.holder, None);
}

#[test]
fn written_sequence_numbers_do_not_grow_with_every_tab_that_ever_joined() {
    let mut w = World::new(1);
    w.run(100);
    for n in 0..100 {
        let t = w.open_tab();
        w.run(100);
        w.send(t, &format!("x-{n}"));
        w.run(100);
        if n % 2 == 0 {
            assert!(!w.tabs[t].c.close(w.now, None, ""));
            w.actions(t);
        } else {
            w.kill(t);
        }
        w.run(100);
    }
    assert_eq!(w.sent("x-").len(), 100);
    // Left tabs are forgotten at once; crashed ones beyond the bound.
    assert!(
        w.tabs[0].c.written.len() <= MAX_WRITTEN,
        "{}",
        w.tabs[0].c.written.len()
    );
}

#[test]
fn a_followers_reconnect_makes_the_leader_reconnect() {
    let mut w = World::new(2);
    w.run(100);
    w.tabs[1].c.request_reconnect();
    w.actions(1);
    w.run(50);
    assert_eq!(w.connections, 2, "the one socket replaced");
    assert_eq!(w.sockets(), 1);
    assert_eq!(w.tabs[1].c.view(), Phase::Open);
    assert_eq!(
        w.tabs[1].seen[3..],
        [
            "open>closing",
            "close:1000",
            "closing>connecting",
            "connecting>open",
            "open"
        ]
    );
    // While what it sees is connecting (a newcomer), it is a no-op, as a plain client's.
    let c = w.open_tab();
    w.tabs[c].c.request_reconnect();
    w.actions(c);
    w.run(100);
    assert_eq!(w.connections, 2);
}

#[test]
fn a_late_joiner_sees_open_at_once() {
    let mut w = World::new(1);
    w.run(3000);
    let b = w.open_tab();
    w.run(50);
    assert_eq!(
        w.tabs[b].seen,
        ["idle>connecting", "connecting>open", "open"]
    );
}

#[test]
fn random_freezes_kills_and_sends_keep_one_leader_and_lose_nothing() {
    // A small deterministic fuzz: xorshift over a fixed seed.
    for seed in 1..40u64 {
        let mut r = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut rnd = move |n: u64| {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r % n
        };
        let mut w = World::new(4);
        let mut expected: Vec<Vec<u32>> = vec![Vec::new(); 8];
        let mut next = [0u32; 8];
        for _ in 0..60 {
            match rnd(10) {
                0 if w.tabs.len() < 8 => {
                    w.open_tab();
                }
                1 => {
                    let alive: Vec<usize> =
                        (0..w.tabs.len()).filter(|&i| w.tabs[i].alive).collect();
                    if alive.len() > 1 {
                        let k = alive[rnd(alive.len() as u64) as usize];
                        w.kill(k);
                        expected[k].clear(); // a killed tab's own sends may die with it
                    }
                }
                2 => {
                    let k = rnd(w.tabs.len() as u64) as usize;
                    w.tabs[k].frozen = !w.tabs[k].frozen;
                }
                _ => {
                    let k = rnd(w.tabs.len() as u64) as usize;
                    if w.tabs[k].alive && !w.tabs[k].frozen {
                        let n = next[k];
                        next[k] += 1;
                        expected[k].push(n);
                        w.send(k, &format!("s{k}-{n}"));
                    }
                }
            }
            w.run(rnd(3000));
            assert!(w.leaders().len() <= 1, "seed {seed}: two running leaders");
        }
        for t in w.tabs.iter_mut() {
            t.frozen = false;
        }
        w.run(15_000);
        assert_eq!(w.leaders().len(), 1, "seed {seed}: one leader at the end");
        assert_eq!(w.sockets(), 1, "seed {seed}: one socket at the end");
        for (k, want) in expected.iter().enumerate() {
            if !w.tabs.get(k).is_some_and(|t| t.alive) {
                continue;
            }
            let got = w.sent(&format!("s{k}-"));
            let mut dedup = got.clone();
            dedup.dedup();
            assert_eq!(
                &dedup, want,
                "seed {seed}: tab {k}: at least once, in order: {got:?}"
            );
        }
    }
}

#[test]
fn a_hidden_leader_with_minute_timers_keeps_leading_on_the_hellos_of_visible_tabs() {
    let mut w = World::new(3);
    w.run(2000);
    w.tabs[0].throttle = Some(60_000);
    let accepted = w.server.len();
    w.run(10 * 60_000);
    assert_eq!(w.leaders(), vec![0], "no takeover in 10 minutes");
    assert_eq!(w.max_sockets, 1);
    // Sends still go through at once.
    w.send(2, "c-0");
    w.settle();
    assert_eq!(w.sent("c-"), vec![0]);
    assert_eq!(w.server.len(), accepted + 1);
}

#[test]
fn when_every_tab_is_throttled_nobody_reconnects() {
    let mut w = World::new(3);
    w.run(2000);
    for t in w.tabs.iter_mut() {
        t.throttle = Some(60_000);
    }
    let mut roles = Vec::new();
    for _ in 0..10 {
        w.run(60_000);
        roles.push(w.leaders());
        assert!(w.tabs[0].socket, "the leader's socket stays");
    }
    assert!(roles.iter().all(|r| r == &vec![0]), "{roles:?}");
    assert_eq!(w.max_sockets, 1);
    // A send from a throttled follower is written within the next wake-up or two.
    w.send(1, "b-0");
    w.run(2 * 60_000);
    assert_eq!(w.sent("b-"), vec![0]);
}

#[test]
fn a_stalled_leader_that_was_not_taken_over_goes_on_without_a_reconnect() {
    let mut w = World::new(2);
    w.run(2000);
    // Tab 0 stalls for 3 s (less than the followers' patience): nobody steals.
    w.tabs[0].frozen = true;
    w.run(3000);
    w.tabs[0].frozen = false;
    w.send(1, "b-0");
    w.run(3000);
    assert_eq!(w.leaders(), vec![0]);
    assert_eq!(w.max_sockets, 1);
    assert_eq!(w.sent("b-"), vec![0]);
}

/// Found by tests/e2e/shared-diff.mjs: a plain client closed while it waits to reconnect
/// goes `waiting` -> `closed` with no `close` event (it has no socket to close); a shared
/// tab's client did the same only with a `close` 1005 first.
#[test]
fn a_close_while_waiting_goes_to_closed_without_a_close_event_as_on_a_plain_client() {
    let mut w = World::new(3);
    w.run(100);
    w.tabs[0].socket = false;
    w.engine(
        0,
        vec![
            Event::Close {
                code: 1006,
                reason: String::new(),
                was_clean: false,
            },
            Event::StateChange {
                from: Phase::Open,
                to: Phase::Waiting,
            },
        ],
    );
    w.run(50);
    // A follower, then the leader (another tab still follows it).
    for i in [2, 0] {
        let n = w.tabs[i].seen.len();
        assert_eq!(w.tabs[i].seen[n - 1], "open>waiting", "tab {i}");
        assert!(!w.tabs[i].c.close(w.now, Some(1000), ""));
        w.actions(i);
        assert_eq!(w.tabs[i].seen[n..], ["waiting>closed"], "tab {i}");
        w.run(50);
    }
}

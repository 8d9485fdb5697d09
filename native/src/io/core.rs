//! The I/O thread: one epoll loop that owns every connection. Requests are handed over ahead of
//! their due instant; the thread sleeps (a timerfd with 1 ns slack) then spins to the instant
//! and writes, stamping the send. Every read goes through recvmsg with SO_TIMESTAMPNS, so each
//! piece of a response (and each SSE event it completes) carries the time the kernel received
//! it, whatever the thread was doing then. Finished requests go back in batches.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{fence, AtomicI64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use super::sys::{self, Fd};
use super::tls;
use crate::framing::classify::{classify, MALFORMED, NEEDS_JS_PARSE};
use crate::framing::http1::{clip, Piece, ResponseParser};
use crate::framing::sse::{SseDecoder, SseSink};

/// Timeouts and pooling, as the JS transport's TransportOptions.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "node", napi_derive::napi(object))]
pub struct Options {
    pub connect_ms: f64,
    pub first_byte_ms: f64,
    pub idle_ms: f64,
    pub total_ms: f64,
    pub keep_alive_ms: f64,
    pub reuse: bool,
    /// PEM CA certificates trusted besides the system roots (the JS side passes
    /// NODE_EXTRA_CA_CERTS, which Node's own TLS trusts).
    pub ca_file: Option<String>,
}

/// One request: its bytes are written at `due_ns` (CLOCK_MONOTONIC) and dropped once written.
pub struct Job {
    pub id: u32,
    /// "host:port", or "https://host:port" for TLS
    pub origin: String,
    pub bytes: Vec<u8>,
    pub due_ns: i64,
    pub keep_events: bool,
}

pub enum Cmd {
    Send(Job),
    Reserve(String, u32),
    Abort(u32),
    AbortAll,
    Close,
}

/// What a finished request hands back: the fields of src/openai/outcome.ts's Exchange, with
/// times in ms since `start_ns` (CLOCK_MONOTONIC ns; JavaScript reads it as `startNs`).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub id: u32,
    pub status: u32,
    pub start_ns: i64,
    pub connect_ms: f64,
    pub headers_ms: f64,
    pub times_ms: Vec<f64>,
    /// Payloads of the events that carry more than a token (all with keepEvents), at `kept`.
    pub data: Vec<String>,
    /// Indices (into times_ms) of the events in `data`: plain tokens cross as a time only.
    pub kept: Vec<u32>,
    pub kinds: Vec<u32>,
    pub invalid: Vec<String>,
    pub tail: String,
    pub end_ms: f64,
    pub body: String,
    pub error: String,
    pub error_kind: String,
    pub streamed: bool,
}

pub type ResultSink = Box<dyn FnMut(Vec<Outcome>) + Send>;

/// The handle JavaScript (or a test) holds: commands in, results out through `on_results`.
pub struct Core {
    tx: mpsc::Sender<Cmd>,
    wake: Arc<Fd>,
    /// Until when the I/O thread sleeps (i64::MIN while it is awake): a request handed over
    /// for later than that is picked up at that wake-up, without waking the thread now.
    sleep_until: Arc<AtomicI64>,
    thread: Option<JoinHandle<()>>,
}

impl Core {
    pub fn start(o: Options, on_results: ResultSink) -> io::Result<Core> {
        let (tx, rx) = mpsc::channel();
        let wake = Arc::new(sys::eventfd()?);
        let sleep_until = Arc::new(AtomicI64::new(i64::MIN));
        let mut lp = Loop::new(o, rx, wake.clone(), sleep_until.clone(), on_results)?;
        let thread = std::thread::Builder::new().name("k6lr-io".into()).spawn(move || lp.run())?;
        Ok(Core { tx, wake, sleep_until, thread: Some(thread) })
    }

    pub fn cmd(&self, c: Cmd) {
        // A send due after the thread's next wake-up needs no wake-up of its own: at 5,000
        // req/s that was a context switch per request on the engine's core. Nor does opening
        // connections ahead, unless the thread would sleep for long.
        let needed_at = match &c {
            Cmd::Send(job) => job.due_ns - MAX_EARLY_NS,
            Cmd::Reserve(..) => sys::mono_ns() + RESERVE_SLACK_NS,
            _ => i64::MIN,
        };
        if self.tx.send(c).is_ok() {
            // Pairs with the thread's fence between publishing sleep_until and its last look
            // at the channel: either it sees this command or this sees its sleep.
            fence(Ordering::SeqCst);
            if needed_at < self.sleep_until.load(Ordering::SeqCst) {
                sys::eventfd_signal(self.wake.0);
            }
        }
    }

    /// Closes every connection (requests in flight fail) and ends the thread.
    pub fn close(&mut self) {
        self.cmd(Cmd::Close);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        self.close();
    }
}

const WAKE: u64 = 0;
const TIMER: u64 = 1;
/// The thread wakes before a due send by how late its timer wake-ups usually are (their median,
/// within these bounds; ~20-40 us in a VM) and spins the rest. Waking earlier (a fixed 50 us,
/// or the 90th percentile) cost a spin of that length per request, and on a core shared with
/// the JS thread made the scheduler treat the thread as a hog whose wake-ups must wait: at
/// 5,000 req/s the thread then spent half its time spinning and sends came ms late.
const MIN_EARLY_NS: i64 = 2_000;
const MAX_EARLY_NS: i64 = 100_000;
/// Spinning to instants may take at most 1/SPIN_SHARE_DIV of the thread's time (a budget that
/// refills with time, up to SPIN_BURST_NS). At 10,000 req/s the spins were a fifth of the
/// thread's time, and a thread over its share of the core loses its wake-ups to the JS thread
/// and V8's helper threads for up to a scheduler tick (EEVDF; 4 ms here). Out of budget, the
/// thread wakes at the instant itself, and its timer's lateness is the send's.
const SPIN_SHARE_DIV: i64 = 20;
const SPIN_BURST_NS: i64 = 2_000_000;

/// What the thread may still spend spinning to instants (see SPIN_SHARE_DIV).
struct SpinBudget {
    left_ns: i64,
    refilled_at: i64,
}

impl SpinBudget {
    fn new(now: i64) -> SpinBudget {
        SpinBudget { left_ns: SPIN_BURST_NS, refilled_at: now }
    }

    fn refill(&mut self, now: i64) {
        self.left_ns = (self.left_ns + (now - self.refilled_at) / SPIN_SHARE_DIV).min(SPIN_BURST_NS);
        self.refilled_at = now;
    }

    fn spend(&mut self, ns: i64) {
        self.left_ns -= ns;
    }

    fn spent(&self) -> bool {
        self.left_ns <= 0
    }
}
/// Finished requests are handed to JavaScript at most this often (see flush).
const FLUSH_NS: i64 = 500_000;
/// Deadlines (timeouts, idle keep-alive) are checked this often. Timeouts are whole
/// milliseconds to minutes; every 2 ms was a wake-up (a context switch) every 2 ms whenever
/// anything was in flight, a tenth of the thread's CPU on 256 streams.
const SCAN_NS: i64 = 10_000_000;
/// Opening connections ahead (Reserve) can wait this long for the thread's own next wake-up.
const RESERVE_SLACK_NS: i64 = 2_000_000;
const MAX_BODY: usize = 64 * 1024;
const OPENS_PER_RESERVE: u32 = 8;
const MAX_RESERVE_CONNECTING: usize = 32;
const MAX_CONNS: usize = 4096;
/// Connections being set up at once for waiting requests, per origin. When the thread falls
/// behind (the engine's core taken), every connection looks busy with a response not read yet;
/// opening one per waiting request (thousands at 10,000 req/s) only made it later still, and
/// a server's accept queue overflows (connect failures).
const MAX_CONNECTING: usize = 64;
const READ_BUF: usize = 256 * 1024;
/// Decrypted bytes are handed to the parser in pieces of at most this much.
const PLAIN_BUF: usize = 32 * 1024;

fn ms_ns(ms: f64) -> i64 {
    (ms * 1e6) as i64
}

/// Event times as JS wants them (ms since the start), plus payloads when they matter.
struct Events {
    keep: bool,
    times: Vec<i64>,
    data: Vec<String>,
    kept: Vec<u32>,
    kinds: Vec<u32>,
    invalid: Vec<String>,
}

impl SseSink for Events {
    fn event(&mut self, time: i64, data: String) {
        let kind = classify(&data);
        // Plain token chunks need only their time: their text stays here unless asked for.
        if self.keep || kind & (NEEDS_JS_PARSE | MALFORMED) != 0 {
            self.kept.push(self.times.len() as u32);
            self.data.push(data);
        }
        self.times.push(time);
        self.kinds.push(kind);
    }
    fn invalid(&mut self, line: String) {
        if self.invalid.len() < 16 {
            self.invalid.push(clip(&line, 200));
        }
    }
}

/// A request on a connection, from its write to its end.
struct Exch {
    id: u32,
    start_ns: i64,
    connect_ms: f64,
    total_deadline: i64,
    headers_ns: i64,
    status: u16,
    streamed: bool,
    parser: ResponseParser,
    decoder: SseDecoder,
    ev: Events,
    body: Vec<u8>,
}

/// A request due but without a connection yet.
struct Waiting {
    job: Job,
    queued_ns: i64,
    total_deadline: i64,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Deadline {
    None,
    Connect,
    Headers,
    Body,
}

struct Conn {
    fd: Fd,
    origin: String,
    connecting: bool,
    connect_start: i64,
    /// Opened but not yet used: (start, ready); a request that waited for it counts its setup.
    setup: Option<(i64, i64)>,
    out: Vec<u8>,
    out_at: usize,
    exch: Option<Exch>,
    deadline: i64,
    deadline_kind: Deadline,
    idle_until: i64,
    writing: bool,
    /// The TLS session of an https connection (set once TCP is up; `connecting` stays true
    /// until its handshake is done).
    tls: Option<Box<ClientConnection>>,
}

struct Pool {
    addr: Result<SocketAddr, Failure>,
    /// The certificate name (and SNI) of an https origin.
    tls: Option<ServerName<'static>>,
    free: Vec<u64>,
    connecting: usize,
    all: usize,
    waiting: VecDeque<Waiting>,
}

struct Loop {
    o: Options,
    ep: sys::Epoll,
    wake: Arc<Fd>,
    sleep_until: Arc<AtomicI64>,
    timer: Fd,
    timer_at: i64,
    last_flush: i64,
    /// How late the timer usually wakes the thread for a send (see track_timer_lateness).
    timer_late_ns: i64,
    spin: SpinBudget,
    rx: mpsc::Receiver<Cmd>,
    conns: HashMap<u64, Conn>,
    next_token: u64,
    pools: HashMap<String, Pool>,
    due: BinaryHeap<Reverse<(i64, u64)>>,
    jobs: HashMap<u64, Job>,
    next_seq: u64,
    results: Vec<Outcome>,
    on_results: ResultSink,
    rt_offset: i64,
    buf: Vec<u8>,
    plain: Vec<u8>,
    /// Built at the first https connection (reads the system roots once).
    tls_config: Option<Result<Arc<ClientConfig>, String>>,
    next_scan: i64,
    closing: bool,
}

type Failure = (&'static str, String);

fn io_kind(code: &str) -> &'static str {
    match code {
        "ECONNREFUSED" | "EHOSTUNREACH" | "ENETUNREACH" => "connect",
        "ECONNRESET" => "reset",
        _ => "other",
    }
}

fn io_failure(e: &io::Error, what: &str) -> Failure {
    let code = sys::errno_code(e);
    (io_kind(code), format!("{code} {what}: {e}"))
}

impl Loop {
    fn new(o: Options, rx: mpsc::Receiver<Cmd>, wake: Arc<Fd>, sleep_until: Arc<AtomicI64>, on_results: ResultSink) -> io::Result<Loop> {
        let ep = sys::Epoll::new()?;
        let timer = sys::timerfd()?;
        ep.add(wake.0, libc::EPOLLIN as u32, WAKE)?;
        ep.add(timer.0, libc::EPOLLIN as u32, TIMER)?;
        Ok(Loop {
            o,
            ep,
            wake,
            sleep_until,
            timer,
            timer_at: 0,
            timer_late_ns: 30_000,
            spin: SpinBudget::new(sys::mono_ns()),
            last_flush: 0,
            rx,
            conns: HashMap::new(),
            next_token: 2,
            pools: HashMap::new(),
            due: BinaryHeap::new(),
            jobs: HashMap::new(),
            next_seq: 0,
            results: Vec::new(),
            on_results,
            rt_offset: sys::realtime_offset_ns(),
            buf: vec![0; READ_BUF],
            plain: vec![0; PLAIN_BUF],
            tls_config: None,
            next_scan: 0,
            closing: false,
        })
    }

    fn run(&mut self) {
        sys::precise_timers();
        sys::short_slice();
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 512];
        while !self.closing {
            if self.commands() && self.closing {
                break;
            }
            let now = sys::mono_ns();
            self.spin.refill(now);
            let busy = !self.conns.is_empty() || self.pools.values().any(|p| !p.waiting.is_empty());
            let scan_at = if busy { self.next_scan.max(now) } else { i64::MAX };
            let send_at = self.due.peek().map(|r| r.0 .0 - self.early_ns()).unwrap_or(i64::MAX);
            let flush_at = if self.results.is_empty() { i64::MAX } else { self.last_flush + FLUSH_NS };
            let wake_at = scan_at.min(send_at).min(flush_at);
            let timeout = if wake_at <= now {
                0
            } else {
                if wake_at != i64::MAX && wake_at != self.timer_at {
                    sys::timerfd_at(self.timer.0, wake_at);
                    self.timer_at = wake_at;
                }
                self.sleep_until.store(wake_at, Ordering::SeqCst);
                fence(Ordering::SeqCst);
                if self.commands() {
                    self.sleep_until.store(i64::MIN, Ordering::SeqCst);
                    continue;
                }
                -1
            };
            let n = self.ep.wait(&mut events, timeout);
            let woke = sys::mono_ns();
            self.sleep_until.store(i64::MIN, Ordering::SeqCst);
            self.send_due();
            for ev in &events[..n] {
                match ev.u64 {
                    WAKE => sys::drain(self.wake.0),
                    TIMER => {
                        sys::drain(self.timer.0);
                        if self.timer_at == send_at {
                            self.track_timer_lateness(woke - send_at);
                        }
                        self.timer_at = 0;
                    }
                    token => self.on_conn_event(token, ev.events),
                }
                self.send_due();
            }
            let now = sys::mono_ns();
            if now >= self.next_scan {
                self.scan(now);
                self.next_scan = now + SCAN_NS;
            }
            self.flush(now);
        }
        self.shut_down();
    }

    /// Follows the timer's usual lateness (its median, by 1 us steps), so a stall of the
    /// thread (the core busy elsewhere) does not make every later send spin longer.
    fn track_timer_lateness(&mut self, late_ns: i64) {
        let step = if late_ns > self.timer_late_ns { 1_000 } else { -1_000 };
        self.timer_late_ns = (self.timer_late_ns + step).clamp(0, MAX_EARLY_NS);
    }

    /// How long before a send the thread wakes: its timer's usual lateness (none once the
    /// spin budget is spent).
    fn early_ns(&self) -> i64 {
        if self.spin.spent() {
            return 0;
        }
        self.timer_late_ns.clamp(MIN_EARLY_NS, MAX_EARLY_NS)
    }

    /// Hands finished requests over, at most once per FLUSH_NS while they keep coming: each
    /// hand-over wakes the JS thread, which at thousands of requests a second was a wake-up
    /// per request on the engine's core. Their times were stamped already; only their
    /// delivery waits (the first after a pause goes at once).
    fn flush(&mut self, now: i64) {
        if !self.results.is_empty() && now >= self.last_flush + FLUSH_NS {
            (self.on_results)(std::mem::take(&mut self.results));
            self.last_flush = now;
        }
    }

    /// Takes the commands handed over; true if there were any.
    fn commands(&mut self) -> bool {
        let mut any = false;
        while let Ok(c) = self.rx.try_recv() {
            any = true;
            match c {
                Cmd::Send(job) => {
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    self.due.push(Reverse((job.due_ns, seq)));
                    self.jobs.insert(seq, job);
                }
                Cmd::Reserve(origin, n) => self.reserve(&origin, n as usize),
                Cmd::Abort(id) => self.abort(Some(id)),
                Cmd::AbortAll => self.abort(None),
                Cmd::Close => self.closing = true,
            }
        }
        any
    }

    /// Sends every request whose instant has come, spinning the last of the early wake-up to it.
    fn send_due(&mut self) {
        while let Some(Reverse((due, seq))) = self.due.peek().copied() {
            if due - self.early_ns() > sys::mono_ns() {
                break;
            }
            self.due.pop();
            let Some(job) = self.jobs.remove(&seq) else { continue };
            let start = sys::mono_ns();
            let mut now = start;
            while now < due {
                std::hint::spin_loop();
                now = sys::mono_ns();
            }
            self.spin.spend(now - start);
            self.dispatch(job);
        }
    }

    fn pool(&mut self, origin: &str) -> &mut Pool {
        self.pools.entry(origin.to_string()).or_insert_with(|| {
            let (https, host_port) = origin.strip_prefix("https://").map_or((false, origin), |r| (true, r));
            let mut addr = host_port
                .to_socket_addrs()
                .map_err(|e| e.to_string())
                .and_then(|mut a| a.next().ok_or_else(|| "no address".to_string()))
                .map_err(|e| ("connect", format!("ENOTFOUND {host_port}: {e}")));
            let host = host_port.rsplit_once(':').map_or(host_port, |(h, _)| h);
            let tls = if https { tls::server_name(host).map_err(|e| addr = Err(("tls", e))).ok() } else { None };
            Pool { addr, tls, free: Vec::new(),
            connecting: 0,
            all: 0,
            waiting: VecDeque::new(),
        }})
    }

    fn dispatch(&mut self, job: Job) {
        let now = sys::mono_ns();
        let reuse = self.o.reuse;
        let total_deadline = job.due_ns.max(0) + ms_ns(self.o.total_ms);
        if let Err(e) = self.pool(&job.origin).addr.clone() {
            return self.fail_unsent(job, e);
        }
        if reuse {
            if let Some(token) = self.take_free(&job.origin) {
                return self.send_on(token, job, None);
            }
        }
        let origin = job.origin.clone();
        self.pool(&origin).waiting.push_back(Waiting { job, queued_ns: now, total_deadline });
        self.open_for_waiting(&origin);
    }

    /// Opens a connection per waiting request (open loop: a request does not wait for another's
    /// response), at most MAX_CONNECTING at a time; the rest take whichever comes first, a
    /// connection set up or one a response frees.
    fn open_for_waiting(&mut self, origin: &str) {
        loop {
            let p = self.pool(origin);
            if p.waiting.len() <= p.connecting || p.connecting >= MAX_CONNECTING || p.all >= MAX_CONNS || p.addr.is_err() {
                return;
            }
            self.open(origin);
        }
    }

    fn take_free(&mut self, origin: &str) -> Option<u64> {
        while let Some(t) = self.pool(origin).free.pop() {
            if self.conns.contains_key(&t) {
                return Some(t);
            }
        }
        None
    }

    fn reserve(&mut self, origin: &str, n: usize) {
        if !self.o.reuse {
            return;
        }
        for _ in 0..OPENS_PER_RESERVE {
            let p = self.pool(origin);
            if p.addr.is_err() || p.connecting >= MAX_RESERVE_CONNECTING || p.free.len() + p.connecting >= n + p.waiting.len() || p.all >= MAX_CONNS {
                return;
            }
            self.open(origin);
        }
    }

    fn open(&mut self, origin: &str) {
        let start = sys::mono_ns();
        let connect_deadline = start + ms_ns(self.o.connect_ms);
        let Ok(addr) = self.pool(origin).addr.clone() else { return };
        let opened = sys::connect(&addr).and_then(|fd| {
            let token = self.next_token;
            self.ep.add(fd.0, (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP) as u32, token)?;
            Ok((fd, token))
        });
        match opened {
            Ok((fd, token)) => {
                self.next_token += 1;
                let p = self.pool(origin);
                p.connecting += 1;
                p.all += 1;
                self.conns.insert(
                    token,
                    Conn {
                        fd,
                        origin: origin.to_string(),
                        connecting: true,
                        connect_start: start,
                        setup: None,
                        out: Vec::new(),
                        out_at: 0,
                        exch: None,
                        deadline: connect_deadline,
                        deadline_kind: Deadline::Connect,
                        idle_until: i64::MAX,
                        writing: true,
                        tls: None,
                    },
                );
            }
            Err(e) => {
                let f = io_failure(&e, &format!("connect {addr}"));
                self.fail_first_waiting(origin, f);
            }
        }
    }

    /// A connection could not be set up: the first request waiting for one fails with it, and
    /// the others get connections of their own.
    fn connect_failed(&mut self, origin: &str, f: Failure) {
        self.fail_first_waiting(origin, f);
        self.open_for_waiting(origin);
    }

    fn fail_first_waiting(&mut self, origin: &str, f: Failure) {
        let kind = if f.0 == "other" { "connect" } else { f.0 };
        if let Some(w) = self.pool(origin).waiting.pop_front() {
            self.fail_unsent(w.job, (kind, f.1));
        }
    }

    fn on_conn_event(&mut self, token: u64, events: u32) {
        let Some(c) = self.conns.get_mut(&token) else { return };
        if c.connecting && c.tls.is_some() {
            return self.handshake(token);
        }
        if c.connecting {
            if events & (libc::EPOLLOUT | libc::EPOLLERR | libc::EPOLLHUP) as u32 == 0 {
                return;
            }
            let err = match sys::take_error(c.fd.0) {
                Ok(None) if events & libc::EPOLLHUP as u32 != 0 => Some(io::Error::from_raw_os_error(libc::ECONNREFUSED)),
                Ok(e) => e,
                Err(e) => Some(e),
            };
            let origin = c.origin.clone();
            if let Some(e) = err {
                let f = io_failure(&e, &format!("connect {origin}"));
                self.close_conn(token);
                return self.connect_failed(&origin, f);
            }
            if let Some(name) = self.pool(&origin).tls.clone() {
                return self.start_tls(token, &name);
            }
            return self.connected(token);
        }
        if events & libc::EPOLLOUT as u32 != 0 && c.writing {
            self.write_more(token);
        }
        if events & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0 {
            self.read(token);
        }
    }

    /// TCP (and TLS) is up: the connection joins the pool.
    fn connected(&mut self, token: u64) {
        let Some(c) = self.conns.get_mut(&token) else { return };
        c.connecting = false;
        c.writing = false;
        c.setup = Some((c.connect_start, sys::mono_ns()));
        c.deadline_kind = Deadline::None;
        let _ = self.ep.modify(c.fd.0, (libc::EPOLLIN | libc::EPOLLRDHUP) as u32, token);
        let origin = c.origin.clone();
        self.pool(&origin).connecting -= 1;
        self.idle(token)
    }

    /// TCP is up on an https connection: its TLS session starts (within the connect timeout).
    fn start_tls(&mut self, token: u64, name: &ServerName<'static>) {
        let ca_file = self.o.ca_file.clone();
        let config = self.tls_config.get_or_insert_with(|| tls::client_config(ca_file.as_deref())).clone();
        match config.and_then(|cfg| tls::session(&cfg, name)) {
            Ok(mut s) => {
                // A request body of any size is taken whole (the JS transport buffers it too).
                s.set_buffer_limit(None);
                if let Some(c) = self.conns.get_mut(&token) {
                    c.tls = Some(Box::new(s));
                }
                self.handshake(token)
            }
            Err(e) => self.fail(token, ("tls", e)),
        }
    }

    /// Moves a TLS handshake on: reads the server's flight, writes ours, joins the pool once done.
    fn handshake(&mut self, token: u64) {
        self.read(token);
        let Some(c) = self.conns.get_mut(&token) else { return };
        let Some(s) = c.tls.as_mut() else { return };
        let flushed = match tls::flush(s, c.fd.0) {
            Ok(f) => f,
            Err(e) => return self.fail(token, io_failure(&e, "TLS handshake write")),
        };
        if !s.is_handshaking() && flushed {
            return self.connected(token);
        }
        let out = if flushed { 0 } else { libc::EPOLLOUT };
        let _ = self.ep.modify(c.fd.0, (libc::EPOLLIN | libc::EPOLLRDHUP | out) as u32, token);
    }

    /// A connection is free: the first waiting request takes it, or it waits in the pool.
    fn idle(&mut self, token: u64) {
        let Some(origin) = self.conns.get(&token).map(|c| c.origin.clone()) else { return };
        if let Some(w) = self.pool(&origin).waiting.pop_front() {
            return self.send_on(token, w.job, Some((w.queued_ns, w.total_deadline)));
        }
        let until = sys::mono_ns() + ms_ns(self.o.keep_alive_ms);
        if let Some(c) = self.conns.get_mut(&token) {
            c.idle_until = until;
        }
        self.pool(&origin).free.push(token);
    }

    /// Writes a request on a connection: the send instant is stamped right before the write.
    fn send_on(&mut self, token: u64, job: Job, waited: Option<(i64, i64)>) {
        let (first_byte, total) = (ms_ns(self.o.first_byte_ms), ms_ns(self.o.total_ms));
        let Some(c) = self.conns.get_mut(&token) else { return };
        let setup = c.setup.take();
        let sent = sys::mono_ns();
        let (start, connect_ms) = match (setup, waited) {
            (Some((s, ready)), Some((queued, _))) => {
                let start = s.max(queued);
                (start, ((ready - start).max(0)) as f64 / 1e6)
            }
            _ => (sent, 0.0),
        };
        let total_deadline = waited.map(|w| w.1).unwrap_or(job.due_ns.max(0) + total);
        c.exch = Some(Exch {
            id: job.id,
            start_ns: start,
            connect_ms,
            total_deadline,
            headers_ns: -1,
            status: 0,
            streamed: false,
            parser: ResponseParser::new(),
            decoder: SseDecoder::new(),
            ev: Events { keep: job.keep_events, times: Vec::new(), data: Vec::new(), kept: Vec::new(), kinds: Vec::new(), invalid: Vec::new() },
            body: Vec::new(),
        });
        c.idle_until = i64::MAX;
        c.deadline = sent + first_byte;
        c.deadline_kind = Deadline::Headers;
        match c.tls.as_mut() {
            // Encrypted at the instant into the session's buffer; the plaintext is dropped.
            Some(s) => {
                if let Err(e) = io::Write::write_all(&mut s.writer(), &job.bytes) {
                    return self.fail(token, ("tls", format!("ERR_TLS_WRITE {e}")));
                }
            }
            None => {
                c.out = job.bytes;
                c.out_at = 0;
            }
        }
        self.write_more(token);
    }

    /// Writes what is left of the request; its bytes are dropped as soon as all are written.
    fn write_more(&mut self, token: u64) {
        let Some(c) = self.conns.get_mut(&token) else { return };
        loop {
            let sent = match c.tls.as_mut() {
                Some(s) => match tls::flush(s, c.fd.0) {
                    Ok(true) => break,
                    Ok(false) => Err(io::ErrorKind::WouldBlock.into()),
                    Err(e) => Err(e),
                },
                None if c.out_at < c.out.len() => sys::send(c.fd.0, &c.out[c.out_at..]),
                None => break,
            };
            match sent {
                Ok(n) => c.out_at += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !c.writing {
                        c.writing = true;
                        let _ = self.ep.modify(c.fd.0, (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP) as u32, token);
                    }
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let f = io_failure(&e, "write");
                    return self.fail(token, f);
                }
            }
        }
        c.out = Vec::new();
        c.out_at = 0;
        if c.writing {
            c.writing = false;
            let _ = self.ep.modify(c.fd.0, (libc::EPOLLIN | libc::EPOLLRDHUP) as u32, token);
        }
    }

    /// Reads what the socket holds. A first look (MSG_PEEK) finds where SSE events end; the
    /// bytes are then taken up to each event's end, so each read (and so each event) carries
    /// the kernel stamp of the packet that ended it, even when a late thread finds several
    /// packets waiting (a read's stamp is its last packet's) — unless a second look shows the
    /// first event came with the last packet: then one read takes everything.
    ///
    /// On TLS the pieces are TLS records instead: each is taken whole in its own read, so its
    /// plaintext (and each SSE event it completes) carries the stamp of the packet that
    /// completed the record.
    fn read(&mut self, token: u64) {
        let mut buf = std::mem::take(&mut self.buf);
        self.read_into(token, &mut buf);
        self.buf = buf;
    }

    fn read_into(&mut self, token: u64, buf: &mut [u8]) {
        loop {
            let Some((fd, is_tls)) = self.conns.get(&token).map(|c| (c.fd.0, c.tls.is_some())) else { return };
            let piece_end = if is_tls { tls::record_end } else { event_end };
            let (avail, last_stamp) = match sys::peek_stamped(fd, buf) {
                Ok((0, _)) => return self.on_eof(token),
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let f = io_failure(&e, "read");
                    return self.fail(token, f);
                }
            };
            // Several pieces whose first came with the last packet (the same stamp) all came
            // at once: one read takes them (a canned or batched reply, a finish chunk with its
            // usage and [DONE]), instead of a read per event.
            let one_packet = match piece_end(&buf[..avail]) {
                Some(first) if first < avail => matches!(sys::peek_stamped(fd, &mut buf[..first]), Ok((_, s)) if s == last_stamp),
                _ => true,
            };
            let mut at = 0;
            while at < avail {
                let end = if one_packet { avail } else { piece_end(&buf[at..avail]).map_or(avail, |e| at + e) };
                let (n, stamp) = match sys::recv_stamped(fd, &mut buf[at..end]) {
                    Ok(r) => r,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let f = io_failure(&e, "read");
                        return self.fail(token, f);
                    }
                };
                if n == 0 {
                    return self.on_eof(token);
                }
                let t = stamp.map(|r| r - self.rt_offset).unwrap_or_else(sys::mono_ns);
                let more = if is_tls { self.decrypt(token, &buf[at..at + n], t) } else { self.feed(token, &buf[at..at + n], t) };
                if !more {
                    return;
                }
                at += n;
            }
            if avail < buf.len() {
                // Read what was there; a further read would only say EAGAIN.
                return;
            }
        }
    }

    /// Hands TLS bytes received at `t` to the session and its plaintext to the parser; false
    /// once the connection is done with or the session closed. A handshake in progress
    /// yields no plaintext.
    fn decrypt(&mut self, token: u64, mut wire: &[u8], t: i64) -> bool {
        let mut plain = std::mem::take(&mut self.plain);
        let more = self.decrypt_into(token, &mut wire, t, &mut plain);
        self.plain = plain;
        more
    }

    fn decrypt_into(&mut self, token: u64, wire: &mut &[u8], t: i64, plain: &mut [u8]) -> bool {
        while !wire.is_empty() {
            let Some(s) = self.conns.get_mut(&token).and_then(|c| c.tls.as_mut()) else { return false };
            if let Err(e) = s.read_tls(wire) {
                self.fail(token, ("tls", format!("ERR_TLS_READ {e}")));
                return false;
            }
            if let Err(e) = s.process_new_packets() {
                self.fail(token, tls::failure(&e));
                return false;
            }
            loop {
                let Some(s) = self.conns.get_mut(&token).and_then(|c| c.tls.as_mut()) else { return false };
                match io::Read::read(&mut s.reader(), plain) {
                    // The server's close_notify: the end of the stream, as a TCP close.
                    Ok(0) => {
                        self.on_eof(token);
                        return false;
                    }
                    // A response complete on a kept connection: later plaintext finds no
                    // request and closes it, as on plain TCP.
                    Ok(n) => {
                        self.feed(token, &plain[..n], t);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        self.fail(token, ("eof", format!("UND_ERR_SOCKET {e}")));
                        return false;
                    }
                }
            }
        }
        // What the session has to say back after a handshake (key updates, alerts) goes now.
        let Some(c) = self.conns.get(&token) else { return false };
        if !c.connecting && c.tls.as_ref().is_some_and(|s| s.wants_write()) {
            self.write_more(token);
        }
        self.conns.contains_key(&token)
    }

    /// Hands `bytes`, received at `t`, to the request's parser; false once the connection is
    /// done with (response complete, failed or closed).
    fn feed(&mut self, token: u64, bytes: &[u8], t: i64) -> bool {
        let Some(c) = self.conns.get_mut(&token) else { return false };
        let Some(x) = c.exch.as_mut() else {
            // Bytes nobody asked for: the connection is out of step.
            self.close_conn(token);
            return false;
        };
        let had_head = x.status != 0;
        let (status, streamed, headers_ns, decoder, ev, body) = (&mut x.status, &mut x.streamed, &mut x.headers_ns, &mut x.decoder, &mut x.ev, &mut x.body);
        let pushed = x.parser.push(bytes, &mut |piece| match piece {
            Piece::Head(h) => {
                *status = h.status;
                *streamed = h.event_stream;
                *headers_ns = t;
            }
            Piece::Data(d) => {
                if *streamed && (200..300).contains(status) {
                    decoder.push(d, t, ev);
                } else if body.len() < MAX_BODY {
                    body.extend_from_slice(d);
                }
            }
        });
        match pushed {
            Err(e) => {
                self.fail(token, ("protocol", format!("{} {}", e.code, e.message)));
                false
            }
            Ok(used) if x.parser.done() => {
                let keep = x.parser.keep_alive() && used == bytes.len();
                self.complete(token, keep, t);
                false
            }
            Ok(_) => {
                if !had_head && x.status != 0 || c.deadline_kind == Deadline::Body {
                    c.deadline = sys::mono_ns() + ms_ns(self.o.idle_ms);
                    c.deadline_kind = Deadline::Body;
                }
                true
            }
        }
    }

    fn on_eof(&mut self, token: u64) {
        let Some(c) = self.conns.get_mut(&token) else { return };
        if c.connecting {
            // Only a TLS handshake reads while connecting; Node says this of it.
            return self.fail(token, ("reset", "ECONNRESET Client network socket disconnected before secure TLS connection was established".into()));
        }
        match &c.exch {
            Some(x) if x.parser.reads_until_close() => self.complete(token, false, sys::mono_ns()),
            Some(_) => self.fail(token, ("eof", "UND_ERR_SOCKET other side closed".into())),
            None => self.close_conn(token),
        }
    }

    fn complete(&mut self, token: u64, keep_alive: bool, end_ns: i64) {
        let Some(c) = self.conns.get_mut(&token) else { return };
        let Some(x) = c.exch.take() else { return };
        c.deadline_kind = Deadline::None;
        self.results.push(outcome(x, None, end_ns));
        if keep_alive && self.o.reuse {
            self.idle(token);
        } else {
            self.close_conn(token);
        }
    }

    /// A connection's failure: its request fails, or, while it is being set up, the first
    /// request waiting for one.
    fn fail(&mut self, token: u64, f: Failure) {
        if let Some(origin) = self.conns.get(&token).filter(|c| c.connecting).map(|c| c.origin.clone()) {
            self.close_conn(token);
            return self.connect_failed(&origin, f);
        }
        if let Some(x) = self.conns.get_mut(&token).and_then(|c| c.exch.take()) {
            self.results.push(outcome(x, Some(f), sys::mono_ns()));
        }
        self.close_conn(token);
    }

    /// A request that never reached a connection.
    fn fail_unsent(&mut self, job: Job, (kind, error): Failure) {
        let now = sys::mono_ns();
        let start = job.due_ns.min(now);
        self.results.push(Outcome {
            id: job.id,
            start_ns: start,
            headers_ms: -1.0,
            end_ms: (now - start) as f64 / 1e6,
            error,
            error_kind: kind.to_string(),
            ..Default::default()
        });
    }

    fn close_conn(&mut self, token: u64) {
        let Some(c) = self.conns.remove(&token) else { return };
        self.ep.delete(c.fd.0);
        let connecting = c.connecting;
        let p = self.pool(&c.origin);
        p.all -= 1;
        if connecting {
            p.connecting -= 1;
        }
        if let Some(i) = p.free.iter().position(|&t| t == token) {
            p.free.swap_remove(i);
        }
        // Requests that waited for this one to come free get connections of their own.
        if !p.waiting.is_empty() {
            let origin = c.origin.clone();
            self.open_for_waiting(&origin);
        }
    }

    /// Timeouts and idle connections, checked every SCAN_NS.
    fn scan(&mut self, now: i64) {
        let mut expired: Vec<(u64, Deadline, bool)> = Vec::new();
        for (&t, c) in &self.conns {
            let total = c.exch.as_ref().is_some_and(|x| now > x.total_deadline);
            if total || (c.deadline_kind != Deadline::None && now > c.deadline) {
                expired.push((t, c.deadline_kind, total));
            } else if c.exch.is_none() && !c.connecting && now > c.idle_until {
                expired.push((t, Deadline::None, false));
            }
        }
        for (t, kind, total) in expired {
            let (connect, first, idle, whole) = (self.o.connect_ms, self.o.first_byte_ms, self.o.idle_ms, self.o.total_ms);
            if total {
                self.fail(t, ("timeout", format!("K6LR_TIMEOUT no complete response within {whole} ms")));
                continue;
            }
            match kind {
                Deadline::Connect => {
                    let origin = self.conns[&t].origin.clone();
                    self.close_conn(t);
                    self.connect_failed(&origin, ("connect", format!("UND_ERR_CONNECT_TIMEOUT connection not set up within {connect} ms")));
                }
                Deadline::Headers => self.fail(t, ("timeout", format!("UND_ERR_HEADERS_TIMEOUT no response head within {first} ms"))),
                Deadline::Body => self.fail(t, ("timeout", format!("UND_ERR_BODY_TIMEOUT no body bytes within {idle} ms"))),
                Deadline::None => self.close_conn(t),
            }
        }
        let total = self.o.total_ms;
        let mut late = Vec::new();
        for p in self.pools.values_mut() {
            while let Some(i) = p.waiting.iter().position(|w| now > w.total_deadline) {
                late.push(p.waiting.remove(i).unwrap().job);
            }
        }
        for job in late {
            self.fail_unsent(job, ("timeout", format!("K6LR_TIMEOUT no complete response within {total} ms")));
        }
    }

    /// Aborts one request (or all): wherever it is, it ends as "aborted".
    fn abort(&mut self, id: Option<u32>) {
        let hit = |j: u32| id.is_none_or(|i| i == j);
        let aborted = || ("aborted", "AbortError request aborted: the run was interrupted".to_string());
        let seqs: Vec<u64> = self.jobs.iter().filter(|(_, j)| hit(j.id)).map(|(&s, _)| s).collect();
        for s in seqs {
            let job = self.jobs.remove(&s).unwrap();
            self.fail_unsent(job, aborted());
        }
        let mut unsent = Vec::new();
        for p in self.pools.values_mut() {
            while let Some(i) = p.waiting.iter().position(|w| hit(w.job.id)) {
                unsent.push(p.waiting.remove(i).unwrap().job);
            }
        }
        for job in unsent {
            self.fail_unsent(job, aborted());
        }
        let tokens: Vec<u64> = self.conns.iter().filter(|(_, c)| c.exch.as_ref().is_some_and(|x| hit(x.id))).map(|(&t, _)| t).collect();
        for t in tokens {
            self.fail(t, aborted());
        }
    }

    fn shut_down(&mut self) {
        let closed = || ("other", "UND_ERR_DESTROYED transport closed".to_string());
        let jobs: Vec<Job> = self.jobs.drain().map(|(_, j)| j).collect();
        for j in jobs {
            self.fail_unsent(j, closed());
        }
        let waiting: Vec<Job> = self.pools.values_mut().flat_map(|p| p.waiting.drain(..).map(|w| w.job)).collect();
        for j in waiting {
            self.fail_unsent(j, closed());
        }
        let tokens: Vec<u64> = self.conns.keys().copied().collect();
        for t in tokens {
            self.fail(t, closed());
        }
        self.flush(i64::MAX);
    }
}

/// Where the first SSE event in `b` ends (just after its blank line), if one does.
fn event_end(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\n\n").map(|i| i + 2)
}

fn outcome(x: Exch, failure: Option<Failure>, end_ns: i64) -> Outcome {
    let ms = |t: i64| (t - x.start_ns) as f64 / 1e6;
    let ok_status = (200..300).contains(&x.status);
    let (error_kind, error) = failure.map(|(k, e)| (k.to_string(), e)).unwrap_or_default();
    Outcome {
        id: x.id,
        status: if !error_kind.is_empty() && !ok_status { 0 } else { x.status as u32 },
        start_ns: x.start_ns,
        connect_ms: x.connect_ms,
        headers_ms: if x.headers_ns >= 0 { ms(x.headers_ns) } else { -1.0 },
        times_ms: x.ev.times.iter().map(|&t| ms(t)).collect(),
        data: x.ev.data,
        kept: x.ev.kept,
        kinds: x.ev.kinds,
        invalid: x.ev.invalid,
        tail: if x.streamed { x.decoder.tail() } else { String::new() },
        end_ms: ms(end_ns.max(x.start_ns)),
        body: String::from_utf8_lossy(&x.body).into_owned(),
        error,
        error_kind,
        streamed: x.streamed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spinning_is_held_to_its_share_of_the_time() {
        let mut b = SpinBudget::new(0);
        b.spend(SPIN_BURST_NS);
        assert!(b.spent(), "the burst is spent");
        // A twentieth of the time passed refills it: 1 ms later, 50 us.
        b.refill(1_000_000);
        assert!(!b.spent());
        b.spend(50_000);
        assert!(b.spent());
        // However long the thread spun nothing, it holds no more than the burst.
        b.refill(10_000_000_000);
        b.spend(SPIN_BURST_NS - 1);
        assert!(!b.spent());
        b.spend(1);
        assert!(b.spent());
    }
}

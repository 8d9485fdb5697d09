//! The few Linux calls the I/O thread makes, wrapped: clocks, non-blocking TCP sockets with
//! kernel receive stamps (SO_TIMESTAMPNS read through recvmsg), epoll, eventfd and timerfd.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::os::fd::RawFd;

fn clock(id: libc::clockid_t) -> i64 {
    let mut ts: libc::timespec = unsafe { zeroed() };
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// CLOCK_MONOTONIC in ns: the clock of Node's performance.now() (libuv's hrtime).
pub fn mono_ns() -> i64 {
    clock(libc::CLOCK_MONOTONIC)
}

pub fn real_ns() -> i64 {
    clock(libc::CLOCK_REALTIME)
}

/// realtime − monotonic, from the closest of a few bracketed readings. Kernel receive stamps
/// are realtime; subtracting this maps them onto the monotonic axis. Taken once per run: a
/// clock step during the run (not a slew) would shift later stamps by the step.
pub fn realtime_offset_ns() -> i64 {
    let mut best = (i64::MAX, 0);
    for _ in 0..9 {
        let a = mono_ns();
        let r = real_ns();
        let b = mono_ns();
        if b - a < best.0 {
            best = (b - a, r - (a + (b - a) / 2));
        }
    }
    best.1
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// An owned file descriptor, closed on drop.
pub struct Fd(pub RawFd);

impl Drop for Fd {
    fn drop(&mut self) {
        unsafe { libc::close(self.0) };
    }
}

fn set_int(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
    cvt(unsafe { libc::setsockopt(fd, level, name, &value as *const _ as *const libc::c_void, size_of::<libc::c_int>() as u32) }).map(|_| ())
}

/// Starts a non-blocking connect with TCP_NODELAY and kernel receive stamps on.
pub fn connect(addr: &SocketAddr) -> io::Result<Fd> {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    let fd = Fd(cvt(unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) })?);
    set_int(fd.0, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
    set_int(fd.0, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
    let (storage, len) = sockaddr(addr);
    let r = unsafe { libc::connect(fd.0, &storage as *const _ as *const libc::sockaddr, len) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(e);
        }
    }
    Ok(fd)
}

fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                sin_zero: [0; 8],
            };
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            (storage, size_of::<libc::sockaddr_in>() as u32)
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            (storage, size_of::<libc::sockaddr_in6>() as u32)
        }
    }
}

/// The pending error of a connecting socket (SO_ERROR), None once connected.
pub fn take_error(fd: RawFd) -> io::Result<Option<io::Error>> {
    let mut v: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    cvt(unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_ERROR, &mut v as *mut _ as *mut libc::c_void, &mut len) })?;
    Ok(if v == 0 { None } else { Some(io::Error::from_raw_os_error(v)) })
}

/// Reads into `buf`; returns the byte count and the kernel's realtime stamp (ns) of the
/// received data (its last packet's) when the kernel gave one.
pub fn recv_stamped(fd: RawFd, buf: &mut [u8]) -> io::Result<(usize, Option<i64>)> {
    recvmsg_stamped(fd, buf, 0)
}

/// Looks at what the socket holds without taking it (0: the peer closed), with the stamp of
/// the last packet looked at.
pub fn peek_stamped(fd: RawFd, buf: &mut [u8]) -> io::Result<(usize, Option<i64>)> {
    recvmsg_stamped(fd, buf, libc::MSG_PEEK)
}

fn recvmsg_stamped(fd: RawFd, buf: &mut [u8], flags: libc::c_int) -> io::Result<(usize, Option<i64>)> {
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: buf.len() };
    // Room for one timespec control message (and then some).
    let mut control = [0u64; 16];
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = size_of::<[u64; 16]>();
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_CMSG_CLOEXEC | flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut stamp = None;
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                stamp = Some(ts.tv_sec * 1_000_000_000 + ts.tv_nsec);
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok((n as usize, stamp))
}

/// Writes what the socket takes now (never raises SIGPIPE).
pub fn send(fd: RawFd, bytes: &[u8]) -> io::Result<usize> {
    let n = unsafe { libc::send(fd, bytes.as_ptr() as *const libc::c_void, bytes.len(), libc::MSG_NOSIGNAL) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

pub struct Epoll(Fd);

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        Ok(Epoll(Fd(cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?)))
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        cvt(unsafe { libc::epoll_ctl(self.0 .0, op, fd, &mut ev) }).map(|_| ())
    }

    pub fn add(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, token)
    }

    pub fn modify(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, events, token)
    }

    pub fn delete(&self, fd: RawFd) {
        let _ = self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0);
    }

    /// Waits for events (timeout in ms, -1: none).
    pub fn wait(&self, events: &mut [libc::epoll_event], timeout_ms: i32) -> usize {
        let n = unsafe { libc::epoll_wait(self.0 .0, events.as_mut_ptr(), events.len() as i32, timeout_ms) };
        n.max(0) as usize
    }
}

/// An eventfd: other threads wake the I/O thread through it.
pub fn eventfd() -> io::Result<Fd> {
    Ok(Fd(cvt(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?))
}

pub fn eventfd_signal(fd: RawFd) {
    let one: u64 = 1;
    unsafe { libc::write(fd, &one as *const u64 as *const libc::c_void, 8) };
}

/// Drains an eventfd or a timerfd.
pub fn drain(fd: RawFd) {
    let mut v: u64 = 0;
    unsafe { libc::read(fd, &mut v as *mut u64 as *mut libc::c_void, 8) };
}

/// A monotonic timerfd: the I/O thread's precise wake-up (epoll's own timeout is whole ms).
pub fn timerfd() -> io::Result<Fd> {
    Ok(Fd(cvt(unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) })?))
}

/// Arms the timer to fire at the absolute monotonic instant `at_ns` (0 disarms).
pub fn timerfd_at(fd: RawFd, at_ns: i64) {
    let at = at_ns.max(if at_ns == 0 { 0 } else { 1 });
    let spec = libc::itimerspec {
        it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
        it_value: libc::timespec { tv_sec: at / 1_000_000_000, tv_nsec: at % 1_000_000_000 },
    };
    unsafe { libc::timerfd_settime(fd, libc::TFD_TIMER_ABSTIME, &spec, std::ptr::null_mut()) };
}

/// Lets this thread's timers fire at their instant instead of up to 50 us late (timer slack).
pub fn precise_timers() {
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
}

/// Asks the scheduler (Linux 6.12+, EEVDF) for the shortest time slice for this thread, so that
/// its wake-up preempts a busy JavaScript thread on the same core instead of waiting for that
/// thread's slice to end. Unprivileged; older kernels ignore it. (Real-time priority, tried
/// too, starved the core's softirq thread: packets waited and sends came up to a second late.)
pub fn short_slice() {
    #[repr(C)]
    struct SchedAttr {
        size: u32,
        policy: u32,
        flags: u64,
        nice: i32,
        priority: u32,
        runtime: u64,
        deadline: u64,
        period: u64,
    }
    // The shortest slice the kernel grants (0.1 ms); for SCHED_OTHER, sched_runtime is the slice.
    // The thread keeps its nice (a process started with nice 10 may not go back to 0).
    let attr = SchedAttr { size: size_of::<SchedAttr>() as u32, policy: libc::SCHED_OTHER as u32, flags: 0, nice: own_nice(), priority: 0, runtime: 100_000, deadline: 0, period: 0 };
    unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) };
}

/// The calling thread's nice (0 if it cannot be read): on Linux nice is per thread, and
/// PRIO_PROCESS with who 0 is the calling thread.
fn own_nice() -> i32 {
    // getpriority returns the nice value itself, so -1 is an error only if errno says so.
    unsafe {
        *libc::__errno_location() = 0;
        let n = libc::getpriority(libc::PRIO_PROCESS, 0);
        if n == -1 && *libc::__errno_location() != 0 {
            0
        } else {
            n
        }
    }
}

/// The errno name the JS transport's error kinds are keyed by.
pub fn errno_code(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::ECONNREFUSED) => "ECONNREFUSED",
        Some(libc::ECONNRESET) => "ECONNRESET",
        Some(libc::EHOSTUNREACH) => "EHOSTUNREACH",
        Some(libc::ENETUNREACH) => "ENETUNREACH",
        Some(libc::EPIPE) => "EPIPE",
        Some(libc::ETIMEDOUT) => "ETIMEDOUT",
        Some(libc::ECONNABORTED) => "ECONNABORTED",
        _ => "EIO",
    }
}

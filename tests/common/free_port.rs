//! What the test servers' harnesses (Redis, PostgreSQL) share: a free loopback port, and
//! waiting for a server just spawned to be ready.

use std::net::{Ipv4Addr, TcpListener};
use std::process::{Child, ExitStatus};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A port that is free now, outside the kernel's ephemeral range (32768–60999 on Linux): a
/// killed server's port then cannot be taken by some client socket before the restart, and
/// the servers of the tests running in parallel get distinct ports.
pub fn free_port() -> u16 {
    static SEED: OnceLock<u32> = OnceLock::new();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = *SEED.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.subsec_nanos());
        std::process::id().wrapping_mul(2_654_435_761) ^ nanos
    });
    for _ in 0..1000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + u16::try_from(seed.wrapping_add(n.wrapping_mul(101)) % 12_000).unwrap();
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in 20000..32000");
}

/// Waits until `ready()` holds for the server `child` (`what`: its name and port, for the
/// errors), polling every `poll` for at most `startup`. A server that exits first is an error
/// (with `exited(status)` appended: its log, say), and so is one not ready in time (it is
/// killed; `readiness` says what was awaited).
pub fn wait_until_ready(
    mut child: Child,
    what: &str,
    readiness: &str,
    startup: Duration,
    poll: Duration,
    ready: impl Fn() -> bool,
    exited: impl Fn(ExitStatus) -> String,
) -> Result<Child, String> {
    let deadline = Instant::now() + startup;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("{what} exited at start: {}", exited(status)));
        }
        if ready() {
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what} did not {readiness} within {startup:?}"));
        }
        std::thread::sleep(poll);
    }
}

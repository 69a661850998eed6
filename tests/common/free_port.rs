//! A free loopback port for the test servers (Redis, PostgreSQL), shared by their harnesses.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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

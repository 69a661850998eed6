//! A throwaway `redis-server` per test, on a free loopback port, for tests that need a real
//! Redis (and kill it, pause it or restart it). Include it with
//! `#[path = "common/redis_server.rs"] mod redis_server;`.
#![allow(dead_code)]

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a server may take to answer its first PING.
const STARTUP: Duration = Duration::from_secs(10);

/// A `redis-server` on 127.0.0.1, without persistence, stopped when dropped.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    extra_args: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server on a free port with extra `redis-server` arguments (for instance
    /// `["--maxmemory", "2mb"]`).
    pub fn start_with(extra_args: &[&str]) -> Self {
        let extra_args: Vec<String> = extra_args.iter().map(|arg| (*arg).to_owned()).collect();
        // Another process may take the port between our probe and the server's bind: try a few.
        let mut failures = Vec::new();
        for _ in 0..5 {
            let mut server = Self {
                port: free_port(),
                extra_args: extra_args.clone(),
                child: None,
            };
            match server.spawn_and_wait() {
                Ok(()) => return server,
                Err(why) => failures.push(why),
            }
        }
        panic!("redis-server did not start: {failures:?}");
    }

    /// Starts a server configured as a cache: `--maxmemory 1mb --maxmemory-policy <policy>`
    /// (`allkeys-lru`, `volatile-ttl`, ...), a Redis that evicts keys when full.
    pub fn start_evicting(policy: &str) -> Self {
        Self::start_with(&["--maxmemory", "1mb", "--maxmemory-policy", policy])
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: it had no persistence), killing it
    /// first if it runs.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(why) = self.spawn_and_wait() {
            panic!("redis-server did not restart on port {}: {why}", self.port);
        }
    }

    /// Freezes the server (SIGSTOP): it keeps its connections open and answers nothing, like a
    /// hung or unreachable Redis.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a [`pause`](Self::pause)d server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("redis-server is not running");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("cannot run `kill`");
        assert!(status.success(), "kill {signal} failed: {status}");
    }

    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let spawned = Command::new(&binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &std::env::temp_dir().to_string_lossy()])
            .args(["--loglevel", "warning"])
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == ErrorKind::NotFound => panic!(
                "`{binary}` not found: these tests need a real Redis. Install it with \
                 `apt-get install -y redis-server` (or run `scripts/test.sh`, which installs it), \
                 or point REDIS_SERVER at the binary."
            ),
            Err(error) => panic!("cannot start `{binary}`: {error}"),
        };
        let port = self.port;
        self.child = Some(wait_until_ready(
            child,
            &format!("redis-server on port {port}"),
            "answer PING",
            STARTUP,
            Duration::from_millis(10),
            || ping(port),
            |status| status.to_string(),
        )?);
        Ok(())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // SIGKILL ends a paused server too.
        self.kill();
    }
}

#[path = "free_port.rs"]
mod free_port;
use free_port::{free_port, wait_until_ready};

fn ping(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(100)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    // A server started with `--requirepass` answers `-NOAUTH ...`: up, too.
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && (&answer == b"+PONG\r\n" || &answer == b"-NOAUTH")
}

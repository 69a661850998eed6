//! An example receiver (`receiver` on axum, `actix_receiver` on actix-web) as a real process
//! that a test kills (`kill -9`), stops (SIGTERM) and restarts, and the Audit Trail deliveries
//! it is sent. Include it after `mod common;` with
//! `#[path = "common/receiver_process.rs"] mod receiver_process;`.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use webhook_guard::testing::audit_trail_sample_with_id;
use webhook_guard::{Scheme, Signer};

use crate::common;

/// One example receiver process, restartable on a fresh port (actix binds without
/// `SO_REUSEADDR`: the killed process's port may still be held by connections in TIME_WAIT).
/// Its stderr goes to `log`; its stdout (the contract's lines) is dropped, or appended to a
/// file kept across restarts ([`start_capturing`](Self::start_capturing)).
pub struct Receiver {
    pub example: &'static str,
    binary: PathBuf,
    env: Vec<(String, String)>,
    pub log: PathBuf,
    stdout: Option<PathBuf>,
    child: Option<Child>,
    port: u16,
}

impl Receiver {
    /// Starts `example` with `env`, its log in `dir`, its stdout dropped.
    pub fn start(example: &'static str, env: &[(&str, String)], dir: &Path) -> Self {
        Self::new(example, env, dir, None)
    }

    /// Starts `example` with `env`, its log in `dir`, its stdout lines appended to
    /// `dir/<example>.stdout` by every process started ([`stdout_lines`](Self::stdout_lines)).
    pub fn start_capturing(example: &'static str, env: &[(&str, String)], dir: &Path) -> Self {
        Self::new(
            example,
            env,
            dir,
            Some(dir.join(format!("{example}.stdout"))),
        )
    }

    fn new(
        example: &'static str,
        env: &[(&str, String)],
        dir: &Path,
        stdout: Option<PathBuf>,
    ) -> Self {
        let mut receiver = Self {
            example,
            binary: common::examples::build_example(example),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            log: dir.join(format!("{example}.log")),
            stdout,
            child: None,
            port: 0,
        };
        receiver.spawn();
        receiver
    }

    /// Starts the process (again) on a fresh port and waits until it accepts connections.
    pub fn spawn(&mut self) {
        self.port = free_port();
        let append = |path: &Path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .unwrap()
        };
        let stdout = self
            .stdout
            .as_deref()
            .map_or_else(Stdio::null, |path| append(path).into());
        let child = Command::new(&self.binary)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PORT", self.port.to_string())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(append(&self.log))
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "{} exited at start ({status}): {}",
                    self.example,
                    self.log_text()
                );
            }
            assert!(Instant::now() < deadline, "{} did not listen", self.example);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The Audit Trail route's URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/webhooks/audit-trail", self.port)
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM (what an orchestrator sends before it kills).
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Sends `signal` (`libc::SIGINT` is a Ctrl-C).
    pub fn signal(&self, signal: libc::c_int) {
        let pid = self.pid().expect("the receiver runs");
        let pid = libc::pid_t::try_from(pid).unwrap();
        // SAFETY: kill(2) with a pid we spawned and still hold (not reaped, so not reused).
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill -{signal}");
    }

    /// The port the process listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits up to `limit` for the process to exit: its status, or `None` if it still runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            let child = self.child.as_mut()?;
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| child.try_wait().unwrap().is_none())
    }

    /// Every stdout line captured so far, from every process started.
    pub fn stdout_lines(&self) -> Vec<String> {
        let path = self.stdout.as_ref().expect("started with start_capturing");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The stderr log of every process started.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An Audit Trail delivery `id` (body event id and delivery id alike), signed now with the
/// test secret (`common::AUDIT_TRAIL_SECRET`): its headers and body.
pub fn signed(id: &str) -> (Vec<(String, String)>, String) {
    let body = audit_trail_sample_with_id("event.created", id).unwrap();
    let signer = Signer::new(
        Scheme::audit_trail(),
        Scheme::audit_trail()
            .secret(common::AUDIT_TRAIL_SECRET)
            .unwrap(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (signer.headers(body.as_bytes(), now, id), body)
}

/// A port that is free now, outside the kernel's ephemeral range.
pub fn free_port() -> u16 {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let seed = std::process::id() as usize * 7919;
    for _ in 0..1000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (seed + n * 131) % 12_000;
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port as u16)).is_ok() {
            return port as u16;
        }
    }
    panic!("no free loopback port");
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "webhook-guard-receiver-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

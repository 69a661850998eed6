//! The example receivers as processes: built with cargo, started on a free port, watched
//! through `/proc` (RSS). Include it, and the builder it uses, with
//! `#[path = "common/examples.rs"] mod examples;` and
//! `#[path = "common/example_process.rs"] mod example_process;`.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::examples::build_example;

/// A running example receiver, killed when dropped. Its stdout lines (the contract: one JSON
/// line per handled delivery) arrive on `handled`.
pub struct Receiver {
    pub addr: SocketAddr,
    child: Child,
    pub handled: mpsc::Receiver<String>,
}

impl Receiver {
    /// Starts `example` with `env` on a free port and waits until it accepts connections.
    pub fn start(example: &str, env: &[(&str, &str)]) -> Self {
        let binary = build_example(example);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the example starts");
        let stdout = child.stdout.take().expect("piped");
        let (send, handled) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{example} exited at start: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{example} did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            addr,
            child,
            handled,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The resident set size in MiB, from `/proc/<pid>/status`.
    pub fn rss_mib(&self) -> f64 {
        rss_mib(self.pid())
    }

    /// The process's open file descriptors.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|dir| dir.count())
            .unwrap_or(0)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

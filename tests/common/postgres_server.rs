//! A throwaway PostgreSQL cluster per test, in a temp dir, on a free loopback port, for tests
//! that need a real Postgres (and kill it, pause it or restart it). Include it with
//! `#[path = "common/postgres_server.rs"] mod postgres_server;`.
//!
//! The binaries (`initdb`, `postgres`, `pg_isready`, `psql`) are Debian's, found under
//! `/usr/lib/postgresql/<version>/bin` (the newest), or in `$PG_BIN`. Postgres refuses to run
//! as root: when the tests are root, the cluster's directory is given to the `postgres` user
//! and the server runs as that user (its uid and gid set on the process itself, so the child we
//! hold *is* the postmaster and a kill reaches it, not a `su` in between).
#![allow(dead_code)]

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to accept connections (a restart replays its WAL first).
const STARTUP: Duration = Duration::from_secs(30);

/// A PostgreSQL cluster on 127.0.0.1 (user `postgres`, trust authentication), its data kept
/// across [`restart`](Self::restart)s, killed and deleted when dropped.
#[derive(Debug)]
pub struct PostgresServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    settings: Vec<(String, String)>,
    child: Option<Child>,
    /// The processes a [`pause`](Self::pause) stopped, to continue them.
    paused: Vec<u32>,
}

impl PostgresServer {
    /// Creates a cluster and starts it on a free port.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Creates a cluster and starts it with extra settings (`-c name=value`).
    pub fn start_with(settings: &[(&str, &str)]) -> Self {
        let bin = bin_dir();
        let dir = temp_dir();
        let user = server_user();
        if let Some((uid, gid)) = user {
            chown(&dir, uid, gid);
        }
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .args(["-D", &dir.join("data").to_string_lossy()])
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            // The cluster is thrown away: its creation needs no fsync (the server's commits do).
            .arg("--no-sync")
            .stdin(Stdio::null());
        as_user(&mut initdb, user);
        let output = initdb
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.join("initdb").display()));
        assert!(
            output.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let mut server = Self {
            bin,
            dir,
            port: 0,
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            child: None,
            paused: Vec::new(),
        };
        // Another process may take the port between our probe and the server's bind: try a few.
        let mut failures = Vec::new();
        for _ in 0..5 {
            server.port = free_port();
            match server.spawn_and_wait() {
                Ok(()) => return server,
                Err(why) => failures.push(why),
            }
        }
        panic!("postgres did not start: {failures:?}");
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log (its stdout and stderr).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// The URL of database `database` (see [`create_database`](Self::create_database)).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates database `name`; returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(name)
    }

    /// Runs `sql` with `psql` in `database`; returns its unaligned, tuples-only output.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args([
                "-d",
                database,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .args(["-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Kills the cluster (SIGKILL to the postmaster and every backend, as a crash or an OOM
    /// kill would) and waits for them to be gone. Its data stays, for a [`restart`](Self::restart).
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let postmaster = child.id();
        // Stop the postmaster first, so that it forks no backend while we list them.
        signal("-STOP", &[postmaster]);
        let mut all = children(postmaster);
        all.push(postmaster);
        signal("-KILL", &all);
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while all.iter().any(|&pid| alive(pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.paused.clear();
    }

    /// Starts the cluster again on the same port, with its data (killing it first if it
    /// runs): it recovers from its WAL, as after a crash.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(why) = self.spawn_and_wait() {
            panic!("postgres did not restart on port {}: {why}", self.port);
        }
    }

    /// Freezes the cluster (SIGSTOP to the postmaster and every backend): it keeps its
    /// connections open and answers nothing, like a hung or unreachable database.
    pub fn pause(&mut self) {
        let postmaster = self.child.as_ref().expect("postgres is not running").id();
        signal("-STOP", &[postmaster]);
        let mut all = children(postmaster);
        all.push(postmaster);
        signal("-STOP", &all);
        self.paused = all;
    }

    /// Thaws a [`pause`](Self::pause)d cluster (SIGCONT).
    pub fn resume(&mut self) {
        let paused = std::mem::take(&mut self.paused);
        let alive: Vec<u32> = paused.into_iter().filter(|&pid| alive(pid)).collect();
        signal("-CONT", &alive);
    }

    fn spawn_and_wait(&mut self) -> Result<(), String> {
        // Appended to: a restart keeps what the killed server wrote.
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("postgres.log"))
            .map_err(|e| e.to_string())?;
        let mut command = Command::new(self.bin.join("postgres"));
        command
            .args(["-D", &self.dir.join("data").to_string_lossy()])
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args([
                "-c",
                &format!("unix_socket_directories={}", self.dir.display()),
            ])
            .args(["-c", "max_connections=200"]);
        for (name, value) in &self.settings {
            command.args(["-c", &format!("{name}={value}")]);
        }
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        as_user(&mut command, server_user());
        let child = command.spawn().map_err(|e| e.to_string())?;
        let log = self.dir.join("postgres.log");
        self.child = Some(wait_until_ready(
            child,
            &format!("postgres on port {}", self.port),
            "accept connections",
            STARTUP,
            Duration::from_millis(20),
            || self.ready(),
            |status| format!("{status}: {}", fs::read_to_string(&log).unwrap_or_default()),
        )?);
        Ok(())
    }

    fn ready(&self) -> bool {
        Command::new(self.bin.join("pg_isready"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-t",
                "1",
                "-q",
            ])
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // SIGKILL ends a paused cluster too.
        self.kill();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Debian's layout: `/usr/lib/postgresql/<version>/bin`, the newest version; or `$PG_BIN`.
fn bin_dir() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("PG_BIN").filter(|b| !b.is_empty()) {
            return PathBuf::from(bin);
        }
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
                let bin = entry.path().join("bin");
                bin.join("postgres").exists().then_some((version, bin))
            })
            .collect();
        versions.sort();
        match versions.pop() {
            Some((_, bin)) => bin,
            None => panic!(
                "PostgreSQL not found under /usr/lib/postgresql/*/bin: these tests need a real \
                 PostgreSQL. Run `scripts/test.sh` (it installs Debian's `postgresql`), or \
                 `apt-get install -y postgresql`, or point PG_BIN at its bin directory."
            ),
        }
    })
    .clone()
}

/// The `postgres` user's uid and gid when we are root (Postgres refuses to run as root).
fn server_user() -> Option<(u32, u32)> {
    static USER: OnceLock<Option<(u32, u32)>> = OnceLock::new();
    *USER.get_or_init(|| {
        let root = fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if !root {
            return None;
        }
        let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
        let ids = passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres"))
                .then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
                .flatten()
        });
        Some(ids.unwrap_or_else(|| {
            panic!(
                "running as root and there is no `postgres` user to run PostgreSQL as: run \
                 `scripts/test.sh` (Debian's `postgresql` package creates it)"
            )
        }))
    })
}

fn as_user(command: &mut Command, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        // Set on the process itself (std drops root's supplementary groups too).
        command.uid(uid).gid(gid);
    }
}

fn chown(dir: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(dir, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("cannot give {} to the postgres user: {e}", dir.display()));
}

/// A new empty directory under the temp dir, readable by the server's user.
fn temp_dir() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "webhook-guard-pg-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    match fs::create_dir(&dir) {
        Ok(()) => dir,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => temp_dir(),
        Err(e) => panic!("cannot create {}: {e}", dir.display()),
    }
}

/// The processes whose parent is `pid` (the postmaster's backends and helpers).
fn children(pid: u32) -> Vec<u32> {
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|&child| parent(child) == Some(pid))
        .collect()
}

/// A process's parent, from `/proc/PID/stat` (the field after the parenthesised name).
fn parent(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(1)?.parse().ok()
}

/// Whether `pid` still runs (a zombie waiting for its reaper does not).
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rfind(')')
            .and_then(|end| stat.get(end + 2..end + 3))
            .is_some_and(|state| state != "Z")
    })
}

fn signal(signal: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    // A process may exit between the listing and the signal: the status is not checked.
    let _ = Command::new("kill")
        .arg(signal)
        .args(pids.iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

#[path = "free_port.rs"]
mod free_port;
use free_port::{free_port, wait_until_ready};

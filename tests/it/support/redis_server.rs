//! A real `redis-server` for the scale-out tests: started on a free loopback
//! port with no persistence, stopped (killed and reaped) on drop. No mock.
//!
//! Where `redis-server` is not installed the tests say so and skip, so the
//! README's test command passes on a machine with only Rust; under `CI=true`
//! a missing server fails the test instead (`.ci/run` installs it).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    port: u16,
    /// Set for a persistent server: its data directory (AOF).
    dir: Option<tempfile::TempDir>,
}

impl RedisServer {
    /// A fresh server, or `None` (after saying why) when `redis-server` is
    /// missing outside CI.
    pub fn start(test: &str) -> Option<RedisServer> {
        RedisServer::launch(test, None)
    }

    /// A server that keeps its data across [`RedisServer::restart`]: an
    /// append-only file, synced before every reply.
    pub fn start_persistent(test: &str) -> Option<RedisServer> {
        RedisServer::launch(test, Some(tempfile::tempdir().expect("temp dir")))
    }

    fn launch(test: &str, dir: Option<tempfile::TempDir>) -> Option<RedisServer> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(
                !ci,
                "{test}: redis-server is not installed, and CI=true requires it (apt-get install redis-server)"
            );
            eprintln!("{test}: skipped: redis-server is not installed (apt-get install redis-server; CI installs it)");
            return None;
        }
        // Redis takes no port 0: pick a free one, then try another if some
        // other process took it between our probe and the server's bind.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            match serve(port, dir.as_ref()) {
                Ok(child) => return Some(RedisServer { child, port, dir }),
                Err(e) => last = e,
            }
        }
        panic!("{test}: could not start redis-server: {last}");
    }

    /// Kills the server (SIGKILL: no goodbye to clients) and starts it
    /// again on the same port after `down`, with the same data.
    pub fn restart(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down);
        self.child = serve(self.port, self.dir.as_ref()).expect("restart redis-server");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A plain (blocking) client connection, for checks from the test.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("connect to the test redis")
    }

    /// A counter of a job's meta hash (`lines`, `done`, `enqueued` ...);
    /// `None` when it is not set or Redis is not answering (a test that
    /// restarts the server polls through the gap).
    pub fn job_meta(&self, job: &str, field: &str) -> Option<u64> {
        let conn = redis::Client::open(self.url()).and_then(|c| c.get_connection());
        redis::cmd("HGET")
            .arg(format!("scrape:{{{job}}}:meta"))
            .arg(field)
            .query::<Option<u64>>(&mut conn.ok()?)
            .ok()
            .flatten()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `redis-server` on `port` and waits until it answers PING.
fn serve(port: u16, dir: Option<&tempfile::TempDir>) -> Result<Child, String> {
    let mut cmd = Command::new("redis-server");
    cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", ""]);
    match dir {
        Some(d) => {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
                .arg(d.path());
        }
        None => {
            cmd.args(["--appendonly", "no"]);
        }
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn redis-server: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if ping(port) {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("redis-server on port {port} exited: {status}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!("redis-server on port {port} did not answer PING"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a loopback port")
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 16];
    s.write_all(b"PING\r\n").is_ok()
        && s.read(&mut buf)
            .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
}

/// A port nothing listens on (bound, then closed), for "Redis unreachable".
pub fn closed_port() -> u16 {
    free_port()
}

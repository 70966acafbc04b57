//! Test support: run the real `scrape` binary and read its output back into
//! the library's own record types. A failing assertion prints the command,
//! exit code, stdout and stderr. Only loopback URLs are ever written.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod net;
pub mod redis_server;

use scrape::demo::BackgroundShop;
use scrape::output::Document;
use scrape::record::Record;

/// The finished run of one command.
pub struct Run {
    pub cmd: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\n$ {}\nexit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n",
            self.cmd,
            self.code,
            truncate(&self.stdout),
            truncate(&self.stderr)
        )
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(8000) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Run {
    pub fn from_output(cmd: String, out: Output) -> Run {
        Run {
            cmd,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(self.code, want, "unexpected exit code{self}");
        self
    }

    /// stdout as the `json` document.
    pub fn doc(&self) -> Document {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a json document: {e}{self}"))
    }

    /// stdout as `jsonl` records (every line must be one).
    pub fn jsonl(&self) -> Vec<Record> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("line {l:?} is not a record: {e}{self}"))
            })
            .collect()
    }
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scrape"));
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

fn describe(args: &[&str]) -> String {
    format!("scrape {}", args.join(" "))
}

/// Runs `scrape ARGS` with `stdin` piped in (or closed).
pub fn scrape(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn scrape");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.unwrap_or("").to_owned();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("wait for scrape");
    let _ = writer.join();
    Run::from_output(describe(args), out)
}

/// A URL list file in a fresh temp dir (kept alive by the returned guard).
pub struct List {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl List {
    pub fn path(&self) -> &str {
        self.path.to_str().expect("temp paths are UTF-8")
    }
}

pub fn list(lines: &[String]) -> List {
    for l in lines {
        let t = l.trim();
        if t.starts_with("http") {
            assert!(
                t.starts_with("http://127.0.0.1:") || t.starts_with("https://127.0.0.1:"),
                "tests only talk to loopback: {t}"
            );
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("urls.txt");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write list");
    List { dir, path }
}

/// Polls `cond` until it holds or `within` passes.
pub fn wait_for(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn spawn(args: &[&str]) -> (Child, String) {
    let child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn scrape");
    (child, describe(args))
}

pub fn urls(shop: &BackgroundShop, paths: &[&str]) -> Vec<String> {
    paths
        .iter()
        .map(|p| format!("{}{p}", shop.base_url()))
        .collect()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// Sends `sig` to a child process of this test.
pub fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: sending a signal to our own child process.
    let rc = unsafe { libc::kill(pid as libc::pid_t, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig})");
}

//! The facts a saved bench result carries so a later comparison can tell
//! whether it compares like with like: cores, CPU model, kernel, scrape
//! version and a fingerprint of the URL list.
//!
//! Linux facts come from `/proc`; elsewhere they are `null`, not guessed.

use serde::{Deserialize, Serialize};

use crate::input::Entry;

/// Where and on what a bench ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Cores this process may use (`available_parallelism`).
    pub cores: usize,
    pub cpu_model: Option<String>,
    pub kernel: Option<String>,
    pub os: String,
    pub scrape_version: String,
    /// FNV-1a 64 of the URL lines as listed, in order (hex): two results
    /// with the same fingerprint measured the same list.
    pub list_fingerprint: String,
}

impl Machine {
    /// Reads the facts (a few small `/proc` files, read off the reactor).
    pub async fn probe(entries: &[Entry]) -> Machine {
        let cpuinfo = tokio::fs::read_to_string("/proc/cpuinfo").await.ok();
        let kernel = tokio::fs::read_to_string("/proc/sys/kernel/osrelease")
            .await
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: cpuinfo.as_deref().and_then(cpu_model),
            kernel,
            os: std::env::consts::OS.to_owned(),
            scrape_version: env!("CARGO_PKG_VERSION").to_owned(),
            list_fingerprint: fingerprint(entries.iter().map(|e| e.raw.as_str())),
        }
    }
}

/// The first `model name` of `/proc/cpuinfo` (x86), or `Model` (ARM boards).
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        let key = key.trim();
        (key == "model name" || key == "Model")
            .then(|| value.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// FNV-1a 64 over the lines, each followed by a newline. Not cryptographic:
/// it only has to tell lists apart, and is stable across versions and platforms.
pub fn fingerprint<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for line in lines {
        for &b in line.as_bytes().iter().chain(b"\n") {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_tells_lists_apart() {
        let a = fingerprint(["http://a/1", "http://a/2"].into_iter());
        assert_eq!(a, fingerprint(["http://a/1", "http://a/2"].into_iter()));
        assert_ne!(a, fingerprint(["http://a/2", "http://a/1"].into_iter()));
        assert_ne!(a, fingerprint(["http://a/1http://a/2"].into_iter()));
        // FNV-1a 64 of "" is the offset basis; of "\n" a known value.
        assert_eq!(fingerprint(std::iter::empty()), "cbf29ce484222325");
        assert_eq!(fingerprint([""].into_iter()), "af63c74c8601c8dd");
    }

    #[test]
    fn cpu_model_reads_x86_and_arm_cpuinfo() {
        let x86 = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n";
        assert_eq!(cpu_model(x86).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(
            cpu_model("Model\t: Raspberry Pi 4\n").as_deref(),
            Some("Raspberry Pi 4")
        );
        assert_eq!(cpu_model("processor: 0\n"), None);
    }
}

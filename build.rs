//! Build script: links the `scrape` binary with packed relative relocations
//! (`DT_RELR`) where the C library that will load it understands them.
//!
//! Why: a position-independent Rust binary carries a relocation for every
//! pointer in its read-only data (vtables, string tables), and the dynamic
//! loader reads all of them at start-up. Ours were 1.1 MB of `.rela.dyn`,
//! all of it resident for the whole run; packed they take 14 KB. Measured
//! at `-c 64` on 2 000 demo pages: file-backed RSS 12.1 -> 10.8 MB (README,
//! "Issue 10", "Memory:"). ASLR is unchanged: the binary stays PIE.
//!
//! glibc loads `DT_RELR` from 2.36 on, and a binary linked with it refuses to
//! start on an older one, so the flag is only passed when the build machine
//! is the target (not cross-compiling) and its glibc is 2.36 or newer.

use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let is = |key: &str, want: &str| env::var(key).is_ok_and(|v| v == want);
    let native = env::var("HOST").ok() == env::var("TARGET").ok();
    if is("CARGO_CFG_TARGET_OS", "linux") && is("CARGO_CFG_TARGET_ENV", "gnu") && native {
        if let Some((major, minor)) = glibc_version() {
            if (major, minor) >= (2, 36) {
                println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
            }
        }
    }
}

/// The build machine's glibc version, from `getconf GNU_LIBC_VERSION`
/// ("glibc 2.36"); `None` when it cannot be told.
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

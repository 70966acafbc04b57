//! The shop's HTTP server. Stub: replaced by the full implementation.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// How the shop behaves.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// Added before every product page response.
    pub latency: Duration,
    /// Uniform random extra latency in `0..=jitter`.
    pub jitter: Duration,
    /// How many ports to listen on (each counts as its own host for per-host caps).
    pub listeners: usize,
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            listeners: 1,
        }
    }
}

/// Counters for one listening port.
#[derive(Debug, Clone, Default)]
pub struct ListenerStats {
    pub addr: Option<SocketAddr>,
    pub requests: u64,
    pub in_flight: usize,
    pub peak_in_flight: usize,
}

/// Counters across the shop.
#[derive(Debug, Clone, Default)]
pub struct ShopStats {
    pub requests: u64,
    pub in_flight: usize,
    pub peak_in_flight: usize,
    pub per_listener: Vec<ListenerStats>,
    /// Hits per request path (without query).
    pub hits: HashMap<String, u64>,
}

/// A running shop on the current tokio runtime; stops when dropped.
pub struct Shop {
    addrs: Vec<SocketAddr>,
}

impl Shop {
    pub async fn start(config: ShopConfig) -> io::Result<Shop> {
        let _ = config;
        Err(io::Error::other("demo shop not implemented yet"))
    }
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }
    pub fn product_url(&self, n: u64) -> String {
        format!("{}/product/{n}", self.base_url())
    }
    pub fn stats(&self) -> ShopStats {
        ShopStats::default()
    }
    pub fn set_price_epoch(&self, epoch: u64) {
        let _ = epoch;
    }
}

/// A shop on its own thread and runtime, for tests and synchronous callers.
pub struct BackgroundShop {
    addrs: Vec<SocketAddr>,
}

impl BackgroundShop {
    pub fn start(config: ShopConfig) -> io::Result<BackgroundShop> {
        let _ = config;
        Err(io::Error::other("demo shop not implemented yet"))
    }
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }
    pub fn product_url(&self, n: u64) -> String {
        format!("{}/product/{n}", self.base_url())
    }
    pub fn stats(&self) -> ShopStats {
        ShopStats::default()
    }
    pub fn set_price_epoch(&self, epoch: u64) {
        let _ = epoch;
    }
}

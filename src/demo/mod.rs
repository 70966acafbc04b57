//! The demo shop: an in-process HTTP server on 127.0.0.1 with realistic product
//! pages in many markups, configurable latency, fault routes and counters.
//!
//! Tests, benches, examples and `scrape demo` all use it, so nothing needs the
//! internet. `pages` generates the HTML; `server` serves it.

pub mod pages;
mod server;

pub use pages::{product_page, ExpectedPrice, Markup, Page};
pub use server::{BackgroundShop, ListenerStats, Shop, ShopConfig, ShopStats};

//! The demo shop: an in-process HTTP server on 127.0.0.1 with realistic product
//! pages in many markups, configurable latency, fault routes and counters.
//!
//! Tests, benches, examples and `scrape demo` all use it, so nothing needs the
//! internet. `pages` generates the HTML (with `layout` holding the static
//! parts and `money` the prices); `server` runs listeners and counters,
//! `connection` reads requests, `state` holds what they share, `routes`
//! answers each path.

mod connection;
mod layout;
mod money;
pub mod pages;
mod routes;
mod server;
mod state;

pub use pages::{
    all_markups, bad_charset_page, bom_page, charset_page, markup_for, product_page, sample_page,
    ExpectedPrice, Markup, Page,
};
pub use server::{
    BackgroundShop, CapacityMode, ListenerStats, RobotsTxt, Shop, ShopConfig, ShopHandle, ShopStats,
};
pub use state::{CACHED_PAGES, MAX_STARTS, MAX_TRACKED_PATHS};

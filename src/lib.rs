//! scrape: fetch product pages concurrently, extract prices, aggregate, write JSON.
//!
//! ```text
//! input ─► engine (fetch ─► extract ─► price) ─► output thread (order, write, aggregate, store)
//! ```
//!
//! Modules depend one way, bottom to top (`tests/it/layering.rs` checks it):
//! `record` (plain data) → `price` → `extract` → `aggregate`, `fetch`, `input`
//! → `output` → `store` → `engine`, `progress` → `pipeline`, `shutdown` →
//! `cluster` (Redis Streams scale-out) → `bench`, `demo` → `cli` → `app` →
//! `main`. Each stage owns its config and
//! error type; `cli` maps flags onto them and `app` picks the exit code.
pub mod aggregate;
pub mod app;
pub mod bench;
pub mod cli;
pub mod cluster;
pub mod demo;
pub mod engine;
pub mod extract;
pub mod fetch;
pub mod input;
pub mod output;
pub mod pipeline;
pub mod price;
pub mod progress;
pub mod record;
pub mod robots;
pub mod shutdown;
pub mod store;

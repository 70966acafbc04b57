//! scrape: fetch product pages concurrently, extract prices, aggregate, write JSON.
pub mod aggregate;
pub mod app;
pub mod bench;
pub mod cli;
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
pub mod shutdown;
pub mod store;

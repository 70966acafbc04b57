//! scrape: fetch product pages concurrently, extract prices, aggregate, write JSON.
pub mod demo;
pub mod extract;
pub mod price;
pub mod cli;
pub mod error;

//! scrape: fetch product pages concurrently, extract prices, aggregate, write JSON.
pub mod cli;
pub mod demo;
pub mod error;
pub mod extract;
pub mod price;

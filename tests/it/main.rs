//! Integration tests: the real `scrape` binary against the demo shop on
//! 127.0.0.1 (ephemeral ports, so tests run in parallel). One test binary.

mod support;

mod auto;
mod bench;
mod caps;
mod cluster;
mod cluster_faults;
mod differential;
mod extract_cmd;
mod fasttok;
mod faults;
mod input;
mod interrupt;
mod layering;
mod lookahead;
mod network;
mod output;
mod pipeline;
mod politeness;
mod real_pages;
mod schema;
mod store;

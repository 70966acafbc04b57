//! Table and property tests for `price`.

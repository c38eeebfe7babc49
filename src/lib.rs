//! resilient-ws
pub mod engine;

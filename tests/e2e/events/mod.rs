//! Events: the catalogue, payloads and their projection per reader.

mod catalogue;
mod support;

#![doc = include_str!("../README.md")]

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod events;
pub mod global_id;
pub mod graphql;
pub mod http;
pub mod logs;
pub mod ops;
pub mod providers;
pub mod service;
pub mod startup;
pub mod store;
pub mod sync;
pub mod webhooks;

#![doc = include_str!("../README.md")]

pub mod auth;
pub mod config;
pub mod error;
pub mod global_id;
pub mod graphql;
pub mod service;
pub mod store;

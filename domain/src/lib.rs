#![doc = include_str!("../README.md")]

pub mod account;
pub mod agreement;
pub mod contact;
pub mod error;
pub mod events;
pub mod ids;
pub mod notifications;
pub mod partner;
pub mod permissions;
pub mod role;
pub mod team;
pub mod values;
mod wire;

pub use error::{DomainError, ValidationError};

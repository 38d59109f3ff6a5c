//! Bulk import of accounts and contacts from CSV or JSON Lines (see `format`), with a dry run
//! that goes through the same code and rolls back.

pub mod format;

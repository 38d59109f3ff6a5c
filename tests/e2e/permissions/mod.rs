//! Who may do what, through HTTP: partner scoping on every read path, and the staff roles'
//! limits on every mutation.

mod common;
mod partner_reads;
mod partner_writes;
mod staff_roles;

//! Rapport end to end, through HTTP. One module per area.

mod accounts;

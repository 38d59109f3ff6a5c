//! The `rapport` binary: see [`rapport_api::cli`].

/// mimalloc serves the server's many small, short-lived allocations (per row, per field, per
/// response) in fewer instructions than the system allocator; measured in the README's
/// "Instructions per list page" section, with the resident memory it costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    rapport_api::cli::main()
}

//! The `rapport` binary: see [`rapport_api::cli`].

fn main() -> anyhow::Result<()> {
    rapport_api::cli::main()
}

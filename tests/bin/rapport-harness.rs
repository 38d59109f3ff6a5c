//! The `rapport` command line, for tests that must run (and kill) real processes: the crash
//! test starts `rapport-harness worker` and SIGKILLs it mid-drain.

fn main() -> anyhow::Result<()> {
    rapport_api::cli::main()
}

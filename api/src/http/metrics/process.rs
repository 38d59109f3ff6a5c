//! The process's own numbers, from Linux's `/proc` (no other system is supported: elsewhere the
//! gauge reads 0).

/// Resident memory in bytes (`VmRSS` of `/proc/self/status`).
pub fn resident_bytes() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: i64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_resident_memory_of_this_test_is_read() {
        let bytes = super::resident_bytes().expect("Linux /proc");
        assert!(bytes > 1024 * 1024, "more than 1 MiB resident: {bytes}");
    }
}

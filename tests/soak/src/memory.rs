//! The process's resident memory, from Linux's `/proc/self/status`: now (`VmRSS`) and the
//! high-water mark (`VmHWM`), which can be reset between the parts of a run.

/// Resident set sizes in KiB; `None` where `/proc` does not say (not Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resident {
    /// `VmRSS`: resident now.
    pub current_kib: Option<u64>,
    /// `VmHWM`: the most resident since start or since [`reset_peak`].
    pub peak_kib: Option<u64>,
}

/// Reads `/proc/self/status`.
pub fn resident() -> Resident {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    Resident {
        current_kib: field_kib(&status, "VmRSS:"),
        peak_kib: field_kib(&status, "VmHWM:"),
    }
}

/// Resets the high-water mark to the current RSS (`5` to `/proc/self/clear_refs`, Linux 4.0),
/// so that each part of a run reports its own peak. Returns whether the kernel accepted it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A `Name:   1234 kB` line of a status file, in KiB.
fn field_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|number| number.trim().parse().ok())
}

/// `12.3 MiB`, or `n/a`.
pub fn format_kib(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
        None => "n/a".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_kib() {
        let status = "Name:\tsoak\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(field_kib(status, "VmHWM:"), Some(20480));
        assert_eq!(field_kib(status, "VmRSS:"), Some(10240));
        assert_eq!(field_kib(status, "VmSwap:"), None);
        assert_eq!(field_kib("VmRSS:\tlots\n", "VmRSS:"), None);
    }

    #[test]
    fn sizes_print_in_mib() {
        assert_eq!(format_kib(Some(20480)), "20.0 MiB");
        assert_eq!(format_kib(None), "n/a");
    }
}

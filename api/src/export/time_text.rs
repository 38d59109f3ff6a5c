//! Times as exports write them: exactly as `DateTime::to_rfc3339` (and so GraphQL's `DateTime`)
//! writes them, `2026-12-08T09:30:00.123456+00:00`, with as many fraction digits as the value
//! needs (none, 3, 6 or 9). Written digit by digit instead of through chrono's general
//! formatting, which was a tenth of an export's encoding work (two or three times a row).

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `t` as `t.to_rfc3339()` writes it.
pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    let year = t.year();
    let nanos = t.nanosecond();
    // Years of other than four digits and leap seconds: chrono's own rules.
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return t.to_rfc3339();
    }
    let mut out = String::with_capacity(35);
    // `year` is within 0..=9999 and the other fields within their ranges: no truncation.
    #[allow(clippy::cast_sign_loss)]
    digits(&mut out, year as u32, 4);
    out.push('-');
    digits(&mut out, t.month(), 2);
    out.push('-');
    digits(&mut out, t.day(), 2);
    out.push('T');
    digits(&mut out, t.hour(), 2);
    out.push(':');
    digits(&mut out, t.minute(), 2);
    out.push(':');
    digits(&mut out, t.second(), 2);
    if nanos != 0 {
        out.push('.');
        if nanos.is_multiple_of(1_000_000) {
            digits(&mut out, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            digits(&mut out, nanos / 1_000, 6);
        } else {
            digits(&mut out, nanos, 9);
        }
    }
    out.push_str("+00:00");
    out
}

/// `n` in decimal, zero-padded to `width` digits (`n` has at most `width` digits).
fn digits(out: &mut String, n: u32, width: u32) {
    let mut scale = 10_u32.pow(width - 1);
    while scale > 0 {
        // A single decimal digit.
        #[allow(clippy::cast_possible_truncation)]
        out.push(char::from(b'0' + (n / scale % 10) as u8));
        scale /= 10;
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn times_are_written_exactly_as_chrono_writes_them() {
        // Seconds spread over 0001..9999 in steps of about 2.3 years and an odd number of
        // seconds (every time of day comes up), with each kind of fraction.
        let mut seconds: i64 = -62_135_596_800; // 0001-01-01
        let last = 253_402_300_799; // 9999-12-31T23:59:59
        let mut checked = 0;
        while seconds <= last {
            for nanos in [
                0,
                1,
                120_000_000,
                123_000,
                123_456_000,
                123_456_789,
                999_999_999,
            ] {
                let t = Utc.timestamp_opt(seconds, nanos).single().expect("a time");
                assert_eq!(rfc3339(t), t.to_rfc3339(), "{seconds} s {nanos} ns");
                checked += 1;
            }
            seconds += 71_827_907;
        }
        assert!(checked > 10_000, "{checked}");
        for (s, n) in [
            (0, 0),
            (-1, 5),
            (1_765_151_999, 1_000_000_500),
            (-62_167_219_200, 0),
        ] {
            let t = Utc.timestamp_opt(s, n).single().expect("a time");
            assert_eq!(rfc3339(t), t.to_rfc3339(), "{s} s {n} ns");
        }
    }
}

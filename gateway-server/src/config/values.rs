//! The value types of the options an operator writes: durations (`30s`), byte sizes
//! (`128KiB`), counts and file modes. Each parses from text the same way from a flag, an
//! environment variable or the config file, and prints back in the same form.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A duration written with its unit: `30s`, `500ms`, `2m`, `1h`; a bare number is seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HumanDuration(pub(crate) Duration);

impl FromStr for HumanDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = || "expected a duration such as 30s, 500ms, 2m or 1h".to_owned();
        let (number, unit) = split_unit(text.trim());
        let number: u64 = number.parse().map_err(|_| expected())?;
        let millis = match unit {
            "ms" => Some(number),
            "" | "s" => number.checked_mul(1000),
            "m" | "min" => number.checked_mul(60_000),
            "h" => number.checked_mul(3_600_000),
            _ => return Err(expected()),
        };
        millis
            .map(|ms| Self(Duration::from_millis(ms)))
            .ok_or_else(|| "the duration is too long".to_owned())
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        for (size, unit) in [(3_600_000, "h"), (60_000, "m"), (1000, "s")] {
            if millis > 0 && millis.is_multiple_of(size) {
                return write!(f, "{}{unit}", millis / size);
            }
        }
        match millis {
            0 => f.write_str("0s"),
            _ => write!(f, "{millis}ms"),
        }
    }
}

/// A size in bytes: `65536`, `64KiB` (or `64K`, `64k`), `1MiB` (`1M`), `1GiB` (`1G`);
/// `KB`, `MB`, `GB` are powers of 1000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ByteSize(pub(crate) usize);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = || "expected a size in bytes such as 65536, 64KiB or 1MiB".to_owned();
        let (number, unit) = split_unit(text.trim());
        let number: usize = number.parse().map_err(|_| expected())?;
        let scale: usize = match unit {
            "" | "B" => 1,
            "K" | "k" | "KiB" => 1 << 10,
            "M" | "m" | "MiB" => 1 << 20,
            "G" | "g" | "GiB" => 1 << 30,
            "KB" | "kB" => 1000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            _ => return Err(expected()),
        };
        number
            .checked_mul(scale)
            .map(Self)
            .ok_or_else(|| "the size is too large".to_owned())
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
            if bytes > 0 && bytes.is_multiple_of(1 << shift) {
                return write!(f, "{}{unit}", bytes >> shift);
            }
        }
        write!(f, "{bytes}")
    }
}

/// A whole number of at least one (threads, headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Count(pub(crate) usize);

impl FromStr for Count {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().parse() {
            Ok(0) => Err("expected a whole number of at least 1".to_owned()),
            Ok(count) => Ok(Self(count)),
            Err(_) => Err("expected a whole number such as 8".to_owned()),
        }
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// File permission bits in octal, as `chmod` takes them: `660`, `0660`, `0o660`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileMode(pub(crate) u32);

impl FromStr for FileMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let digits = text.strip_prefix("0o").unwrap_or(text);
        match u32::from_str_radix(digits, 8) {
            Ok(mode) if mode <= 0o777 && !digits.is_empty() => Ok(Self(mode)),
            _ => Err("expected octal permission bits such as 660 or 666".to_owned()),
        }
    }
}

impl fmt::Display for FileMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03o}", self.0)
    }
}

/// `"30s"` → `("30", "s")`: the leading digits and the rest.
fn split_unit(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    (&text[..end], text[end..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_and_a_bare_number_is_seconds() {
        let parse = |text: &str| text.parse::<HumanDuration>().map(|d| d.0);
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse("soon").unwrap_err().contains("expected a duration"));
        assert!(parse("1.5s").is_err());
        assert!(parse("-1s").is_err());
    }

    #[test]
    fn durations_print_in_the_largest_whole_unit() {
        for text in ["30s", "2m", "1h", "500ms", "0s", "90s"] {
            assert_eq!(text.parse::<HumanDuration>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn sizes_take_binary_and_decimal_units() {
        let parse = |text: &str| text.parse::<ByteSize>().map(|s| s.0);
        assert_eq!(parse("65536"), Ok(65536));
        assert_eq!(parse("128KiB"), Ok(128 * 1024));
        assert_eq!(parse("8k"), Ok(8192));
        assert_eq!(parse("1MiB"), Ok(1 << 20));
        assert_eq!(parse("1 MB"), Ok(1_000_000));
        assert!(parse("lots").unwrap_err().contains("expected a size"));
        assert_eq!(ByteSize(128 * 1024).to_string(), "128KiB");
        assert_eq!(ByteSize(1000).to_string(), "1000");
    }

    #[test]
    fn counts_are_whole_and_positive() {
        assert_eq!("8".parse::<Count>(), Ok(Count(8)));
        assert!("0".parse::<Count>().unwrap_err().contains("at least 1"));
        assert!("1.5".parse::<Count>().is_err());
    }

    #[test]
    fn modes_are_octal() {
        assert_eq!("660".parse::<FileMode>(), Ok(FileMode(0o660)));
        assert_eq!("0666".parse::<FileMode>(), Ok(FileMode(0o666)));
        assert_eq!("0o600".parse::<FileMode>(), Ok(FileMode(0o600)));
        assert!("999".parse::<FileMode>().is_err());
        assert!("1777".parse::<FileMode>().is_err());
        assert_eq!(FileMode(0o660).to_string(), "660");
    }
}

//! The times in a trace: `HH:MM:SS.ffffff`, of day or since the call started.

use std::time::Duration;

/// The time of day, as pysnooper's event lines start.
pub(crate) fn time_of_day() -> String {
    chrono::Local::now().format("%H:%M:%S%.6f").to_string()
}

/// `HH:MM:SS.ffffff`, pysnooper's `timedelta_format`.
pub(crate) fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        elapsed.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::{duration, time_of_day};
    use std::time::Duration;

    #[test]
    fn snoop_durations_are_hours_minutes_seconds_and_microseconds() {
        assert_eq!(duration(Duration::from_micros(8975)), "00:00:00.008975");
        assert_eq!(duration(Duration::from_secs(3723)), "01:02:03.000000");
    }

    #[test]
    fn snoop_times_of_day_have_the_same_shape() {
        let time = time_of_day();
        assert_eq!(time.len(), "00:00:00.000000".len(), "{time}");
        assert_eq!(&time[2..3], ":");
        assert_eq!(&time[8..9], ".");
    }
}

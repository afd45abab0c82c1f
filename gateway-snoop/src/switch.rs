//! The switch that silences every `#[snoop]`: `GATEWAY_SNOOP=off`, or [`set_enabled`].

use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

/// `GATEWAY_SNOOP`, read once; then [`set_enabled`].
static SWITCH: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether `#[snoop]` traces: `false` when the environment variable `GATEWAY_SNOOP` is
/// `off` (or `0`, `false`, `no`) at the first traced call, or after `set_enabled(false)`.
///
/// Read once per traced call, from an atomic: a silenced call costs a load and a branch,
/// and each of its trace points a branch on a local.
#[inline]
pub fn enabled() -> bool {
    match SWITCH.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => read_switch(),
    }
}

#[cold]
fn read_switch() -> bool {
    let off = std::env::var("GATEWAY_SNOOP").is_ok_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    });
    let wanted = if off { OFF } else { ON };
    // `set_enabled` may have run meanwhile: it wins.
    match SWITCH.compare_exchange(UNKNOWN, wanted, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => wanted == ON,
        Err(current) => current == ON,
    }
}

/// Turns every `#[snoop]` on or off from now on, whatever `GATEWAY_SNOOP` says. A call
/// already being traced finishes its trace.
pub fn set_enabled(on: bool) {
    SWITCH.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

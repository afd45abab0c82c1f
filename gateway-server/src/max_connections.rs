//! `--max-connections N`: past N open connections the server stops calling `accept`, so new
//! connections wait in the kernel's listen backlog (nothing is refused or reset) until one
//! closes. One log line says so when accepting pauses, one when the server is below the
//! limit again.
//!
//! Each accept loop takes its place before it accepts: with several listeners, a listener
//! waiting for its next connection holds one place.

use gateway_core::host::{log, Level};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The places for connections (none: no limit).
pub(crate) struct MaxConnections {
    places: Option<Arc<Semaphore>>,
    limit: usize,
    paused: AtomicBool,
}

/// An open connection's place; dropping it frees the place.
pub(crate) type Place = Option<OwnedSemaphorePermit>;

impl MaxConnections {
    /// At most `limit` connections; 0 means no limit.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            places: (limit > 0).then(|| Arc::new(Semaphore::new(limit))),
            limit,
            paused: AtomicBool::new(false),
        }
    }

    /// A place for the next connection, once one is free. The pause ends (and is logged as
    /// over) when a place is free without waiting: while connections close one by one at
    /// the limit, accepting goes on and off without a line each time.
    pub(crate) async fn admit(&self) -> Place {
        let places = self.places.as_ref()?;
        if let Ok(place) = places.clone().try_acquire_owned() {
            if self.paused.swap(false, Ordering::SeqCst) {
                log(
                    Level::Info,
                    format_args!("below --max-connections again: accepting resumed"),
                );
            }
            return Some(place);
        }
        if !self.paused.swap(true, Ordering::SeqCst) {
            log(
                Level::Warn,
                format_args!(
                    "{} connections open (--max-connections): accepting paused; new \
                     connections wait in the listen backlog",
                    self.limit
                ),
            );
        }
        places.clone().acquire_owned().await.ok()
    }
}

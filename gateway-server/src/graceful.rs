//! Graceful shutdown: ask every open connection to finish, then wait until all are closed.
//!
//! hyper-util's `GracefulShutdown` does this with one `watch` channel that every connection
//! polls, and tokio's `Notified` takes the channel's waiter lock on each of those polls: one
//! lock shared by all I/O threads, taken on every request (measured with callgrind: ~190
//! instructions per request). Here each connection waits on a `oneshot` of its own, whose poll
//! is a few atomic operations; the shared lock is taken only when a connection opens or
//! closes, and at shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{oneshot, Notify};

/// The open connections of one server.
#[derive(Clone, Default)]
pub(crate) struct Connections(Arc<Registry>);

#[derive(Default)]
struct Registry {
    open: Mutex<Open>,
    /// Notified when the last open connection closes.
    all_closed: Notify,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    /// The stop signal of each open connection (`None` once it was sent).
    stops: HashMap<u64, Option<oneshot::Sender<()>>>,
}

/// A connection's entry among the open ones; dropping it marks the connection closed.
pub(crate) struct Entry {
    registry: Arc<Registry>,
    id: u64,
}

impl Connections {
    /// Registers a newly accepted connection. The receiver completes when the server shuts
    /// down: the connection should then finish its in-flight requests and close.
    pub(crate) fn open(&self) -> (Entry, oneshot::Receiver<()>) {
        let (stop_tx, stop_rx) = oneshot::channel();
        let mut open = self.0.lock();
        let id = open.next_id;
        open.next_id += 1;
        open.stops.insert(id, Some(stop_tx));
        let entry = Entry {
            registry: self.0.clone(),
            id,
        };
        (entry, stop_rx)
    }

    /// Tells every open connection to stop and waits until they have all closed.
    pub(crate) async fn shutdown(&self) {
        loop {
            // Listen before looking, so that a close in between is not missed.
            let all_closed = self.0.all_closed.notified();
            tokio::pin!(all_closed);
            all_closed.as_mut().enable();
            {
                let mut open = self.0.lock();
                if open.stops.is_empty() {
                    return;
                }
                for stop in open.stops.values_mut().filter_map(Option::take) {
                    let _ = stop.send(());
                }
            }
            all_closed.await;
        }
    }
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let mut open = self.registry.lock();
        open.stops.remove(&self.id);
        if open.stops.is_empty() {
            self.registry.all_closed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn shutdown_stops_every_connection_and_waits_for_the_last_to_close() {
        let connections = Connections::default();
        let (first, first_stop) = connections.open();
        let (second, second_stop) = connections.open();
        let closing = tokio::spawn(async move {
            first_stop.await.unwrap();
            drop(first);
            second_stop.await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(second);
        });
        tokio::time::timeout(Duration::from_secs(5), connections.shutdown())
            .await
            .expect("shutdown returns once both connections closed");
        closing.await.unwrap();
        assert!(connections.0.lock().stops.is_empty());
    }

    #[tokio::test]
    async fn shutdown_with_nothing_open_returns_at_once() {
        tokio::time::timeout(Duration::from_secs(5), Connections::default().shutdown())
            .await
            .expect("nothing to wait for");
    }
}

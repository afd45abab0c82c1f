//! Rendering a list of snapshots (one per process): the JSON document of `--stats` and the
//! Prometheus text of `/metrics`, the latter encoded by prometheus-client.

use super::snapshot::{merge, ListenerStats, Snapshot, WorkerStats, LATENCY_BOUNDS_SECONDS};
use crate::metrics::{CLASSES, METHODS};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

/// The stats document, like uWSGI's stats server's.
#[derive(Serialize)]
struct Document<'a> {
    version: &'a str,
    uptime_seconds: u64,
    draining: bool,
    requests: u64,
    in_flight: u64,
    stuck_threads: u64,
    pool: Pool,
    bytes_in: u64,
    bytes_out: u64,
    workers: &'a [WorkerStats],
    listeners: &'a [ListenerStats],
}

#[derive(Serialize)]
struct Pool {
    busy: u64,
    threads: u64,
}

/// The JSON document of the stats server.
pub(crate) fn json(snapshots: &[Snapshot]) -> String {
    let total = merge(snapshots);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let document = Document {
        version: &total.version,
        uptime_seconds: now.saturating_sub(total.started_unix),
        draining: total.draining,
        requests: total.requests.iter().flatten().sum(),
        in_flight: total.in_flight,
        stuck_threads: total.stuck_threads,
        pool: Pool {
            busy: total.pool_busy,
            threads: total.pool_threads,
        },
        bytes_in: total.bytes_in,
        bytes_out: total.bytes_out,
        workers: &total.workers,
        listeners: &total.listeners,
    };
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}

/// The Prometheus text exposition of the snapshots' sum.
pub(crate) fn prometheus(snapshots: &[Snapshot]) -> String {
    let mut registry = Registry::with_prefix("gateway");
    registry.register_collector(Box::new(Scrape(merge(snapshots))));
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

/// One scrape's numbers, encoded by prometheus-client.
#[derive(Debug)]
struct Scrape(Snapshot);

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let total = &self.0;
        let mut requests = encoder.encode_descriptor(
            "http_requests",
            "Requests answered, by method and status class.",
            None,
            MetricType::Counter,
        )?;
        for (method, row) in METHODS.iter().zip(&total.requests) {
            for (class, count) in CLASSES.iter().zip(row) {
                let labels = [("method", *method), ("status", *class)];
                ConstCounter::new(*count).encode(requests.encode_family(&labels)?)?;
            }
        }
        // Counts per bucket, not cumulative: the encoder adds them up; f64::MAX is its +Inf.
        let buckets: Vec<(f64, u64)> = LATENCY_BOUNDS_SECONDS
            .iter()
            .chain(std::iter::once(&f64::MAX))
            .zip(&total.latency_buckets)
            .map(|(&bound, &count)| (bound, count))
            .collect();
        encoder
            .encode_descriptor(
                "http_request_duration_seconds",
                "Time from a request's head to the end of its response.",
                None,
                MetricType::Histogram,
            )?
            .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                total.latency_sum_seconds,
                total.latency_buckets.iter().sum(),
                &buckets,
                None,
            )?;
        let counters = [
            ("received_bytes", "Bytes read from clients.", total.bytes_in),
            ("sent_bytes", "Bytes written to clients.", total.bytes_out),
            (
                "worker_restarts",
                "Worker processes restarted by the master.",
                total.worker_restarts,
            ),
            (
                "harakiri",
                "Requests stopped by --harakiri.",
                total.harakiri,
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        let open: u64 = total.listeners.iter().map(|listener| listener.open).sum();
        let gauges = [
            (
                "http_requests_in_flight",
                "Requests begun and not finished.",
                total.in_flight,
            ),
            ("open_connections", "Client connections open.", open),
            ("pool_threads", "Application threads.", total.pool_threads),
            (
                "pool_busy_threads",
                "Application threads running a call.",
                total.pool_busy,
            ),
            (
                "stuck_threads",
                "Threads still running a call that --harakiri gave up on.",
                total.stuck_threads,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

//! The workers and what the master does with them: start them, restart one that dies (with a
//! backoff), replace one that retires, reload them all (new ones first), stop them.

use super::board::{self, Board};
use super::channel::{Message, Said};
use super::signals::send;
use super::spawn::Spawner;
use crate::notify;
use gateway_core::host::{log, Level};
use nix::sys::signal::Signal;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// The first wait before restarting a worker that died; it doubles with each death.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest wait before a restart.
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// A worker that lived this long before dying resets the backoff: it was not a crash loop.
const BACKOFF_RESET: Duration = Duration::from_secs(10);
/// How much longer than `--shutdown-timeout` a stopping worker may take before it is killed:
/// it drops its connections itself at the timeout, then tears down its threads.
const STOP_MARGIN: Duration = Duration::from_secs(5);
/// How long a reload waits for its new workers to say they are ready (importing a large
/// application takes seconds); after it, the reload is abandoned: the new workers that are
/// not ready are killed (they never served), the old ones go on, and SIGHUP works again.
const RELOAD_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// One worker process.
struct Worker {
    child: Child,
    slot: usize,
    /// Its place among the `wanted` (see `board.rs`): a replacement takes the same.
    place: usize,
    generation: u64,
    started: Instant,
    /// It said `READY=1`.
    ready: bool,
    /// It said `STOPPING=1` by itself (`--max-requests`): replaced, not restarted.
    retiring: bool,
    /// The master sent it SIGTERM (a reload, a stop).
    told: bool,
}

impl Worker {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it counts towards the workers wanted.
    fn serves(&self, generation: u64) -> bool {
        self.generation == generation && !self.retiring && !self.told
    }
}

/// Why the master gave up.
pub(crate) struct Failed(pub(crate) String);

/// The master's workers.
pub(crate) struct Supervisor {
    spawner: Spawner,
    wanted: usize,
    workers: Vec<Worker>,
    /// The generation that serves; a reload starts the next.
    generation: u64,
    /// A reload's generation, until all of it is ready.
    reloading: Option<u64>,
    /// When a reload under way is abandoned if its workers are not all ready.
    reload_deadline: Instant,
    /// [`RELOAD_READY_TIMEOUT`] (shorter in tests).
    reload_timeout: Duration,
    next_slot: usize,
    backoff: Duration,
    next_start: Instant,
    /// Whether all the first workers were ready once (until then a death is fatal).
    started: bool,
    /// Set by a stop: when to kill the workers still draining.
    stopping: Option<Instant>,
    shutdown_timeout: Duration,
    /// What `--stats` shows.
    board: board::Shared,
}

impl Supervisor {
    /// Starts `wanted` workers.
    pub(crate) fn start(
        spawner: Spawner,
        wanted: usize,
        shutdown_timeout: Duration,
        board: board::Shared,
    ) -> Result<Self, Failed> {
        let mut supervisor = Self {
            spawner,
            wanted,
            workers: Vec::new(),
            generation: 0,
            reloading: None,
            reload_deadline: Instant::now(),
            reload_timeout: RELOAD_READY_TIMEOUT,
            next_slot: 0,
            backoff: BACKOFF_MIN,
            next_start: Instant::now(),
            started: false,
            stopping: None,
            shutdown_timeout,
            board,
        };
        for _ in 0..wanted {
            supervisor
                .spawn(0)
                .map_err(|error| Failed(error.to_string()))?;
        }
        Ok(supervisor)
    }

    fn spawn(&mut self, generation: u64) -> std::io::Result<()> {
        let slot = self.next_slot;
        let child = self.spawner.spawn(slot)?;
        self.next_slot += 1;
        tracing::debug!("started worker {} (slot {slot})", child.id());
        let taken: Vec<usize> = (self.workers.iter())
            .filter(|w| w.serves(generation))
            .map(|w| w.place)
            .collect();
        let place = (0..).find(|p| !taken.contains(p)).unwrap_or_default();
        Board::lock(&self.board).started(child.id(), place);
        self.workers.push(Worker {
            child,
            slot,
            place,
            generation,
            started: Instant::now(),
            ready: false,
            retiring: false,
            told: false,
        });
        Ok(())
    }

    /// Whether a stop has finished: no worker left.
    pub(crate) fn stopped(&self) -> bool {
        self.stopping.is_some() && self.workers.is_empty()
    }

    /// Acts on what the workers said.
    pub(crate) fn heard(&mut self, message: Message) {
        if let Said::Stats(snapshot) = message.said {
            // Also from a worker whose exit was just seen: its final numbers.
            Board::lock(&self.board).reported(message.pid, *snapshot);
            return;
        }
        let Some(worker) = self.workers.iter_mut().find(|w| w.pid() == message.pid) else {
            return;
        };
        match message.said {
            Said::Ready => worker.ready = true,
            Said::Stopping if !worker.told => {
                // Retiring (--max-requests): its replacement starts now, capacity holds.
                worker.retiring = true;
            }
            Said::Stopping | Said::Stats(_) => {}
        }
        if message.said == Said::Ready {
            self.check_ready();
        }
    }

    /// Announces a generation that is all ready; ends a reload.
    fn check_ready(&mut self) {
        let ready = |generation| {
            self.workers
                .iter()
                .filter(|w| w.generation == generation && w.ready && !w.told)
                .count()
        };
        if let Some(next) = self.reloading {
            if ready(next) >= self.wanted {
                for old in self
                    .workers
                    .iter_mut()
                    .filter(|w| w.generation < next && !w.told)
                {
                    old.told = true;
                    send(old.pid(), Signal::SIGTERM);
                }
                self.generation = next;
                self.reloading = None;
                log(
                    Level::Info,
                    format_args!(
                        "reloaded: {} new workers serve; the old ones drain",
                        self.wanted
                    ),
                );
                notify::ready();
            }
        } else if !self.started && ready(self.generation) >= self.wanted {
            self.started = true;
            log(Level::Info, format_args!("{} workers ready", self.wanted));
            notify::ready();
        }
    }

    /// SIGHUP: starts a new generation; the old one stops when all of it is ready.
    pub(crate) fn reload(&mut self) {
        if self.stopping.is_some() {
            return;
        }
        if self.reloading.is_some() {
            log(
                Level::Warn,
                format_args!("SIGHUP ignored: a reload is already under way"),
            );
            return;
        }
        notify::reloading();
        let next = self.generation + 1;
        self.reloading = Some(next);
        self.reload_deadline = Instant::now() + self.reload_timeout;
        log(
            Level::Info,
            format_args!(
                "SIGHUP: reloading: starting {} workers from {}",
                self.wanted,
                self.spawner.exe.display()
            ),
        );
        for _ in 0..self.wanted {
            if let Err(error) = self.spawn(next) {
                self.abandon_reload(&error.to_string());
                return;
            }
        }
    }

    /// A reload whose new workers cannot start: they stop, the old ones go on.
    fn abandon_reload(&mut self, why: &str) {
        log(
            Level::Error,
            format_args!("reload failed: {why}; the old workers keep serving"),
        );
        if let Some(next) = self.reloading.take() {
            for new in self
                .workers
                .iter_mut()
                .filter(|w| w.generation == next && !w.told)
            {
                new.told = true;
                if new.ready {
                    send(new.pid(), Signal::SIGTERM);
                } else {
                    // It never served, and may be stuck in its start: nothing to drain.
                    let _ = new.child.kill();
                }
            }
        }
        notify::ready();
    }

    /// SIGTERM / SIGINT: every worker stops accepting and drains.
    pub(crate) fn stop(&mut self, signal: &str) {
        if self.stopping.is_none() {
            notify::stopping();
            Board::lock(&self.board).drain();
            log(
                Level::Info,
                format_args!(
                    "{signal}: stopping {} workers; each drains up to {:?}",
                    self.workers.len(),
                    self.shutdown_timeout
                ),
            );
            self.stopping = Some(Instant::now() + self.shutdown_timeout + STOP_MARGIN);
            self.spawner.sockets.clear();
        }
        self.reloading = None;
        for worker in self.workers.iter_mut().filter(|w| !w.told) {
            worker.told = true;
            send(worker.pid(), Signal::SIGTERM);
        }
    }

    /// SIGUSR1: passed on to every worker.
    pub(crate) fn forward(&self, signal: Signal) {
        for worker in &self.workers {
            send(worker.pid(), signal);
        }
    }

    /// Collects the workers that exited, restarts or replaces them, and kills the ones that
    /// outlived a stop. An error: the first workers died before they were ever ready (a
    /// configuration or an application that cannot start), so the master gives up.
    pub(crate) fn tend(&mut self) -> Result<(), Failed> {
        let now = Instant::now();
        let mut index = 0;
        while index < self.workers.len() {
            match self.workers[index].child.try_wait() {
                Ok(Some(status)) => {
                    let worker = self.workers.swap_remove(index);
                    self.exited(worker, status, now)?;
                }
                _ => index += 1,
            }
        }
        if let Some(deadline) = self.stopping {
            if now >= deadline {
                for worker in &mut self.workers {
                    log(
                        Level::Warn,
                        format_args!("worker {} did not stop in time: killed", worker.pid()),
                    );
                    let _ = worker.child.kill();
                }
            }
            return Ok(());
        }
        if self.reloading.is_some() && now >= self.reload_deadline {
            self.abandon_reload(&format!(
                "the new workers were not all ready within {:?}",
                self.reload_timeout
            ));
        }
        let serving = self
            .workers
            .iter()
            .filter(|w| w.serves(self.generation))
            .count();
        if serving < self.wanted && now >= self.next_start {
            for _ in serving..self.wanted {
                if let Err(error) = self.spawn(self.generation) {
                    if !self.started {
                        return Err(Failed(error.to_string()));
                    }
                    log(Level::Error, format_args!("{error}"));
                    self.delay_restart(now, Duration::ZERO);
                    break;
                }
            }
        }
        Ok(())
    }

    fn exited(&mut self, worker: Worker, status: ExitStatus, now: Instant) -> Result<(), Failed> {
        let pid = worker.pid();
        let planned = worker.told || (worker.retiring && status.success());
        // What the branches below restart: not a reload's or the first start's failure.
        let restarted = !planned
            && (worker.ready || (self.started && self.reloading != Some(worker.generation)));
        Board::lock(&self.board).exited(pid, status.to_string(), restarted);
        if planned {
            let why = if worker.told { "stopped" } else { "retired" };
            log(Level::Info, format_args!("worker {pid} {why} ({status})"));
            return Ok(());
        }
        if !worker.ready && self.reloading == Some(worker.generation) {
            self.abandon_reload(&format!(
                "a new worker ({pid}) exited ({status}) before it was ready"
            ));
            return Ok(());
        }
        if !worker.ready && !self.started {
            return Err(Failed(format!(
                "worker {pid} exited ({status}) before it was ready; see its error above"
            )));
        }
        let lived = now.duration_since(worker.started);
        self.delay_restart(now, lived);
        log(
            Level::Error,
            format_args!(
                "worker {pid} (slot {}) died ({status}) after {lived:.1?}; restarting in {:?}",
                worker.slot,
                self.next_start.saturating_duration_since(now)
            ),
        );
        Ok(())
    }

    /// Schedules the next start after a death, backing off while workers die young.
    fn delay_restart(&mut self, now: Instant, lived: Duration) {
        if lived >= BACKOFF_RESET {
            self.backoff = BACKOFF_MIN;
        }
        self.next_start = now + self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spawner(script: &str) -> Spawner {
        Spawner {
            exe: "/bin/sh".into(),
            args: vec!["-c".into(), script.into()],
            sockets: Vec::new(),
            names: String::new(),
            notify: std::env::temp_dir().join("gateway-no-master"),
        }
    }

    /// A supervisor of `wanted` workers that run `script`.
    fn supervisor(script: &str, wanted: usize) -> Supervisor {
        Supervisor::start(
            spawner(script),
            wanted,
            Duration::from_secs(1),
            Board::shared(),
        )
        .ok()
        .unwrap()
    }

    /// Stops `supervisor` and waits (until `deadline`) for its workers to be gone.
    fn stop(supervisor: &mut Supervisor, deadline: Instant) {
        supervisor.stop("test over");
        while !supervisor.stopped() {
            let _ = supervisor.tend();
            assert!(Instant::now() < deadline, "not stopped");
        }
    }

    #[test]
    fn workers_that_die_before_they_are_ever_ready_make_the_master_give_up() {
        let mut supervisor = supervisor("exit 3", 2);
        let deadline = Instant::now() + Duration::from_secs(10);
        let failed = loop {
            assert!(Instant::now() < deadline, "no verdict");
            if let Err(failed) = supervisor.tend() {
                break failed.0;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            failed.contains("exited (exit status: 3) before it was ready"),
            "{failed}"
        );
        stop(&mut supervisor, deadline);
    }

    #[test]
    fn restarts_back_off_while_workers_die_young_and_reset_after_a_long_life() {
        let mut supervisor = supervisor("exit 0", 0);
        let now = Instant::now();
        let young = Duration::from_secs(1);
        let waits: Vec<_> = (0..9)
            .map(|_| {
                supervisor.delay_restart(now, young);
                supervisor.next_start - now
            })
            .collect();
        let ms: Vec<_> = waits.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000]);
        supervisor.delay_restart(now, BACKOFF_RESET);
        assert_eq!(supervisor.next_start - now, BACKOFF_MIN);
    }

    #[test]
    fn a_reload_whose_new_workers_never_get_ready_is_abandoned_and_the_old_ones_serve_on() {
        let mut supervisor = supervisor("sleep 30", 1);
        let old = supervisor.workers[0].pid();
        supervisor.heard(Message {
            pid: old,
            said: Said::Ready,
        });
        supervisor.reload_timeout = Duration::from_millis(200);
        supervisor.reload();
        let new = supervisor.workers[1].pid();
        let deadline = Instant::now() + Duration::from_secs(10);
        while supervisor.workers.iter().any(|w| w.pid() == new) {
            assert!(Instant::now() < deadline, "the new worker is still there");
            supervisor.tend().ok().unwrap();
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(supervisor.reloading, None, "the reload was abandoned");
        let serving: Vec<_> = (supervisor.workers.iter())
            .filter(|w| w.serves(supervisor.generation))
            .map(Worker::pid)
            .collect();
        assert_eq!(serving, [old], "the old worker serves on");
        supervisor.reload();
        assert_eq!(
            supervisor.reloading,
            Some(1),
            "a later SIGHUP reloads again"
        );
        for worker in &mut supervisor.workers {
            let _ = worker.child.kill();
        }
        stop(&mut supervisor, deadline);
    }
}

//! `PYFREEZE_TRACE_STARTUP=1`: where a start's time goes, printed to stderr
//! at exit. The profile bench/RESULTS.md quotes; off, it costs one
//! environment lookup.

use std::time::Instant;

pub struct Trace {
    enabled: bool,
    last: Instant,
    steps: Vec<(&'static str, f64)>,
}

impl Trace {
    pub fn from_env() -> Trace {
        Trace {
            enabled: std::env::var_os("PYFREEZE_TRACE_STARTUP").is_some_and(|v| v == "1"),
            last: Instant::now(),
            steps: Vec::new(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The time since the previous mark was spent on `step`.
    pub fn mark(&mut self, step: &'static str) {
        if self.enabled {
            let now = Instant::now();
            self.steps
                .push((step, (now - self.last).as_secs_f64() * 1000.0));
            self.last = now;
        }
    }

    /// Print the steps; once, so that an early report (before a process
    /// ends inside the interpreter) is not followed by a second.
    pub fn report(&mut self) {
        if std::mem::take(&mut self.enabled) {
            let shown: Vec<String> = self
                .steps
                .iter()
                .map(|(s, ms)| format!("{s} {ms:.2} ms"))
                .collect();
            let total: f64 = self.steps.iter().map(|(_, ms)| ms).sum();
            eprintln!(
                "pyfreeze startup: {} (total {total:.2} ms)",
                shown.join(", ")
            );
        }
    }
}

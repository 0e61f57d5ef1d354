//! What the command line shows while a build runs: warnings on stderr, and a
//! progress bar for builds that take longer than a second, on a terminal
//! only: quiet in CI, when piped, and for the usual sub-second build.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pyfreeze::{Diagnostic, Phase, Reporter};
use std::io::IsTerminal;
use std::time::Duration;

/// Shown only for builds longer than this; `PYFREEZE_PROGRESS_DELAY_MS`
/// changes it (the tests use 0 to see the bar on a pseudo-terminal).
fn delay() -> Duration {
    std::env::var("PYFREEZE_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

pub struct Progress {
    bar: ProgressBar,
    /// `-q`: no bar, no warnings.
    quiet: bool,
}

impl Progress {
    /// A bar that shows itself after [`delay`] if the build is still running
    /// and stderr is a terminal outside CI; none with `quiet`.
    pub fn start(quiet: bool) -> Progress {
        let enabled = !quiet;
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if enabled && interactive {
            let delayed = bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(delay());
                if !delayed.is_finished() {
                    delayed.set_draw_target(ProgressDrawTarget::stderr());
                    delayed.enable_steady_tick(Duration::from_millis(100));
                }
            });
        }
        Progress { bar, quiet }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Reporter for Progress {
    /// A new step: a bar over `total` items, or a spinner when `total` is 0.
    fn phase(&self, phase: Phase, total: u64) {
        let message = phase.describe();
        let template = if total == 0 {
            "{spinner} {msg}"
        } else {
            "{spinner} {msg} {wide_bar} {pos}/{len}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style);
        }
        self.bar.set_message(message);
        self.bar.set_length(total);
        self.bar.set_position(0);
    }

    fn advance(&self) {
        self.bar.inc(1);
    }

    fn diagnostic(&self, diagnostic: &Diagnostic) {
        if !self.quiet {
            let level = if diagnostic.is_note() {
                "note"
            } else {
                "warning"
            };
            self.bar.suspend(|| eprintln!("{level}: {diagnostic}"));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

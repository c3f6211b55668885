//! Named crash points for the kill test.
//!
//! `fault::point("name")` does nothing unless the environment variable `FAIRDRAW_FAULT` equals `name`; then it
//! kills the process with SIGKILL on the spot — no destructors, no flush, no rollback, exactly like a power
//! cut or the task manager. The crash test (`tests/it/crash.rs`) runs a real `fairdraw` process once per
//! point in [`POINTS`] and checks that reopening the database finds either the old or the new state, never a
//! half-written one. Points sit inside each write transaction just before commit (`*.before_commit`) and just
//! after commit, before anything is printed (`*.after_commit`).
//!
//! The variable is read once per process. A point name not in [`POINTS`] is a bug caught by a debug assertion,
//! so the test's list of points cannot silently fall behind the code.

use std::sync::OnceLock;

/// Every fault point in the code, so that the kill test can try each one.
pub const POINTS: &[&str] = &[
    "plan.before_commit",
    "plan.after_commit",
    "task.before_commit",
    "task.after_commit",
    "ceremony.start.before_commit",
    "ceremony.start.after_commit",
    "ceremony.freeze.before_commit",
    "ceremony.freeze.after_commit",
    "ceremony.commit.before_commit",
    "ceremony.commit.after_commit",
    "ceremony.witness.before_commit",
    "ceremony.witness.after_commit",
    "ceremony.close_witnesses.before_commit",
    "ceremony.close_witnesses.after_commit",
    "ceremony.entropy.before_commit",
    "ceremony.entropy.after_commit",
    "ceremony.seed.before_commit",
    "ceremony.seed.after_commit",
    "ceremony.reveal.before_commit",
    "ceremony.reveal.after_commit",
    "ceremony.seal.before_commit",
    "ceremony.seal.after_commit",
    "ceremony.void.before_commit",
    "ceremony.void.after_commit",
    "ceremony.recording.before_commit",
    "ceremony.recording.after_commit",
    "ceremony.mark.before_commit",
    "ceremony.mark.after_commit",
    "ceremony.video.before_commit",
    "ceremony.video.after_commit",
    "ceremony.reserve.before_commit",
    "ceremony.reserve.after_commit",
    "ceremony.assign.before_commit",
    "ceremony.assign.after_commit",
    "result.before_commit",
    "result.after_commit",
    "calendar.before_commit",
    "calendar.after_commit",
    "import.before_commit",
    "import.after_commit",
];

/// The environment variable naming the point at which to die.
pub const ENV: &str = "FAIRDRAW_FAULT";

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENV).ok().filter(|s| !s.is_empty()))
        .as_deref()
}

/// Kills the process with SIGKILL if `FAIRDRAW_FAULT` names this point; otherwise does nothing.
pub fn point(name: &str) {
    debug_assert!(
        POINTS.contains(&name),
        "fault point {name} is missing from fault::POINTS"
    );
    if armed() == Some(name) {
        die();
    }
}

#[cfg(unix)]
fn die() -> ! {
    // SAFETY: kill(2) with our own pid has no memory-safety preconditions. SIGKILL cannot be caught, so
    // nothing of this process runs after it: no destructor, no SQLite rollback, no buffered write.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    // Not reached; keeps the type `!` should the signal be delayed.
    std::process::abort()
}

#[cfg(not(unix))]
fn die() -> ! {
    // Windows has no SIGKILL; abort ends the process without running destructors or flushing buffers,
    // which is the closest equivalent.
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_unique_and_paired() {
        let mut seen = std::collections::HashSet::new();
        for p in POINTS {
            assert!(seen.insert(*p), "duplicate {p}");
        }
        for p in POINTS.iter().filter(|p| p.ends_with(".before_commit")) {
            let after = p.replace(".before_commit", ".after_commit");
            assert!(POINTS.contains(&after.as_str()), "{p} has no after_commit twin");
        }
    }

    #[test]
    fn an_unarmed_point_does_nothing() {
        // The unit-test process never sets FAIRDRAW_FAULT, so this returns.
        point("plan.before_commit");
    }
}

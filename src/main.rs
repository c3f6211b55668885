//! The `fairdraw` command-line tool: parses arguments, calls the core library, maps errors to exit codes.

mod cli;

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so `fairdraw list entities | head` would see EPIPE on the next write and `println!`
    // would panic. Like other Unix tools, fairdraw is instead ended quietly by the signal (shell status 141)
    // once the reader has gone; nothing it reports on stdout is needed for a write to be complete.
    #[cfg(unix)]
    // SAFETY: called before any thread exists; restoring the default action of a signal has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::run()
}

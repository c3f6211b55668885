//! Arbitrary bytes as a task description file, drawn on small fixed registers if it parses
//! (`fairdraw::fuzzing::task_file`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fairdraw::fuzzing::task_file(&fairdraw::fuzzing::scratch_dir(), data);
});

//! Arbitrary bytes as a `.xls` file through preview and import of every register (`fairdraw::fuzzing::spreadsheet`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fairdraw::fuzzing::spreadsheet(&fairdraw::fuzzing::scratch_dir(), "input.xls", data);
});

//! Arbitrary bytes as a zip record bundle: read, then re-checked (`fairdraw::fuzzing::bundle_zip`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fairdraw::fuzzing::bundle_zip(&fairdraw::fuzzing::scratch_dir(), data);
});

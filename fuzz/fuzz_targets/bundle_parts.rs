//! Arbitrary bytes as `bundle.json` and as each CSV file of a record bundle (`fairdraw::fuzzing::bundle_parts`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fairdraw::fuzzing::bundle_parts(data);
});

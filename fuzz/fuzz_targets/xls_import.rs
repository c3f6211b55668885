//! Arbitrary bytes as a `.xls` file through preview and import of every register (`fairdraw::fuzzing::spreadsheet`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libFuzzer's panic hook aborts on every panic, even one that `source::contain_panic` catches and turns into
    // an error (calamine's .xls reader panics on some damaged files). The default hook lets caught panics pass;
    // an uncaught one still reaches libfuzzer-sys, which reports it as a crash.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let _ = std::panic::take_hook();
    });
    let _ = fairdraw::fuzzing::spreadsheet(&fairdraw::fuzzing::scratch_dir(), "input.xls", data);
});

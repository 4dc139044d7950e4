//! `include/tws.h` must equal the header build.rs generates from src/ffi.
//! `make header` (TWS_REFRESH_HEADER=1) rewrites it instead of failing.

use std::path::Path;

#[test]
fn checked_in_header_matches_the_generated_one() {
    let generated =
        std::fs::read_to_string(env!("TWS_GENERATED_HEADER")).expect("build.rs wrote the header");
    assert!(
        !generated.starts_with("/* cbindgen failed"),
        "cbindgen failed: {generated}"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/tws.h");
    if std::env::var_os("TWS_REFRESH_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("include/tws.h is writable");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "include/tws.h differs from the header generated from src/ffi: run `make header` and commit it"
    );
}

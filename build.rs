//! Generates the C header into OUT_DIR (the checked-in `include/tws.h` is
//! compared against it by a test and refreshed by `make header`), gives the
//! shared object its soname and exports only `tws_*` symbols.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");

    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtws.so.{major}");
    let map = crate_dir.join("src/ffi/exports.map");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let header = out_dir.join("tws.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    // Only the FFI layer speaks C: parse its files, not the whole crate.
    // cbindgen follows the `mod` declarations of src/ffi/mod.rs, in their order.
    let builder = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/ffi/mod.rs"));
    match builder.generate() {
        Ok(bindings) => {
            bindings.write_to_file(&header);
        }
        Err(e) => {
            // A half-edited source tree must not stop `cargo build`; the header
            // test then fails with this message.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            std::fs::write(&header, format!("/* cbindgen failed: {e} */\n"))
                .expect("OUT_DIR is writable");
        }
    }
    println!("cargo:rustc-env=TWS_GENERATED_HEADER={}", header.display());
}

//! tws-codegen: reads the message catalogue (`catalogue/*.toml`) and produces
//! the Rust code that is derived from it (`src/protocol/generated/`).
//!
//! The crate does not depend on `tws`, so it builds even when the generated
//! code is stale. `make generate` runs the binary; the main crate's
//! `tests/generated.rs` calls [`generate`] and compares with the checked-in files.

pub mod cmodel;
mod emit;
mod emit_cpp;
pub mod emit_docs;
pub mod emit_ffi;
pub mod emit_oracle;
mod emit_python;
mod emit_requests;

pub use emit_cpp::CPP_OUT;
pub use emit_python::PY_OUT;
pub mod model;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The directory (relative to the repository root) the Rust output goes to.
pub const RUST_OUT: &str = "src/protocol/generated";

/// The highest field number of a flag's bool in a `bits` field of
/// `proto_form = "message"` (`protocol::proto_fields::Flags` holds that many).
pub const MAX_FLAG_PROTO: u32 = 8;

/// Every directory the generator owns: a `.rs` file in one of them that is
/// not generated any more is stale (the drift test and `make generate` say so).
pub const OUT_DIRS: &[&str] = &[RUST_OUT, emit_ffi::FFI_OUT];

/// One generated file: its path relative to the repository root, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: PathBuf,
    pub text: String,
}

/// Reads `root/catalogue/*.toml` (sorted by name) and resolves it.
pub fn load(root: &Path) -> Result<model::Catalogue, String> {
    model::resolve(&read_files(root)?)
}

/// Reads and resolves the catalogue and its C view (see [`cmodel`]).
pub fn load_c(root: &Path) -> Result<(model::Catalogue, cmodel::CModel), String> {
    let files = read_files(root)?;
    let cat = model::resolve(&files)?;
    let mut exposure = Vec::new();
    for (stem, text) in &files {
        let mut value: toml::Value =
            toml::from_str(text).map_err(|e| format!("catalogue/{stem}.toml: {e}"))?;
        exposure.push((stem.clone(), cmodel::take_exposure(stem, &mut value)?));
    }
    let c = cmodel::resolve(&cat, &exposure)?;
    Ok((cat, c))
}

/// `(stem, text)` of every `root/catalogue/*.toml`, sorted by name.
fn read_files(root: &Path) -> Result<Vec<(String, String)>, String> {
    let dir = root.join("catalogue");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: not a UTF-8 name", p.display()))?
            .to_owned();
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        files.push((stem, text));
    }
    Ok(files)
}

/// Every generated file, formatted, without touching the disk.
pub fn generate(root: &Path) -> Result<Vec<Output>, String> {
    let (cat, c) = load_c(root)?;
    let mut raw = Vec::new();
    for stem in &cat.files {
        raw.push((format!("{stem}.rs"), emit::family_file(&cat, stem)));
    }
    raw.push(("ids.rs".to_owned(), emit::ids_file(&cat)));
    raw.push(("sets.rs".to_owned(), emit::sets_file(&cat)));
    raw.push(("schema.rs".to_owned(), emit::schema_file(&cat)));
    raw.push(("requests.rs".to_owned(), emit_requests::requests_file(&cat)));
    raw.push(("mod.rs".to_owned(), emit::mod_file(&cat)));
    let mut raw: Vec<(PathBuf, String)> = raw
        .into_iter()
        .map(|(name, text)| (Path::new(RUST_OUT).join(name), text))
        .collect();
    let ffi = Path::new(emit_ffi::FFI_OUT);
    raw.push((ffi.join("events.rs"), emit_ffi::events_file(&c)));
    raw.push((ffi.join("convert.rs"), emit_ffi::convert_file(&c)?));
    raw.push((ffi.join("mod.rs"), emit_ffi::mod_file()));
    let mut out = raw
        .into_iter()
        .map(|(path, text)| {
            let text = rustfmt(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(Output { path, text })
        })
        .collect::<Result<Vec<_>, String>>()?;
    out.extend(bindings(&cat, &c));
    out.push(Output {
        path: PathBuf::from(emit_oracle::MAPPING),
        text: emit_oracle::mapping(&cat, root)?,
    });
    out.push(Output {
        path: PathBuf::from(emit_docs::README),
        text: emit_docs::readme(&cat, root)?,
    });
    Ok(out)
}

/// The bindings' generated files: `bindings/python/src/tws/_generated.py`
/// and `bindings/cpp/include/tws_generated.hpp`.
fn bindings(cat: &model::Catalogue, c: &cmodel::CModel) -> Vec<Output> {
    vec![
        Output {
            path: PathBuf::from(emit_python::PY_OUT),
            text: emit_python::python_file(cat, c),
        },
        Output {
            path: PathBuf::from(emit_cpp::CPP_OUT),
            text: emit_cpp::cpp_file(cat, c),
        },
    ]
}

/// Formats Rust source with rustfmt (`$RUSTFMT` or `rustfmt` on the path),
/// as `cargo fmt` would.
pub fn rustfmt(src: &str) -> Result<String, String> {
    let bin = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let mut child = Command::new(&bin)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = src.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed (the generator emitted invalid Rust):\n{}\n--- source ---\n{src}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt: {e}"))
}

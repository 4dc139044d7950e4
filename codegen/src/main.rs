//! `tws-codegen [ROOT]`: regenerates every file derived from the catalogue
//! under ROOT (default: the current directory). `make generate` runs it.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let outputs = match tws_codegen::generate(&root) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tws-codegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    for out_dir in tws_codegen::OUT_DIRS {
        let dir = root.join(out_dir);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("tws-codegen: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        // Files a removed catalogue file once produced would go stale: remove them.
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let rel = PathBuf::from(out_dir).join(entry.file_name());
                if path.extension().is_some_and(|x| x == "rs")
                    && !outputs.iter().any(|o| o.path == rel)
                {
                    let _ = std::fs::remove_file(&path);
                    println!("removed {}", rel.display());
                }
            }
        }
    }
    for o in &outputs {
        let path = root.join(&o.path);
        let same = std::fs::read_to_string(&path).is_ok_and(|t| t == o.text);
        if !same {
            if let Err(e) = std::fs::write(&path, &o.text) {
                eprintln!("tws-codegen: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!("wrote {}", o.path.display());
        }
    }
    ExitCode::SUCCESS
}

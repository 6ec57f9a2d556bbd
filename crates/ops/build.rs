//! Compiles `migrations/*.sql` into the binary (`MIGRATIONS`), so `auth-ops migrate` needs
//! nothing beside it: a release binary or a Docker image migrates a database on its own.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations/ beside the workspace")
        .map(|entry| entry.expect("a readable migrations/").path())
        .filter(|path| path.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut code = String::from("/// Every migration file, in order: (file name, SQL).\n");
    code.push_str("pub const MIGRATIONS: &[(&str, &str)] = &[\n");
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 name");
        let full = path.canonicalize().expect("a migration file");
        code.push_str(&format!("    ({name:?}, include_str!({full:?})),\n"));
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("migrations.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

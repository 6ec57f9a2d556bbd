//! The layers of `lib.rs` hold: the domain and the ports never reach up into the use cases or
//! the HTTP-facing policy, so a reader of either folder needs nothing above it.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

/// Every `.rs` file below `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path.display().to_string(), text));
        }
    }
    found
}

/// The files of `layer` that name a module of any of `above`.
fn reaching_up(layer: &str, above: &[&str]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    sources(&dir)
        .into_iter()
        .filter(|(_, text)| {
            above
                .iter()
                .any(|name| text.contains(&format!("crate::{name}::")))
        })
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn the_domain_and_the_ports_never_use_the_layers_above_them() {
    assert_eq!(
        reaching_up("domain", &["usecases", "http"]),
        Vec::<String>::new()
    );
    assert_eq!(
        reaching_up("ports", &["usecases", "http"]),
        Vec::<String>::new()
    );
}

#[test]
fn the_check_sees_a_use_from_above() {
    // The use cases name the HTTP error codes; the check must see that, or it proves nothing.
    assert!(!reaching_up("usecases", &["http"]).is_empty());
}

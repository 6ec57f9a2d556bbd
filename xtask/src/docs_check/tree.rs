//! What the repository holds, and whether a name a document uses is in it.

use super::pattern::{expand, Glob};
use super::{caps_words, looks_like_path, setting_name, CONFIGURATION, CRATE_MAPS, FOREIGN, MADE};
use crate::root;
use std::collections::BTreeSet;

/// What the repository holds: tracked files and directories, the Rust sources' text, and the
/// upper-case names the code uses.
pub(super) struct Tree {
    files: BTreeSet<String>,
    dirs: BTreeSet<String>,
    /// Every Rust source, for items named in a document.
    rust: Vec<(String, String)>,
    /// Upper-case names as string literals in the configuration's code.
    settings: BTreeSet<String>,
    /// The configuration's code, for settings named with a placeholder (`HYPERDRIVE_<REGION>`).
    configuration: String,
    /// The crates the workspace depends on (`worker`, `p256`): their items are not ours.
    dependencies: BTreeSet<String>,
    /// Every upper-case name anywhere in the tracked text (tests' variables, tools' options,
    /// Redis' and PostgreSQL's words), and the contract's error codes.
    known_caps: BTreeSet<String>,
}

impl Tree {
    pub(super) fn load() -> crate::Result<Self> {
        let listed = crate::proc::output(
            std::process::Command::new("git")
                .args(["ls-files"])
                .current_dir(root()),
        )
        .ok_or("git ls-files failed: the documents are checked against a git checkout")?;
        let files: BTreeSet<String> = listed.lines().map(str::to_owned).collect();
        let mut dirs = BTreeSet::new();
        for file in &files {
            let mut parts: Vec<&str> = file.split('/').collect();
            while parts.len() > 1 {
                parts.pop();
                dirs.insert(parts.join("/"));
            }
        }
        let text = |path: &String| std::fs::read_to_string(root().join(path)).unwrap_or_default();
        let rust: Vec<(String, String)> = files
            .iter()
            .filter(|f| f.ends_with(".rs"))
            .map(|f| (f.clone(), text(f)))
            .collect();
        let textual = [
            ".rs", ".toml", ".yml", ".yaml", ".mjs", ".js", ".sh", ".sql", ".lua", ".json",
        ];
        let mut settings = BTreeSet::new();
        let mut configuration = String::new();
        let mut known_caps: BTreeSet<String> = auth_core::http::error::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        for file in &files {
            let is_text = textual.iter().any(|x| file.ends_with(x)) || file == ".ci/run";
            if !is_text {
                continue;
            }
            let body = text(file);
            let in_configuration = file.ends_with(".rs")
                && CONFIGURATION
                    .iter()
                    .any(|dir| file.starts_with(&format!("{dir}/")));
            if in_configuration {
                configuration.push_str(&body);
            }
            for word in caps_words(&body) {
                if in_configuration && body.contains(&format!("\"{word}")) {
                    settings.insert(word.clone());
                }
                known_caps.insert(word);
            }
        }
        let dependencies = text(&"Cargo.lock".to_owned())
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .map(|name| name.trim_end_matches('"').replace('-', "_"))
            .collect();
        Ok(Self {
            files,
            dirs,
            rust,
            settings,
            configuration,
            dependencies,
            known_caps,
        })
    }

    pub(super) fn documents(&self) -> Vec<String> {
        self.files
            .iter()
            .filter(|f| f.ends_with(".md"))
            .cloned()
            .collect()
    }

    /// Why a code span names nothing, if it does not.
    pub(super) fn missing(&self, span: &str, in_settings_table: bool) -> Option<String> {
        let span = span.trim().trim_end_matches(['.', ',', ';', ':']);
        if FOREIGN.contains(&span) {
            return None;
        }
        if let Some(name) = setting_name(span) {
            return self.missing_setting(&name, in_settings_table);
        }
        // `module::{a, b}`: each of them.
        if let Some((head, alternatives)) = span.split_once("::{") {
            return alternatives
                .trim_end_matches('}')
                .split(',')
                .find_map(|alt| self.missing(&format!("{head}::{}", alt.trim()), false));
        }
        let elsewhere = ["/", "@", "application/", "text/"];
        if span.contains(char::is_whitespace)
            || elsewhere.iter().any(|p| span.starts_with(p))
            || span.contains("://")
        {
            return None;
        }
        let (head, items) = match span.split_once("::") {
            Some((head, rest)) => (head, Some(rest)),
            None => (span, None),
        };
        let crate_dir = CRATE_MAPS.iter().find(|(name, _)| *name == head);
        if let (Some((_, dir)), Some(items)) = (crate_dir, items) {
            return self.missing_module_path(dir, items);
        }
        if looks_like_path(head) {
            let files = self.resolve(head);
            if files.is_empty() {
                return Some("names no file or directory of the repository".into());
            }
            return items.and_then(|items| self.missing_items(&files, items));
        }
        let items = items?;
        // `module::item`: a module of ours (a file `module.rs` or `module/mod.rs`, and the
        // files below it) that defines the items.
        let module: Vec<&str> = self
            .rust
            .iter()
            .map(|(f, _)| f.as_str())
            .filter(|f| {
                f.ends_with(&format!("/{head}.rs"))
                    || f.contains(&format!("/{head}/"))
                    || f.starts_with(&format!("{head}/"))
            })
            .collect();
        let ours = (!module.is_empty()).then(|| self.missing_items(&module, items));
        // A module of ours may share a dependency's name (`worker`): either may be meant.
        if self.dependencies.contains(head) || self.imported(head) {
            return None;
        }
        if let Some(missing) = ours {
            return missing;
        }
        // `Type::item`: the type and the item are defined somewhere.
        let all: Vec<&str> = self.rust.iter().map(|(f, _)| f.as_str()).collect();
        self.missing_items(&all, &format!("{head}::{items}"))
    }

    /// Whether a Rust source imports `name` from a crate that is not ours.
    fn imported(&self, name: &str) -> bool {
        self.rust.iter().any(|(_, text)| {
            text.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("use ")
                    && !l.starts_with("use crate")
                    && !l.starts_with("use super")
                    && l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == name)
            })
        })
    }

    fn missing_setting(&self, name: &str, in_settings_table: bool) -> Option<String> {
        // `HYPERDRIVE_<REGION>`: the code reads `"HYPERDRIVE{suffix}"` or `"HYPERDRIVE_..."`.
        if let Some((base, _)) = name.split_once("_<") {
            return (!self.configuration.contains(&format!("\"{base}")))
                .then(|| "is no setting the configuration reads".into());
        }
        let matches = |known: &String| known == name;
        if in_settings_table {
            return (!self.settings.iter().any(matches))
                .then(|| "is no setting the configuration reads".into());
        }
        (!self.known_caps.iter().any(matches) && !self.settings.iter().any(matches))
            .then(|| "is named nowhere in the code".into())
    }

    /// The tracked files a path names: itself, any file it ends, a directory's files, with
    /// `{a,b}` alternatives and `*` wildcards expanded.
    fn resolve(&self, path: &str) -> Vec<&str> {
        let bare = path.trim_end_matches('/');
        let made = |m: &&str| path.starts_with(m) || Glob::new(bare).ends(m.trim_end_matches('/'));
        if MADE.iter().any(made) {
            return vec!["(made)"];
        }
        let mut found = Vec::new();
        for candidate in expand(&placeholders_as_wildcards(bare)) {
            let pattern = Glob::new(&candidate);
            for file in &self.files {
                if pattern.ends(file) {
                    found.push(file.as_str());
                }
            }
            if self.dirs.iter().any(|d| pattern.ends(d)) {
                found.push("(directory)");
            }
        }
        found
    }

    /// A module path from a crate's source directory (`risk::judge::judge`): each segment a
    /// module while one exists, the rest items defined in the crate.
    fn missing_module_path(&self, dir: &str, segments: &str) -> Option<String> {
        let mut here = dir.to_owned();
        let parts: Vec<&str> = segments.split("::").collect();
        let mut rest = parts.as_slice();
        while let Some((first, tail)) = rest.split_first() {
            let as_file = format!("{here}/{first}.rs");
            let as_dir = format!("{here}/{first}/mod.rs");
            if self.files.contains(&as_file) || self.files.contains(&as_dir) {
                here = format!("{here}/{first}");
                rest = tail;
            } else {
                break;
            }
        }
        if rest.is_empty() {
            return None;
        }
        // The items are looked for in the deepest module named, not the whole crate.
        let in_module: Vec<&str> = self
            .rust
            .iter()
            .map(|(f, _)| f.as_str())
            .filter(|f| *f == format!("{here}.rs") || f.starts_with(&format!("{here}/")))
            .collect();
        self.missing_items(&in_module, &rest.join("::"))
    }

    /// Items (`Type::method`, `function`) that no file of `files` defines.
    fn missing_items(&self, files: &[&str], items: &str) -> Option<String> {
        // Rust sources from memory, anything else (a Lua script's functions) from disk.
        let sources: Vec<String> = files
            .iter()
            .map(|f| match self.rust.iter().find(|(r, _)| r == f) {
                Some((_, text)) => text.clone(),
                None => std::fs::read_to_string(root().join(f)).unwrap_or_default(),
            })
            .collect();
        for item in items.split("::").map(|i| i.trim_end_matches("()")) {
            let item = item.split(['{', '(', '<', '[']).next().unwrap_or(item);
            if item.is_empty() || !item.chars().all(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let defined = sources.iter().any(|text| defines(text, item));
            if !defined {
                return Some(format!("names `{item}`, which is not defined there"));
            }
        }
        None
    }

    /// Every crate's map: the `lib.rs` doc comment names each module the crate declares.
    pub(super) fn unmapped_modules(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, dir) in CRATE_MAPS {
            let lib = format!("{dir}/lib.rs");
            let Some((_, text)) = self.rust.iter().find(|(f, _)| *f == lib) else {
                continue;
            };
            let map: String = text
                .lines()
                .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
                .collect();
            for line in text.lines() {
                let declared = line
                    .trim()
                    .trim_start_matches("pub ")
                    .strip_prefix("mod ")
                    .and_then(|m| m.strip_suffix(';'));
                if let Some(module) = declared {
                    let named = map.contains(&format!("`{module}`"))
                        || map.contains(&format!("[`{module}`]"))
                        || map.contains(&format!("`{module}/`"));
                    if !named {
                        problems.push(format!("{lib}: the map of {name} does not name `{module}`"));
                    }
                }
            }
        }
        problems
    }
}

/// `usecases/NAME.rs` as `usecases/*.rs`: a capitalised file name stands for any.
fn placeholders_as_wildcards(path: &str) -> String {
    let parts: Vec<String> = path
        .split('/')
        .map(|part| {
            let (stem, extension) = part.split_once('.').unwrap_or((part, ""));
            let placeholder = stem.len() > 1 && stem.chars().all(|c| c.is_ascii_uppercase());
            match (placeholder, extension) {
                (false, _) => part.to_owned(),
                (true, "") => "*".to_owned(),
                (true, extension) => format!("*.{extension}"),
            }
        })
        .collect();
    parts.join("/")
}

/// Whether `text` defines `item` (a function, type, constant, static, module or macro).
fn defines(text: &str, item: &str) -> bool {
    let kinds = [
        "fn",
        "struct",
        "enum",
        "trait",
        "const",
        "static",
        "type",
        "mod",
        "macro_rules!",
        "function",
    ];
    kinds.iter().any(|kind| {
        text.match_indices(&format!("{kind} {item}")).any(|(i, m)| {
            let after = text[i + m.len()..].chars().next();
            !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    }) || text.contains(&format!("{item}: "))
        || text.contains(&format!("    {item},"))
        || text.contains(&format!("    {item} {{"))
        || text.contains(&format!("    {item}("))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        let files: BTreeSet<String> = ["src/routes/mod.rs", "src/routes/tests.rs", "docs/API.md"]
            .map(str::to_owned)
            .into();
        Tree {
            dirs: ["src", "src/routes", "docs"].map(str::to_owned).into(),
            rust: vec![
                (
                    "src/routes/mod.rs".into(),
                    "mod tests;\npub fn run() {}\n".into(),
                ),
                (
                    "src/routes/tests.rs".into(),
                    "#[test]\nfn a_route_runs() {}\n".into(),
                ),
            ],
            settings: ["OTP_TTL_SECONDS".to_owned()].into(),
            configuration: "let binding = format!(\"HYPERDRIVE{suffix}\");".into(),
            dependencies: ["worker".to_owned()].into(),
            known_caps: ["TEST_POSTGRES_PORT".to_owned()].into(),
            files,
        }
    }

    #[test]
    fn a_name_that_is_gone_is_reported_and_one_that_exists_is_not() {
        let tree = tree();
        assert_eq!(tree.missing("src/routes/mod.rs::run", false), None);
        assert_eq!(tree.missing("routes::tests::a_route_runs", false), None);
        assert_eq!(tree.missing("src/routes/", false), None);
        assert!(tree.missing("src/routes.rs", false).is_some());
        assert!(tree.missing("src/routes/mod.rs::walk", false).is_some());
        assert!(tree
            .missing("routes::tests::a_route_walks", false)
            .is_some());
        assert_eq!(tree.missing("worker::Router", false), None);
        assert_eq!(tree.missing("target/debug/", false), None);
        assert_eq!(tree.missing("src/routes/mod.rs::{run, tests}", false), None);
        assert!(tree
            .missing("src/routes/mod.rs::{run,  walk}", false)
            .is_some());
    }

    #[test]
    fn a_settings_table_names_only_what_the_configuration_reads() {
        let tree = tree();
        assert_eq!(tree.missing("OTP_TTL_SECONDS", true), None);
        assert_eq!(tree.missing("HYPERDRIVE_<REGION>", true), None);
        assert!(tree.missing("OTP_TTL_MINUTES", true).is_some());
        assert!(tree.missing("REDIS_REST_URL_<REGION>", true).is_some());
        // Outside a settings table, a name any code uses (a test's port variable) is enough.
        assert_eq!(tree.missing("TEST_POSTGRES_PORT", false), None);
        assert!(tree.missing("TEST_POSTGRES_PROT", false).is_some());
    }
}

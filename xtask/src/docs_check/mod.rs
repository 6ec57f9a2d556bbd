//! The docs name only what exists (the lint tier runs this, `cargo xtask check-docs` alone):
//! every path, module and item a document names in backticks is in the tree, every setting is
//! one the configuration reads, and every crate's map (its `lib.rs` doc comment) names each of
//! its modules. A rename that forgets a document fails here, not in a reader's hands.

mod pattern;
mod tree;

use crate::proc::step;
use crate::root;
use tree::Tree;

/// Where the settings are read: the configuration's own code. A setting a settings table names
/// must be read here.
const CONFIGURATION: &[&str] = &["crates/core/src", "src", "crates/redis-rest/src"];

/// Paths the tree does not hold because something makes them: build output, the local stacks,
/// installed packages, the worker's generated secrets, Swagger UI copied at build time.
const MADE: &[&str] = &[
    "target/",
    ".stack/",
    "build/",
    "node_modules/",
    ".dev.vars",
    ".wrangler",
    "assets/docs/vendor/",
    "docs/bench-latency.svg",
    "build-bench/",
    "import-otp-auth-skipped.tsv",
];

/// Names of other systems a document quotes: not ours to hold to the tree.
const FOREIGN: &[&str] = &["SO_REUSEPORT"];

/// Each crate whose `lib.rs` maps its modules.
const CRATE_MAPS: &[(&str, &str)] = &[
    ("auth_core", "crates/core/src"),
    ("auth_adapters", "crates/adapters/src"),
    ("redis_rest", "crates/redis-rest/src"),
    ("xtask", "xtask/src"),
    ("e2e", "tests/e2e/src"),
];

pub fn check() -> crate::Result<()> {
    step("docs: every path, module, item and setting the documents name exists");
    let tree = Tree::load()?;
    let mut problems = Vec::new();
    // Every Markdown file the repository tracks: a new document is held from its first commit.
    for doc in tree.documents() {
        let text = std::fs::read_to_string(root().join(&doc)).map_err(|e| format!("{doc}: {e}"))?;
        for (line, span, in_settings_table) in code_spans(&text) {
            if let Some(why) = tree.missing(&span, in_settings_table) {
                problems.push(format!("{doc}:{line}: `{span}` {why}"));
            }
        }
    }
    problems.extend(tree.unmapped_modules());
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the documents name what does not exist (fix the document, or the name):\n  {}",
        problems.join("\n  ")
    ))
}

/// The code spans of a document outside fenced blocks: (line, text, whether the span is the
/// first cell of a table row, where a settings table names its setting). A span may wrap onto
/// the next line, as Markdown allows; its line break reads as a space.
fn code_spans(text: &str) -> Vec<(usize, String, bool)> {
    let mut fenced = false;
    let prose: Vec<&str> = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return "";
            }
            if fenced {
                ""
            } else {
                line
            }
        })
        .collect();
    let prose = prose.join("\n");
    let mut spans = Vec::new();
    let mut pieces = prose.split('`');
    let mut at = 0;
    while let Some(outside) = pieces.next() {
        at += outside.len() + 1;
        let Some(inside) = pieces.next() else { break };
        let line_start = prose[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = &prose[line_start..];
        let first_cell = line.starts_with("| `") && !prose[line_start..at].contains(" |");
        if !inside.is_empty() {
            let line_number = prose[..at].matches('\n').count() + 1;
            spans.push((line_number, inside.replace('\n', " "), first_cell));
        }
        at += inside.len() + 1;
    }
    spans
}

/// The setting a span names: `NAME`, `NAME=value`, `NAME_<REGION>`; `None` for anything else.
fn setting_name(span: &str) -> Option<String> {
    let name = span.split('=').next()?.trim();
    let core = name.replace("<REGION>", "").replace("<N>", "");
    let upper = core
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    (upper && core.contains('_') && core.starts_with(|c: char| c.is_ascii_uppercase()))
        .then(|| name.to_owned())
}

/// Upper-case words with an underscore in a text (settings, error codes, variables).
fn caps_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.len() > 2
                && w.contains('_')
                && w.starts_with(|c: char| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

fn looks_like_path(span: &str) -> bool {
    const EXTENSIONS: [&str; 16] = [
        ".rs",
        ".sql",
        ".lua",
        ".md",
        ".yaml",
        ".yml",
        ".toml",
        ".json",
        ".mjs",
        ".js",
        ".sh",
        ".svg",
        ".html",
        ".tsv",
        ".lock",
        "Dockerfile",
    ];
    span.contains('/') || EXTENSIONS.iter().any(|x| span.ends_with(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_read_across_lines_and_never_from_code_blocks() {
        let text = "| `OTP_TTL_SECONDS` | `300` |\nsee `a::{b,\n  c}` and\n```\n`x`\n```\n`y`";
        let spans = code_spans(text);
        assert_eq!(
            spans,
            [
                (1, "OTP_TTL_SECONDS".to_owned(), true),
                (1, "300".to_owned(), false),
                (2, "a::{b,   c}".to_owned(), false),
                (7, "y".to_owned(), false),
            ]
        );
    }

    #[test]
    fn settings_are_told_from_other_names() {
        assert_eq!(setting_name("CAPTCHA=never").as_deref(), None);
        assert_eq!(
            setting_name("RISK_SOURCE_CAP").as_deref(),
            Some("RISK_SOURCE_CAP")
        );
        assert_eq!(
            setting_name("HYPERDRIVE_<REGION>").as_deref(),
            Some("HYPERDRIVE_<REGION>")
        );
        assert_eq!(setting_name("src/config.rs"), None);
    }
}

//! Reading a V8 CPU profile (the DevTools protocol's `Profiler.Profile`, the `.cpuprofile`
//! file format): time per function, self (the function itself was running) and total (it was
//! on the stack), and self time by kind of code (our Rust compiled to wasm, the JavaScript glue,
//! V8's builtins, the collector). Pure functions of the profile, tested below.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuProfile {
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub samples: Vec<u64>,
    #[serde(default)]
    pub time_deltas: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub id: u64,
    pub call_frame: CallFrame,
    #[serde(default)]
    pub children: Vec<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallFrame {
    pub function_name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub line_number: i64,
}

/// What kind of code a frame is, for the split of self time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Our Rust, compiled to wasm (the names section names it).
    Wasm,
    /// The JavaScript glue (wasm-bindgen's and the worker crate's) and workerd's own modules.
    JavaScript,
    /// V8 builtins and the runtime's native functions (no script behind them).
    Native,
    GarbageCollector,
    /// V8 and workerd outside any JavaScript or wasm: parsing, compiling, the event loop.
    Program,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Wasm => "Rust (wasm)",
            Kind::JavaScript => "JavaScript (glue, runtime modules)",
            Kind::Native => "V8 builtins and natives",
            Kind::GarbageCollector => "garbage collector",
            Kind::Program => "(program): V8 and workerd outside scripts",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionTime {
    pub name: String,
    pub kind: Kind,
    pub self_us: u64,
    pub total_us: u64,
}

#[derive(Debug, Default)]
pub struct Summary {
    /// Sampled time with something running (not idle), microseconds.
    pub busy_us: u64,
    pub idle_us: u64,
    /// Self time by kind, largest first.
    pub kinds: Vec<(Kind, u64)>,
    /// Every function, largest self time first.
    pub functions: Vec<FunctionTime>,
}

impl Summary {
    /// The `n` functions with the most total time (the time they were on the stack).
    pub fn by_total(&self, n: usize) -> Vec<&FunctionTime> {
        let mut all: Vec<&FunctionTime> = self.functions.iter().collect();
        all.sort_by(|a, b| b.total_us.cmp(&a.total_us).then(a.name.cmp(&b.name)));
        all.truncate(n);
        all
    }
}

fn kind(frame: &CallFrame) -> Kind {
    match frame.function_name.as_str() {
        "(garbage collector)" => Kind::GarbageCollector,
        "(program)" | "(root)" => Kind::Program,
        _ if frame.url.starts_with("wasm://") => Kind::Wasm,
        _ if frame.url.is_empty() => Kind::Native,
        _ => Kind::JavaScript,
    }
}

/// A function's name as a reader wants it: Rust paths without the symbol hash
/// (`auth_core::domain::otp::hash::h0123456789abcdef`), JavaScript with its file and line.
fn label(frame: &CallFrame) -> String {
    let name = frame.function_name.as_str();
    match kind(frame) {
        Kind::Wasm => strip_hash(name).to_owned(),
        Kind::JavaScript => {
            let file = frame.url.rsplit('/').next().unwrap_or(&frame.url);
            let name = if name.is_empty() { "(anonymous)" } else { name };
            format!("{name} ({file}:{})", frame.line_number + 1)
        }
        _ => name.to_owned(),
    }
}

fn strip_hash(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((path, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            path
        }
        _ => name,
    }
}

pub fn summarise(profile: &CpuProfile) -> Summary {
    let nodes: HashMap<u64, &Node> = profile.nodes.iter().map(|n| (n.id, n)).collect();
    let mut parent = HashMap::new();
    for node in &profile.nodes {
        for child in &node.children {
            parent.insert(*child, node.id);
        }
    }
    let mut summary = Summary::default();
    let mut by_name: BTreeMap<String, FunctionTime> = BTreeMap::new();
    let mut kinds: BTreeMap<Kind, u64> = BTreeMap::new();
    for (i, sample) in profile.samples.iter().enumerate() {
        // A sample lasts until the next one is taken.
        let us = profile.time_deltas.get(i + 1).copied().unwrap_or(0).max(0) as u64;
        let Some(node) = nodes.get(sample) else {
            continue;
        };
        if node.call_frame.function_name == "(idle)" {
            summary.idle_us += us;
            continue;
        }
        summary.busy_us += us;
        *kinds.entry(kind(&node.call_frame)).or_default() += us;
        let mut on_stack = BTreeSet::new();
        let mut at = Some(node.id);
        while let Some(id) = at {
            let frame = &nodes[&id].call_frame;
            if frame.function_name != "(root)" {
                let name = label(frame);
                let entry = by_name.entry(name.clone()).or_insert_with(|| FunctionTime {
                    name: name.clone(),
                    kind: kind(frame),
                    self_us: 0,
                    total_us: 0,
                });
                if id == node.id {
                    entry.self_us += us;
                }
                // A recursive function counts once per sample in its total.
                if on_stack.insert(name) {
                    entry.total_us += us;
                }
            }
            at = parent.get(&id).copied();
        }
    }
    summary.kinds = kinds.into_iter().collect();
    summary.kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    summary.functions = by_name.into_values().collect();
    summary
        .functions
        .sort_by(|a, b| b.self_us.cmp(&a.self_us).then(a.name.cmp(&b.name)));
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// root → main (JS) → handle (wasm, recursive: handle → handle) ; root → (idle) ;
    /// root → (garbage collector).
    fn profile() -> CpuProfile {
        serde_json::from_value(serde_json::json!({
            "nodes": [
                {"id": 1, "callFrame": {"functionName": "(root)", "url": ""}, "children": [2, 5, 6]},
                {"id": 2, "callFrame": {"functionName": "main", "url": "file:///w/index.js", "lineNumber": 9}, "children": [3]},
                {"id": 3, "callFrame": {"functionName": "auth_core::handle::h0123456789abcdef", "url": "wasm://wasm/1a2b"}, "children": [4]},
                {"id": 4, "callFrame": {"functionName": "auth_core::handle::h0123456789abcdef", "url": "wasm://wasm/1a2b"}},
                {"id": 5, "callFrame": {"functionName": "(idle)", "url": ""}},
                {"id": 6, "callFrame": {"functionName": "(garbage collector)", "url": ""}}
            ],
            "startTime": 0,
            "endTime": 100,
            // each sample lasts until the next; the last one has no length
            "samples": [2, 3, 4, 5, 6, 2],
            "timeDeltas": [0, 10, 20, 30, 40, 45]
        }))
        .unwrap()
    }

    #[test]
    fn self_and_total_time_follow_the_stack() {
        let s = summarise(&profile());
        assert_eq!((s.busy_us, s.idle_us), (10 + 20 + 30 + 45, 40));
        let get = |name: &str| s.functions.iter().find(|f| f.name == name).unwrap().clone();
        let handle = get("auth_core::handle");
        assert_eq!((handle.self_us, handle.total_us), (20 + 30, 20 + 30));
        let main = get("main (index.js:10)");
        assert_eq!((main.self_us, main.total_us), (10, 10 + 20 + 30));
        assert_eq!(
            s.functions[0].name, "auth_core::handle",
            "largest self time first"
        );
        assert_eq!(s.by_total(1)[0].name, "main (index.js:10)");
    }

    #[test]
    fn self_time_splits_by_kind_and_idle_is_apart() {
        let s = summarise(&profile());
        assert_eq!(
            s.kinds,
            vec![
                (Kind::Wasm, 50),
                (Kind::GarbageCollector, 45),
                (Kind::JavaScript, 10)
            ]
        );
        assert!(s.functions.iter().all(|f| f.name != "(idle)"));
    }

    #[test]
    fn only_a_real_symbol_hash_is_stripped() {
        assert_eq!(strip_hash("a::b::h0123456789abcdef"), "a::b");
        assert_eq!(strip_hash("a::hash_of"), "a::hash_of");
        assert_eq!(strip_hash("$func12"), "$func12");
    }
}

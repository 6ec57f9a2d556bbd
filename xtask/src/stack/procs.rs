//! Processes of the stack as Linux shows them in /proc: who listens on a port, a process'
//! descendants, CPU time and resident memory. Used for CPU per request and the soak's memory.

use super::StackLayout;
use std::collections::{BTreeSet, HashMap};

/// Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux x86_64).
const TICKS_PER_SECOND: f64 = 100.0;

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 2..];
    Some(after.split_whitespace().map(str::to_owned).collect())
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

pub fn command_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// `root` and every process below it.
pub fn tree(root: u32) -> BTreeSet<u32> {
    let parents: HashMap<u32, u32> = all_pids()
        .into_iter()
        .filter_map(|p| Some((p, parent_of(p)?)))
        .collect();
    let mut found = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for (child, parent) in &parents {
            if found.contains(parent) {
                found.insert(*child);
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// CPU seconds (user + system) a process has used, its reaped children's included.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Some(f) = stat_fields(pid) else {
        return 0.0;
    };
    // utime, stime, cutime, cstime are fields 14-17 of stat; `f` starts at field 3.
    let ticks: f64 = (11..15).filter_map(|i| f.get(i)?.parse::<f64>().ok()).sum();
    ticks / TICKS_PER_SECOND
}

pub fn cpu_seconds_of(pids: &BTreeSet<u32>) -> f64 {
    pids.iter().map(|&p| cpu_seconds(p)).sum()
}

/// Resident memory in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Inodes of the TCP sockets listening on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> BTreeSet<String> {
    let wanted = format!(":{port:04X}");
    let mut inodes = BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address, state (0A = LISTEN), inode.
            if f.len() > 9 && f[1].ends_with(&wanted) && f[3] == "0A" {
                inodes.insert(f[9].to_owned());
            }
        }
    }
    inodes
}

/// The process listening on `port`.
pub fn listener(port: u16) -> Option<u32> {
    let inodes = listening_inodes(port);
    all_pids().into_iter().find(|pid| {
        std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .any(|target| {
                    let t = target.to_string_lossy();
                    t.strip_prefix("socket:[")
                        .and_then(|s| s.strip_suffix(']'))
                        .is_some_and(|inode| inodes.contains(inode))
                })
        })
    })
}

/// TCP ports `pid` listens on.
pub fn listening_ports(pid: u32) -> Vec<u16> {
    let owned: BTreeSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .filter_map(|t| {
                    let t = t.to_string_lossy().into_owned();
                    Some(t.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ports = BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 9 && f[3] == "0A" && owned.contains(f[9]) {
                if let Some(port) = f[1]
                    .rsplit(':')
                    .next()
                    .and_then(|h| u16::from_str_radix(h, 16).ok())
                {
                    ports.insert(port);
                }
            }
        }
    }
    ports.into_iter().collect()
}

/// `wrangler dev` on `port` and everything under it (its workerd included).
pub fn wrangler_tree(port: u16) -> crate::Result<BTreeSet<u32>> {
    let pid = listener(port).ok_or(format!("nothing listens on {port}"))?;
    // The listener may be workerd or node; the tree of wrangler's node process holds both.
    let mut root = pid;
    while command_name(root) == "workerd" {
        match std::fs::read_to_string(format!("/proc/{root}/stat"))
            .ok()
            .and_then(|s| {
                s[s.rfind(')')? + 2..]
                    .split_whitespace()
                    .nth(1)?
                    .parse()
                    .ok()
            }) {
            Some(parent) => root = parent,
            None => break,
        }
    }
    Ok(tree(root))
}

pub fn workerd_of(tree: &BTreeSet<u32>) -> BTreeSet<u32> {
    tree.iter()
        .copied()
        .filter(|&p| command_name(p) == "workerd")
        .collect()
}

/// The workerd that runs the worker's code. `wrangler dev` (4.x) starts two: one serving the
/// public port, which forwards every request to a second one that runs the worker under the
/// inspector. The second is the one with `--inspector-addr`.
pub fn user_runtime(tree: &BTreeSet<u32>) -> Option<u32> {
    workerd_of(tree).into_iter().find(|&pid| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains("--inspector-addr"))
    })
}

/// The processes of the stack an endpoint uses: the backends' trees and the worker's.
pub fn stack_roots(p: &StackLayout, worker_tree: &BTreeSet<u32>) -> Vec<u32> {
    let mut roots: Vec<u32> = [
        p.postgres_port,
        p.redis_port,
        p.pgbouncer_port,
        p.gateway_port,
    ]
    .into_iter()
    .filter_map(listener)
    .collect();
    roots.extend(worker_tree.iter().copied());
    roots
}

/// CPU seconds of every process under the roots, listed afresh (backends fork as they go).
pub fn cpu_of_trees(roots: &[u32]) -> f64 {
    let all: BTreeSet<u32> = roots.iter().flat_map(|&r| tree(r)).collect();
    cpu_seconds_of(&all)
}

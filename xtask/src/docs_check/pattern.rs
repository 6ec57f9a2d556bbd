//! Path patterns as documents write them: `{a,b}` alternatives and `*` wildcards.

/// `a/{b,c}.rs` as `a/b.rs` and `a/c.rs` (one level of braces).
pub(super) fn expand(path: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (path.find('{'), path.find('}')) else {
        return vec![path.to_owned()];
    };
    let (head, tail) = (&path[..open], &path[close + 1..]);
    path[open + 1..close]
        .split(',')
        .map(|alt| format!("{head}{}{tail}", alt.trim()))
        .collect()
}

/// A path pattern with `*` (any characters but `/`), matched against a path's end at a
/// component boundary.
pub(super) struct Glob(Vec<String>);

impl Glob {
    pub(super) fn new(pattern: &str) -> Self {
        Self(pattern.split('*').map(str::to_owned).collect())
    }

    pub(super) fn ends(&self, path: &str) -> bool {
        (0..=path.len())
            .filter(|&i| i == 0 || path.as_bytes()[i - 1] == b'/')
            .any(|i| self.matches(&path[i..]))
    }

    fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.0.split_first() else {
            return text.is_empty();
        };
        let Some(mut left) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        if rest.is_empty() {
            return left.is_empty();
        }
        for (i, piece) in rest.iter().enumerate() {
            let last = i == rest.len() - 1;
            let found = if last {
                left.ends_with(piece.as_str())
                    .then(|| left.len() - piece.len())
                    .filter(|&at| !left[..at].contains('/'))
            } else {
                left.find(piece.as_str())
                    .filter(|&at| !left[..at].contains('/'))
            };
            match found {
                Some(at) => left = &left[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_pattern_matches_a_paths_end_at_a_component() {
        let g = Glob::new("scripts/*.lua");
        assert!(g.ends("crates/adapters/src/upstash/scripts/verify.lua"));
        assert!(!g.ends("crates/adapters/src/upstash/scripts/sub/verify.lua"));
        assert!(Glob::new("pg/sql").ends("crates/adapters/src/pg/sql"));
        assert!(!Glob::new("g/sql").ends("crates/adapters/src/pg/sql"));
        assert_eq!(
            expand("pg/sql/{login, rotate}.sql"),
            ["pg/sql/login.sql", "pg/sql/rotate.sql"]
        );
    }
}

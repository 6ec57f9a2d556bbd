//! A migration file as the statements it holds. Citus cannot run several DDL statements sent
//! as one query string ("cannot insert multiple commands into a prepared statement" when it
//! propagates them to the workers), so the migrator sends them one by one, in the migration's
//! one transaction. Statement boundaries come from `sqlparser`'s tokenizer, which knows
//! PostgreSQL's quoting (strings, identifiers, dollar quotes, nested comments): a semicolon
//! inside any of them is no boundary.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The statements of `sql`, each without its semicolon; pieces that hold only whitespace and
/// comments are dropped.
pub fn statements(sql: &str) -> Result<Vec<&str>, String> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| format!("the migration does not tokenize: {e}"))?;
    let offsets = line_starts(sql);
    let at = |line: u64, column: u64| -> usize {
        let start = offsets[(line as usize).saturating_sub(1)];
        sql[start..]
            .char_indices()
            .nth((column as usize).saturating_sub(1))
            .map_or(sql.len(), |(i, _)| start + i)
    };
    let mut out = Vec::new();
    let (mut begin, mut substance) = (0, false);
    for t in &tokens {
        match &t.token {
            Token::SemiColon => {
                let end = at(t.span.start.line, t.span.start.column);
                if substance {
                    out.push(sql[begin..end].trim());
                }
                (begin, substance) = (end + 1, false);
            }
            Token::Whitespace(_) | Token::EOF => {}
            _ => substance = true,
        }
    }
    if substance {
        out.push(sql[begin..].trim());
    }
    Ok(out)
}

/// The byte offset where each line begins.
fn line_starts(sql: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn statements_split_at_top_level_semicolons_only() {
        let sql = "-- a comment; with a semicolon\n\
                   CREATE TABLE t (a text DEFAULT 'x;y');\n\
                   CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                   /* block; /* nested; */ still */ ALTER TABLE \"we;ird\" ADD COLUMN b int\n";
        assert_eq!(
            statements(sql).unwrap(),
            [
                "-- a comment; with a semicolon\nCREATE TABLE t (a text DEFAULT 'x;y')",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "/* block; /* nested; */ still */ ALTER TABLE \"we;ird\" ADD COLUMN b int",
            ]
        );
    }

    #[test]
    fn empty_pieces_are_dropped_and_unicode_is_kept_whole() {
        assert_eq!(statements(";; -- nothing\n;").unwrap(), Vec::<&str>::new());
        assert_eq!(
            statements("COMMENT ON TABLE t IS 'ünïcödé'; SELECT 1").unwrap(),
            ["COMMENT ON TABLE t IS 'ünïcödé'", "SELECT 1"]
        );
    }

    #[test]
    fn every_project_migration_splits() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        for entry in std::fs::read_dir(dir).unwrap() {
            let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let pieces = statements(&sql).unwrap();
            assert!(!pieces.is_empty());
            assert!(pieces.iter().all(|p| !p.ends_with(';')));
        }
    }
}

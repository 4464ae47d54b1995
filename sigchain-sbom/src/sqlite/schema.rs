//! Finding a table in `sqlite_schema` (fileformat2 §2.6) and the names of its columns in its
//! `CREATE TABLE` statement.

use super::btree::Rows;
use super::record::Value;
use super::{Database, SqliteError};

/// A table of the database: its root page and its columns, from `sqlite_schema`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    name: String,
    root_page: u32,
    sql: String,
    columns: Vec<String>,
}

impl Table {
    /// The table's name as the schema spells it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The page number of the table's B-tree root.
    pub fn root_page(&self) -> u32 {
        self.root_page
    }

    /// The `CREATE TABLE` statement as stored.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The column names, in the order of the record's values.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The position of the column named `name` (compared as SQLite does, ignoring ASCII case).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|column| column.eq_ignore_ascii_case(name))
    }
}

impl<'a> Database<'a> {
    /// Finds the table `name` (ignoring ASCII case, as SQLite does) in `sqlite_schema`.
    ///
    /// The schema must read cleanly: a broken schema row is an error, not skipped.
    pub fn table(&self, name: &str) -> Result<Table, SqliteError> {
        for row in Rows::new(self, 1) {
            let row = row?;
            let bad = || SqliteError::BadSchemaRow { rowid: row.rowid() };
            let Value::Text(kind) = row.value(0)? else {
                return Err(bad());
            };
            if kind != "table" {
                continue;
            }
            let Value::Text(table_name) = row.value(1)? else {
                return Err(bad());
            };
            if !table_name.eq_ignore_ascii_case(name) {
                continue;
            }
            let (Value::Integer(root_page), Value::Text(sql)) = (row.value(3)?, row.value(4)?)
            else {
                return Err(bad());
            };
            let root_page = u32::try_from(root_page)
                .ok()
                .filter(|page| (1..=self.page_count).contains(page))
                .ok_or(SqliteError::PageOutOfRange {
                    // A negative root page is as far out of range as page 0.
                    page: u64::try_from(root_page).unwrap_or(0),
                    page_count: self.page_count,
                })?;
            return Ok(Table {
                name: table_name.to_owned(),
                root_page,
                sql: sql.to_owned(),
                columns: column_names(table_name, sql)?,
            });
        }
        Err(SqliteError::NoSuchTable(name.to_owned()))
    }

    /// The rows of `table`, in rowid order.
    pub fn rows<'d>(&'d self, table: &Table) -> Rows<'d, 'a> {
        Rows::new(self, table.root_page)
    }
}

/// The column names of a `CREATE TABLE name (...)` statement, table constraints left out.
fn column_names(table: &str, sql: &str) -> Result<Vec<String>, SqliteError> {
    let unsupported = |problem| SqliteError::UnsupportedTable {
        table: table.to_owned(),
        problem,
    };
    let open = sql
        .find('(')
        .ok_or(unsupported("CREATE TABLE statement without a column list"))?;
    let mut definitions = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = open + 1;
    let mut close = None;
    for (at, c) in sql.char_indices().skip_while(|(at, _)| *at <= open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '[') => quote = Some(']'),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                definitions.push(&sql[start..at]);
                close = Some(at);
                break;
            }
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                definitions.push(&sql[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    let close = close.ok_or(unsupported("unbalanced CREATE TABLE statement"))?;
    // A WITHOUT ROWID table is stored as an index B-tree, which this reader does not walk.
    if words(&sql[close + 1..]).any(|word| word.eq_ignore_ascii_case("WITHOUT")) {
        return Err(unsupported("WITHOUT ROWID tables are not read"));
    }
    let mut columns = Vec::new();
    for definition in definitions {
        let (name, quoted) = first_name(definition.trim_start());
        const CONSTRAINTS: [&str; 5] = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];
        if !quoted && CONSTRAINTS.iter().any(|c| name.eq_ignore_ascii_case(c)) {
            continue;
        }
        if name.is_empty() {
            return Err(unsupported("a column without a name"));
        }
        // Generated columns (`GENERATED ALWAYS AS (...)` or `AS (...)`) are computed, and
        // VIRTUAL ones are not in the record: the positions of the rest would be wrong.
        if words(definition)
            .any(|word| word.eq_ignore_ascii_case("GENERATED") || word.eq_ignore_ascii_case("AS"))
        {
            return Err(unsupported("generated columns are not read"));
        }
        columns.push(name);
    }
    Ok(columns)
}

/// The first name of a column definition, unquoted (`"a""b"` is `a"b`), and whether it was
/// quoted.
fn first_name(definition: &str) -> (String, bool) {
    let mut chars = definition.chars();
    let close = match chars.next() {
        Some(q @ ('"' | '\'' | '`')) => q,
        Some('[') => ']',
        _ => {
            let end = definition
                .find(|c: char| c.is_whitespace() || c == '(')
                .unwrap_or(definition.len());
            return (definition[..end].to_owned(), false);
        }
    };
    let mut name = String::new();
    let mut rest = chars.peekable();
    while let Some(c) = rest.next() {
        if c == close {
            if close != ']' && rest.peek() == Some(&close) {
                rest.next();
            } else {
                break;
            }
        }
        name.push(c);
    }
    (name, true)
}

/// The bare words of SQL text outside quotes.
fn words(sql: &str) -> impl Iterator<Item = &str> {
    let mut quote: Option<char> = None;
    let mut bare = Vec::new();
    let mut start: Option<usize> = None;
    for (at, c) in sql.char_indices() {
        let in_word = quote.is_none() && (c.is_ascii_alphanumeric() || c == '_');
        match (start, in_word) {
            (None, true) => start = Some(at),
            (Some(s), false) => {
                bare.push(&sql[s..at]);
                start = None;
            }
            _ => {}
        }
        quote = match (quote, c) {
            (Some(q), c) if c == q => None,
            (None, '\'' | '"' | '`') => Some(c),
            (None, '[') => Some(']'),
            (q, _) => q,
        };
    }
    if let Some(s) = start {
        bare.push(&sql[s..]);
    }
    bare.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_packages_columns() {
        let sql = "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,\
                   blob BLOB NOT NULL)";
        assert_eq!(column_names("Packages", sql).unwrap(), ["hnum", "blob"]);
    }

    #[test]
    fn quoted_names_constraints_and_nesting() {
        let sql = r#"CREATE TABLE t ("a""b" TEXT DEFAULT 'x,y', [c d] NUMERIC(10, 2), `e`,
                     'f' BLOB CHECK (length(f) > 0), CONSTRAINT pk PRIMARY KEY ("a""b"),
                     UNIQUE (e), FOREIGN KEY (e) REFERENCES u(v)) STRICT"#;
        assert_eq!(column_names("t", sql).unwrap(), ["a\"b", "c d", "e", "f"]);
    }

    #[test]
    fn unreadable_tables_are_refused() {
        for (sql, problem) in [
            (
                "CREATE TABLE t (a PRIMARY KEY, b) WITHOUT ROWID",
                "WITHOUT ROWID",
            ),
            (
                "CREATE TABLE t (a, b GENERATED ALWAYS AS (a + 1))",
                "generated",
            ),
            ("CREATE TABLE t (a, b AS (a * 2) VIRTUAL)", "generated"),
            ("CREATE TABLE t (a, b", "unbalanced"),
            ("CREATE TABLE t", "without a column list"),
            ("CREATE TABLE t (a, , b)", "without a name"),
        ] {
            match column_names("t", sql) {
                Err(SqliteError::UnsupportedTable { problem: p, .. }) => {
                    assert!(p.contains(problem), "{sql}: {p}")
                }
                other => panic!("{sql}: {other:?}"),
            }
        }
        // Quoted words are names, not keywords.
        assert_eq!(
            column_names("t", r#"CREATE TABLE t ("as" TEXT, 'generated')"#).unwrap(),
            ["as", "generated"]
        );
    }
}

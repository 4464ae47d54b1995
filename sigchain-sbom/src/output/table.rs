//! A table of packages for people: NAME, VERSION, TYPE, PURL, aligned in columns.

use super::view::purl_of;
use crate::model::Catalog;

pub(crate) fn write(catalog: &Catalog) -> String {
    let rows: Vec<[String; 4]> = catalog
        .packages
        .iter()
        .map(|p| {
            let name = match &p.namespace {
                Some(ns) if !p.package_type.is_some_and(|t| t.is_os()) => {
                    format!("{ns}/{}", p.name)
                }
                _ => p.name.clone(),
            };
            [
                printable(&name),
                printable(&p.version),
                p.package_type.map_or("", |t| t.purl_type()).to_owned(),
                printable(&purl_of(p, catalog.distro.as_ref()).unwrap_or_default()),
            ]
        })
        .collect();
    let header = ["NAME", "VERSION", "TYPE", "PURL"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Package metadata is untrusted: control characters would drive the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

//! A declared license as a document can carry it: an SPDX expression when the text is one
//! (every identifier on the SPDX license list, strict syntax), otherwise the text itself under
//! a `LicenseRef-` of its own, never a guess at what the text meant.

use sha2::{Digest, Sha256};

use super::view::{hex, id_chars};

/// How a package's declared license is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum License {
    /// The database declares none.
    None,
    /// A valid SPDX license expression of listed identifiers.
    Expression(String),
    /// Text that is not such an expression, under `LicenseRef-<id>`.
    Other {
        /// `LicenseRef-...`.
        id: String,
        /// The text as declared.
        text: String,
    },
}

/// Classifies a declared license text.
pub(crate) fn classify(declared: Option<&str>) -> License {
    let Some(text) = declared.map(str::trim).filter(|t| !t.is_empty()) else {
        return License::None;
    };
    if text == "NOASSERTION" || text == "NONE" {
        return License::None;
    }
    // Strict syntax, listed identifiers; deprecated ones (`GPL-2.0`, `GPL-2.0+`) are still on
    // the list and what many packages declare.
    let mode = spdx::ParseMode {
        allow_deprecated: true,
        allow_postfix_plus_on_gpl: true,
        ..spdx::ParseMode::STRICT
    };
    if let Ok(expression) = spdx::Expression::parse_mode(text, mode) {
        // A `LicenseRef-` in the declared text names a license defined elsewhere, whose text
        // the document cannot give; such a declaration is carried as text like any other.
        let all_listed = expression
            .requirements()
            .all(|r| matches!(r.req.license, spdx::LicenseItem::Spdx { .. }));
        if all_listed {
            return License::Expression(text.to_owned());
        }
    }
    let digest = Sha256::digest(text.as_bytes());
    let readable: String = id_chars(text)
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .take(48)
        .collect();
    let id = if readable.is_empty() {
        format!("LicenseRef-{}", hex(&digest[..4]))
    } else {
        format!("LicenseRef-{readable}-{}", hex(&digest[..4]))
    };
    License::Other {
        id,
        text: text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_expressions_are_kept() {
        assert_eq!(
            classify(Some("MIT OR Apache-2.0")),
            License::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            classify(Some("GPL-2.0-or-later WITH Classpath-exception-2.0")),
            License::Expression("GPL-2.0-or-later WITH Classpath-exception-2.0".into())
        );
    }

    #[test]
    fn deprecated_and_nested_expressions_are_kept() {
        for text in [
            "GPL-2.0",
            "GPL-2.0+",
            "LGPL-2.1+",
            "MIT OR (Apache-2.0 AND BSD-3-Clause)",
        ] {
            assert_eq!(
                classify(Some(text)),
                License::Expression(text.into()),
                "{text}"
            );
        }
    }

    #[test]
    fn other_text_gets_a_license_ref() {
        for text in [
            "BSD-like",
            "MIT/X11",
            "GPLv2+",
            "LicenseRef-mine",
            "Apache 2.0 (see ®)",
        ] {
            let License::Other { id, text: kept } = classify(Some(text)) else {
                panic!("{text} is not an SPDX expression of listed licenses");
            };
            assert_eq!(kept, text);
            assert!(id.starts_with("LicenseRef-"));
            assert!(id[11..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
        }
    }

    #[test]
    fn absent_is_none() {
        assert_eq!(classify(None), License::None);
        assert_eq!(classify(Some("  ")), License::None);
        assert_eq!(classify(Some("NOASSERTION")), License::None);
    }
}

//! An htpasswd file (bcrypt) for docker-registry's `auth: htpasswd` mode, made by Apache's
//! `htpasswd -Bbn` (Debian: apache2-utils, which `scripts/test-all.sh` installs); a missing
//! binary fails the test, never skips it. The file is deleted when dropped, so keep it alive as
//! long as the registry.

use std::path::PathBuf;
use std::process::Command;

/// The realm docker-registry names in its `WWW-Authenticate: Basic` challenge.
pub const REALM: &str = "sigchain-test";

/// An htpasswd file of test users.
pub struct Htpasswd {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Htpasswd {
    /// A file holding `users` (name, password), passwords hashed with bcrypt.
    pub fn new(users: &[(&str, &str)]) -> Htpasswd {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = String::new();
        for (user, password) in users {
            let output = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot run htpasswd ({e}): install Debian's apache2-utils \
                         (scripts/test-all.sh does)"
                    )
                });
            assert!(output.status.success(), "htpasswd -Bbn {user} failed");
            // `user:hash` then an empty line.
            lines.push_str(String::from_utf8(output.stdout).unwrap().trim_end());
            lines.push('\n');
        }
        let path = dir.path().join("htpasswd");
        std::fs::write(&path, lines).unwrap();
        Htpasswd { path, _dir: dir }
    }

    /// The `auth:` section for [`super::registry::Registry::start_with`].
    pub fn registry_yaml(&self) -> String {
        format!(
            "auth:\n  htpasswd:\n    realm: {REALM}\n    path: {}\n",
            self.path.display()
        )
    }
}

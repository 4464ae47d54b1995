//! Catalogers: one module per package database or metadata format. Each implements
//! [`crate::model::Cataloger`] (a cheap path test and a pure, never-panicking parse of one file).

pub mod apk;
pub mod cargo;
pub mod cargo_auditable;
pub mod declared;
pub mod dpkg;
pub mod gem;
pub mod go;
pub mod java;
pub mod npm;
pub mod os_release;
pub mod party;
pub mod python;
pub mod rpm;

use crate::model::Cataloger;

/// Every cataloger of this crate, with its default settings: what `sigchain sbom` runs.
///
/// npm dev dependencies are left out ([`npm::NpmCataloger::include_dev`]): an image or
/// directory ships what a production install put there, and the lock's dev entries name
/// packages that are usually not installed.
///
/// ```
/// use sigchain_sbom::catalog::standard_catalogers;
/// let catalogers = standard_catalogers();
/// let names: Vec<_> = catalogers.iter().map(|c| c.name()).collect();
/// assert!(names.contains(&"dpkg") && names.contains(&"java-archive"));
/// ```
pub fn standard_catalogers() -> Vec<Box<dyn Cataloger>> {
    catalogers(&CatalogerSettings::default())
}

/// The choices a caller may make about what the catalogers list. The defaults are what both
/// Trivy and Syft list by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatalogerSettings {
    /// List the `dev: true` entries of npm lock files too (Trivy's `--include-dev-deps`).
    pub include_dev: bool,
}

impl CatalogerSettings {
    /// The defaults, with npm dev dependencies listed or not.
    pub fn with_include_dev(mut self, include_dev: bool) -> Self {
        self.include_dev = include_dev;
        self
    }
}

/// Every cataloger of this crate, set as `settings` says.
///
/// ```
/// use sigchain_sbom::catalog::{catalogers, CatalogerSettings};
/// let with_dev = catalogers(&CatalogerSettings::default().with_include_dev(true));
/// assert_eq!(with_dev.len(), sigchain_sbom::catalog::standard_catalogers().len());
/// ```
pub fn catalogers(settings: &CatalogerSettings) -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(dpkg::DpkgCataloger),
        Box::new(apk::ApkCataloger),
        Box::new(rpm::RpmCataloger),
        Box::new(python::PythonCataloger),
        Box::new(npm::NpmCataloger {
            include_dev: settings.include_dev,
        }),
        Box::new(cargo::CargoLockCataloger),
        Box::new(cargo_auditable::CargoAuditableCataloger),
        Box::new(go::GoBinaryCataloger),
        Box::new(java::JavaArchiveCataloger::default()),
        Box::new(gem::GemCataloger),
    ]
}

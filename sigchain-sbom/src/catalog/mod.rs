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
    vec![
        Box::new(dpkg::DpkgCataloger),
        Box::new(apk::ApkCataloger),
        Box::new(rpm::RpmCataloger),
        Box::new(python::PythonCataloger),
        Box::new(npm::NpmCataloger::default()),
        Box::new(cargo::CargoLockCataloger),
        Box::new(cargo_auditable::CargoAuditableCataloger),
        Box::new(go::GoBinaryCataloger),
        Box::new(java::JavaArchiveCataloger::default()),
        Box::new(gem::GemCataloger),
    ]
}

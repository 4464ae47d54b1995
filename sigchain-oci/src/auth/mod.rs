//! Registry authentication, sans-IO: the challenges a registry answers a 401 with, and the
//! credentials the Docker CLI's `config.json` names for a registry.

pub mod challenge;
pub mod docker_config;

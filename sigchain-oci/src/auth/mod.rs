//! Registry authentication, sans-IO: the challenges a registry answers a 401 with, the
//! credentials the Docker CLI's `config.json` names for a registry, and the token flow that
//! turns both into an `Authorization` header.

pub mod challenge;
pub mod docker_config;
pub mod token;

//! The integration tests: one test binary (linked once), one module per
//! area. Each builds real executables with the `pyfreeze` binary and runs
//! them; `api` drives the library directly.

mod api;
mod bad_input;
mod cli;
mod compiled_packages;
mod cpython;
mod cross_target;
mod differential;
mod hooks;
mod import_graph;
mod inspect_verify_extract;
mod integrity;
mod native_modules;
mod packages;
mod packed;
mod portability;
mod readme;
mod real_packages;
mod real_world_suite;
mod robustness;
mod runtime_compat;
mod runtime_facts;
mod runtime_gaps;
mod security;
mod self_contained;
mod tree_shaking;
mod workflow;

//! `signup` as a user runs it: the real binary, real files, real ports, exit codes and output.
//! One test binary, a module per subcommand, helpers in `common`.

mod common;
mod emulator;
mod import;
mod instances;
mod serve;
mod validate;

#[path = "../../../signup-proxy/tests/support/redis_server.rs"]
mod redis_server;

//! Use cases of Alliances shared by the web server and the CLI.

pub mod geo;

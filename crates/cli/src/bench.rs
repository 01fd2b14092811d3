//! Benchmarks: placeholder replaced by the territory benchmark.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {}
}

//! The `plenary` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    plenary::cli::main()
}

//! The `plenary` binary: everything lives in the library; see `cli`. The one thing here is the
//! allocator call the library, which has no unsafe code, cannot make itself.

fn main() -> std::process::ExitCode {
    plenary::cli::main_with(release_memory())
}

/// glibc's `malloc_trim`: gives whole free pages inside the heaps back to the operating system
/// (see `memory.rs` for why and when).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_memory() -> Option<fn()> {
    Some(|| {
        // SAFETY: malloc_trim takes no pointers and only touches the allocator's own state, under
        // the allocator's locks; any thread may call it at any time.
        unsafe {
            libc::malloc_trim(0);
        }
    })
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_memory() -> Option<fn()> {
    None
}

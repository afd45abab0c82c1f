//! Embeds the run-time search path of the libpython the binary is linked against. Without
//! it the dynamic loader finds whatever `libpython3.x.so` the system library directory holds
//! (on Debian, its own 3.11.2 next to pyenv's 3.11.7): the binary then silently runs another
//! Python, with another `sys.prefix`, and pip-installed packages are not found.
//!
//! Also sets pyo3's cfgs for this crate, so `cfg!(Py_GIL_DISABLED)` says whether that Python
//! is a free-threaded build (3.13t), for the start-up log line.

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    pyo3_build_config::use_pyo3_cfgs();
}

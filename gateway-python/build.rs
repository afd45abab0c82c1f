//! Embeds the run-time search path of the libpython the binary is linked against. Without
//! it the dynamic loader finds whatever `libpython3.x.so` the system library directory holds
//! (on Debian, its own 3.11.2 next to pyenv's 3.11.7): the binary then silently runs another
//! Python, with another `sys.prefix`, and pip-installed packages are not found.

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}

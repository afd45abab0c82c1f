//! Starting the interpreter and loading the application, on the main thread, before the
//! server exists: a failure here is one start-up error with the Python traceback.

use crate::options::PythonOptions;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why the application could not be loaded: a sentence, then the traceback if Python raised.
#[derive(Debug)]
pub(crate) struct LoadError(String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    fn python(py: Python<'_>, what: &str, error: PyErr) -> Self {
        Self(format!("{what}:\n{}", traceback(py, &error).trim_end()))
    }
}

/// The application callable, and what to call it in the log.
pub(crate) struct Loaded {
    pub(crate) app: Py<PyAny>,
    pub(crate) name: String,
}

/// Sets the process up as the options say, starts Python and loads the application.
pub(crate) fn load(options: &PythonOptions) -> Result<Loaded, LoadError> {
    let target = Target::of(options)?;
    // Before Python starts: `os.environ` is read once, at start-up.
    for (key, value) in &options.env {
        std::env::set_var(key, value);
    }
    if let Some(dir) = &options.chdir {
        std::env::set_current_dir(dir).map_err(|error| {
            LoadError(format!(
                "cannot change to the directory {}: {error}",
                dir.display()
            ))
        })?;
    }
    let virtualenv = options
        .virtualenv
        .clone()
        .or_else(|| std::env::var_os("VIRTUAL_ENV").map(PathBuf::from))
        .filter(|dir| !dir.as_os_str().is_empty());
    Python::attach(|py| {
        let sys = py
            .import("sys")
            .map_err(|e| LoadError::python(py, "cannot import sys", e))?;
        let path = sys
            .getattr("path")
            .and_then(|p| p.cast_into::<PyList>().map_err(PyErr::from))
            .map_err(|e| LoadError::python(py, "sys.path is not a list", e))?;
        // The application's own directory first, then --pythonpath (before it), then the
        // virtualenv's packages: what `python hello.py` in that venv would see.
        let own = match &target {
            Target::File(file) => file
                .parent()
                .map(Path::to_path_buf)
                .filter(|dir| !dir.as_os_str().is_empty()),
            Target::Module { .. } => None,
        }
        .unwrap_or_else(|| PathBuf::from("."));
        let own = std::fs::canonicalize(&own).unwrap_or(own);
        let mut first: Vec<PathBuf> = options.pythonpath.clone();
        first.push(own);
        for (index, dir) in first.iter().enumerate() {
            path.insert(index, dir.to_string_lossy().as_ref())
                .map_err(|e| LoadError::python(py, "cannot extend sys.path", e))?;
        }
        if let Some(venv) = &virtualenv {
            add_virtualenv(py, &sys, venv)?;
        }
        gateway_core::host::log(
            gateway_core::host::Level::Info,
            format_args!("{}", describe(&sys)),
        );
        let app = target.load(py)?;
        Ok(Loaded {
            app: app.unbind(),
            name: target.to_string(),
        })
    })
}

/// The Python this process runs: its version, and its prefix (the venv) and base prefix
/// (the installation), so an operator sees at once which Python serves.
pub(crate) fn describe(sys: &Bound<'_, PyModule>) -> String {
    let get = |name: &str| {
        sys.getattr(name)
            .and_then(|value| value.str().map(|s| s.to_string()))
            .unwrap_or_default()
    };
    format!(
        "Python {} (sys.prefix {}, sys.base_prefix {})",
        get("version").replace('\n', " "),
        get("prefix"),
        get("base_prefix")
    )
}

/// What the start-up log says of the GIL, after the application's imports: nothing on a
/// Python built with one; on a free-threaded build (3.13t), whether it is still off. Importing
/// an extension module that does not declare free-threading support turns it back on for the
/// whole process (Python warns with a `RuntimeWarning`), and so does `PYTHON_GIL=1`.
pub(crate) fn gil_note(py: Python<'_>) -> &'static str {
    if !cfg!(Py_GIL_DISABLED) {
        return "";
    }
    let enabled = py
        .import("sys")
        .and_then(|sys| sys.call_method0("_is_gil_enabled"))
        .and_then(|enabled| enabled.extract::<bool>());
    match enabled {
        Ok(false) => ", free-threaded Python, GIL disabled: they run Python in parallel",
        _ => {
            ", free-threaded Python but the GIL is enabled (PYTHON_GIL=1, or an extension \
             module without free-threading support): they take turns"
        }
    }
}

/// Makes the virtualenv's packages importable, as its own `python` would: its site-packages
/// through `site.addsitedir` (which also runs its `.pth` files), and `sys.prefix` set to it.
fn add_virtualenv(py: Python<'_>, sys: &Bound<'_, PyModule>, venv: &Path) -> Result<(), LoadError> {
    let version: (u8, u8) = sys
        .getattr("version_info")
        .and_then(|v| Ok((v.get_item(0)?.extract()?, v.get_item(1)?.extract()?)))
        .map_err(|e| LoadError::python(py, "cannot read sys.version_info", e))?;
    // `lib/python3.13t` on a free-threaded build (`sys.abiflags` holds its `t`), as
    // sysconfig's `{abi_thread}` spells it.
    let thread = match sys
        .getattr("abiflags")
        .and_then(|flags| flags.extract::<String>())
    {
        Ok(flags) if flags.contains('t') => "t",
        _ => "",
    };
    let site = venv
        .join("lib")
        .join(format!("python{}.{}{thread}", version.0, version.1))
        .join("site-packages");
    if !site.is_dir() {
        return Err(LoadError(format!(
            "the virtualenv {} has no {}: is it a virtualenv of Python {}.{}{thread}, the Python this \
             binary was built for?",
            venv.display(),
            site.display(),
            version.0,
            version.1
        )));
    }
    let venv_text = venv.to_string_lossy();
    let added = (|| {
        py.import("site")?
            .call_method1("addsitedir", (site.to_string_lossy().as_ref(),))?;
        sys.setattr("prefix", venv_text.as_ref())?;
        sys.setattr("exec_prefix", venv_text.as_ref())?;
        PyResult::Ok(())
    })();
    added.map_err(|e| LoadError::python(py, "cannot add the virtualenv", e))
}

/// Where the application comes from.
enum Target {
    File(PathBuf),
    Module { module: String, callable: String },
}

impl Target {
    fn of(options: &PythonOptions) -> Result<Self, LoadError> {
        match (&options.wsgi_file, &options.module) {
            (Some(file), None) => Ok(Self::File(file.clone())),
            (None, Some(spec)) => {
                let (module, callable) = spec.split_once(':').unwrap_or((spec, "application"));
                Ok(Self::Module {
                    module: module.to_owned(),
                    callable: callable.to_owned(),
                })
            }
            (None, None) => Err(LoadError(
                "no application: give --wsgi-file PATH or --module MOD[:CALLABLE]".to_owned(),
            )),
            (Some(_), Some(_)) => Err(LoadError(
                "--wsgi-file and --module both name an application: give one".to_owned(),
            )),
        }
    }

    fn load<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, LoadError> {
        let (module, callable) = match self {
            Self::File(file) => (self.run_file(py, file)?, "application"),
            Self::Module { module, callable } => (
                py.import(module.as_str())
                    .map_err(|e| LoadError::python(py, &format!("cannot import {module}"), e))?,
                callable.as_str(),
            ),
        };
        let app = module.getattr(callable).map_err(|e| {
            LoadError::python(py, &format!("{self} has no callable {callable:?}"), e)
        })?;
        if !app.is_callable() {
            return Err(LoadError(format!("{self}: {callable} is not callable")));
        }
        Ok(app.into_any())
    }

    /// Runs the file as a module named after it (`hello.py` is module `hello`, as when
    /// `server.py` imports it), registered in `sys.modules`.
    fn run_file<'py>(
        &self,
        py: Python<'py>,
        file: &Path,
    ) -> Result<Bound<'py, PyModule>, LoadError> {
        let name = file
            .file_stem()
            .map(|stem| stem.to_string_lossy().replace(['-', '.'], "_"))
            .unwrap_or_else(|| "wsgi".to_owned());
        let loaded = (|| {
            let util = py.import("importlib.util")?;
            let spec = util.call_method1(
                "spec_from_file_location",
                (name.as_str(), file.to_string_lossy().as_ref()),
            )?;
            if spec.is_none() {
                return Err(pyo3::exceptions::PyImportError::new_err(format!(
                    "{} is not a Python file",
                    file.display()
                )));
            }
            let module = util.call_method1("module_from_spec", (&spec,))?;
            py.import("sys")?
                .getattr("modules")?
                .set_item(name.as_str(), &module)?;
            spec.getattr("loader")?
                .call_method1("exec_module", (&module,))?;
            Ok(module.cast_into::<PyModule>()?)
        })();
        loaded.map_err(|e| LoadError::python(py, &format!("cannot load {}", file.display()), e))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(file) => write!(f, "{}", file.display()),
            Self::Module { module, callable } => write!(f, "{module}:{callable}"),
        }
    }
}

/// The traceback of `error` as Python prints it.
pub(crate) fn traceback(py: Python<'_>, error: &PyErr) -> String {
    let formatted = (|| {
        let lines = py.import("traceback")?.call_method1(
            "format_exception",
            (error.get_type(py), error.value(py), error.traceback(py)),
        )?;
        PyString::new(py, "")
            .call_method1("join", (lines,))?
            .extract::<String>()
    })();
    formatted.unwrap_or_else(|_| error.to_string())
}

impl From<String> for LoadError {
    fn from(sentence: String) -> Self {
        Self(sentence)
    }
}

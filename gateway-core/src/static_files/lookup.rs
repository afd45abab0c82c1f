//! Which file a request names, and the checks that keep it inside the directory.

use super::StaticFiles;
use crate::environ::Environ;
use crate::percent;
use std::fs::{self, File};
use std::path::{Component, Path, PathBuf};

/// What a request under the prefix maps to.
pub(super) enum Lookup {
    /// Not a file of ours: the application answers.
    NotMine,
    /// A directory asked for without its trailing `/`.
    Redirect(String),
    /// An open regular file.
    File(File, PathBuf),
}

impl<A> StaticFiles<A> {
    /// The path under the prefix, when the request is for it.
    pub(super) fn relative<'e>(&self, environ: &'e Environ) -> Option<&'e str> {
        let rest = environ.path_info().strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    /// What `rest`, the path under the prefix, maps to; see the type's docs for what falls
    /// through.
    pub(super) fn lookup(&self, environ: &Environ, rest: &str) -> Lookup {
        if std::str::from_utf8(environ.path_info_bytes()).is_err()
            || rest.contains(['\0', '\\'])
            || percent::has_encoded_separator(environ.uri().path())
        {
            return Lookup::NotMine;
        }
        let mut relative = PathBuf::new();
        for segment in rest.split('/').filter(|segment| !segment.is_empty()) {
            let mut components = Path::new(segment).components();
            match (components.next(), components.next()) {
                (Some(Component::Normal(name)), None) if name == segment => relative.push(name),
                _ => return Lookup::NotMine,
            }
        }
        let Ok(root) = fs::canonicalize(&self.root) else {
            return Lookup::NotMine;
        };
        let Some(target) = inside(&root, &root.join(relative)) else {
            return Lookup::NotMine;
        };
        let Ok(metadata) = fs::metadata(&target) else {
            return Lookup::NotMine;
        };
        if metadata.is_dir() {
            let Some(index) = &self.index_file else {
                return Lookup::NotMine;
            };
            if !rest.ends_with('/') {
                return Lookup::Redirect(directory_location(environ));
            }
            return match inside(&root, &target.join(index)) {
                Some(index) => open_regular(index),
                None => Lookup::NotMine,
            };
        }
        if rest.ends_with('/') {
            return Lookup::NotMine;
        }
        open_regular(target)
    }
}

/// `path` with every symlink resolved, if it exists and is inside `root` (itself resolved).
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let resolved = fs::canonicalize(path).ok()?;
    resolved.starts_with(root).then_some(resolved)
}

/// Opens `path` if it is a regular file (checked before opening: opening a FIFO would
/// block, and again on the open file).
fn open_regular(path: PathBuf) -> Lookup {
    if !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return Lookup::NotMine;
    }
    match File::open(&path) {
        Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => Lookup::File(file, path),
        _ => Lookup::NotMine,
    }
}

/// The request's own path with a `/` added, and its query.
fn directory_location(environ: &Environ) -> String {
    // One leading slash only: `//host/dir` must not become a redirect to another host.
    let path = environ.uri().path().trim_start_matches('/');
    match environ.uri().query() {
        Some(query) => format!("/{path}/?{query}"),
        None => format!("/{path}/"),
    }
}

//! Which crates the generated code names: `::gateway` (the facade), or the parts.
//!
//! The expansion must work for a user of the facade and for someone who depends on the parts
//! alone. `#[wsgi_app]` names the contract: `::gateway` and `::gateway_core` both export
//! `Application`, `Outcome`, `Environ`, `StartResponse`, `Body` and `IntoBody` at their root.
//! `#[snoop]` names its runtime: `::gateway::snoop` (the facade re-exports `gateway-snoop`
//! there) or `::gateway_snoop`. So the only question is a crate's name, read from the
//! package's own `Cargo.toml`: the packages are published as `wsgi-gateway`,
//! `wsgi-gateway-core` and `wsgi-gateway-snoop`, and keep the library names `gateway`,
//! `gateway_core` and `gateway_snoop`. A plain text scan is enough for the forms Cargo accepts for a
//! dependency; `crate = "..."` covers the rest.

use proc_macro2::Span;
use syn::{Ident, Path, PathSegment};

/// The facade's library name: the name to use when nothing says otherwise.
const FACADE: &str = "gateway";
/// A crate of gateway as a manifest can name it: its published package name (`gateway` and
/// `gateway-core` were taken on the registry), the key it has inside this workspace, and its
/// library name, which is what Rust code calls it when the dependency is not renamed.
struct Part {
    package: &'static str,
    workspace_key: &'static str,
    lib: &'static str,
}

/// The facade (`wsgi-gateway`, `use gateway::...`).
const FACADE_PART: Part = Part {
    package: "wsgi-gateway",
    workspace_key: "gateway",
    lib: FACADE,
};
/// The contract crate, for users who depend on it without the facade.
const CORE: Part = Part {
    package: "wsgi-gateway-core",
    workspace_key: "gateway-core",
    lib: "gateway_core",
};
/// `#[snoop]`'s runtime crate, for users who depend on it without the facade.
const SNOOP: Part = Part {
    package: "wsgi-gateway-snoop",
    workspace_key: "gateway-snoop",
    lib: "gateway_snoop",
};
/// Where the facade re-exports `#[snoop]`'s runtime.
const FACADE_SNOOP: &str = "gateway::snoop";

/// `::gateway` or `::gateway_core` (or a renamed dependency), from the manifest of the crate
/// being compiled.
pub(crate) fn default_path() -> Path {
    let name = manifest().map_or_else(|| FACADE.to_owned(), |text| contract_crate(&text));
    absolute(&name, FACADE)
}

/// `::gateway::snoop` or `::gateway_snoop` (or a renamed dependency), from the manifest of
/// the crate being compiled.
pub(crate) fn snoop_path() -> Path {
    let name = manifest().map_or_else(|| FACADE_SNOOP.to_owned(), |text| snoop_runtime(&text));
    absolute(&name, FACADE_SNOOP)
}

/// The `Cargo.toml` of the crate being compiled.
fn manifest() -> Option<String> {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
}

/// `a::b` as `::a::b`, spanned at the call site; `fallback` when a segment cannot be named (a
/// dependency key that is not an identifier, or is a keyword).
fn absolute(path: &str, fallback: &str) -> Path {
    let idents = |path: &str| -> Option<Vec<Ident>> {
        path.split("::")
            .map(|segment| syn::parse_str::<Ident>(segment).ok())
            .collect()
    };
    let segments = idents(path)
        .or_else(|| idents(fallback))
        .unwrap_or_default();
    Path {
        leading_colon: Some(Default::default()),
        segments: segments
            .into_iter()
            .map(|mut ident| {
                ident.set_span(Span::call_site());
                PathSegment::from(ident)
            })
            .collect(),
    }
}

/// The crate name (as written in Rust code) the package at `manifest` reaches the contract
/// by.
fn contract_crate(manifest: &str) -> String {
    let manifest = Manifest::scan(manifest);
    if manifest.is_facade() {
        return FACADE.to_owned();
    }
    manifest
        .crate_named(&FACADE_PART)
        .or_else(|| manifest.crate_named(&CORE))
        .unwrap_or_else(|| FACADE.to_owned())
}

/// The path (as written in Rust code) the package at `manifest` reaches `#[snoop]`'s runtime
/// by: through the facade if it has it, else `gateway-snoop` itself.
fn snoop_runtime(manifest: &str) -> String {
    let manifest = Manifest::scan(manifest);
    if manifest.is_facade() {
        return FACADE_SNOOP.to_owned();
    }
    manifest
        .crate_named(&FACADE_PART)
        .map(|facade| format!("{facade}::snoop"))
        .or_else(|| manifest.crate_named(&SNOOP))
        .unwrap_or_else(|| FACADE_SNOOP.to_owned())
}

/// What the scan keeps of a `Cargo.toml`.
#[derive(Default)]
struct Manifest {
    /// `[package] name`.
    name: Option<String>,
    /// Every dependency, of every kind and target.
    dependencies: Vec<Dependency>,
}

struct Dependency {
    /// The key, which is the crate's name in Rust code.
    key: String,
    /// `package = "..."` when the dependency is renamed.
    package: Option<String>,
}

enum Table {
    Package,
    /// `[dependencies]`, `[dev-dependencies]`, `[target.'cfg(..)'.build-dependencies]`...
    Dependencies,
    /// `[dependencies.NAME]`: one dependency, by index.
    Dependency(usize),
    Other,
}

impl Manifest {
    fn scan(text: &str) -> Self {
        let mut manifest = Manifest::default();
        let mut table = Table::Other;
        for line in text.lines() {
            let line = strip_comment(line).trim();
            if let Some(header) = line.strip_prefix('[') {
                let header = header.trim_start_matches('[').trim_end_matches(']');
                table = manifest.table(&split_key(header));
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = split_key(key);
            let value = value.trim();
            match table {
                Table::Package if key == ["name"] => manifest.name = unquote(value),
                Table::Dependencies => {
                    let Some(name) = key.first() else { continue };
                    let index = manifest.dependency(name);
                    // `gw = { package = "gateway", .. }` or `gw.package = "gateway"`.
                    let package = match &key[1..] {
                        [] => inline_package(value),
                        [field] if field == "package" => unquote(value),
                        _ => None,
                    };
                    if package.is_some() {
                        manifest.dependencies[index].package = package;
                    }
                }
                Table::Dependency(index) if key == ["package"] => {
                    manifest.dependencies[index].package = unquote(value);
                }
                _ => {}
            }
        }
        manifest
    }

    fn table(&mut self, header: &[String]) -> Table {
        let is_dependencies = |part: &String| {
            matches!(
                part.as_str(),
                "dependencies"
                    | "dev-dependencies"
                    | "dev_dependencies"
                    | "build-dependencies"
                    | "build_dependencies"
            )
        };
        match header {
            [package] if package == "package" => Table::Package,
            // The workspace's table lists what members may inherit, not what this package uses.
            [first, ..] if first == "workspace" => Table::Other,
            [.., kind] if is_dependencies(kind) => Table::Dependencies,
            [.., kind, name] if is_dependencies(kind) => Table::Dependency(self.dependency(name)),
            _ => Table::Other,
        }
    }

    /// Whether this is the facade's own manifest (its tests, examples and doctests).
    fn is_facade(&self) -> bool {
        matches!(self.name.as_deref(), Some(name) if name == FACADE_PART.package || name == FACADE)
    }

    /// The name in Rust code of the dependency on `part`: the key of a renamed dependency
    /// (`gw = { package = "wsgi-gateway" }` is `gw`), else the library's own name.
    fn crate_named(&self, part: &Part) -> Option<String> {
        let is_part =
            |name: &str| name == part.package || name == part.workspace_key || name == part.lib;
        self.dependencies.iter().find_map(|dep| match &dep.package {
            Some(package) if is_part(package) => Some(dep.key.replace('-', "_")),
            None if is_part(&dep.key) => Some(part.lib.to_owned()),
            _ => None,
        })
    }

    /// The index of dependency `key`, added if new.
    fn dependency(&mut self, key: &str) -> usize {
        if let Some(index) = self.dependencies.iter().position(|dep| dep.key == key) {
            return index;
        }
        self.dependencies.push(Dependency {
            key: key.to_owned(),
            package: None,
        });
        self.dependencies.len() - 1
    }
}

/// The line without its `# comment` (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '#') => return &line[..at],
            _ => {}
        }
    }
    line
}

/// `a."b.c".d` as `["a", "b.c", "d"]`, unquoted and trimmed.
fn split_key(key: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quote = None;
    for c in key.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '.') => parts.push(String::new()),
            (None, c) if c.is_whitespace() => {}
            (_, c) => parts.last_mut().into_iter().for_each(|part| part.push(c)),
        }
    }
    parts
}

/// The text of a quoted TOML string value.
fn unquote(value: &str) -> Option<String> {
    let value = value.trim();
    let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let rest = &value[1..];
    rest.find(quote).map(|end| rest[..end].to_owned())
}

/// `package = "..."` inside an inline table `{ .. }`.
fn inline_package(value: &str) -> Option<String> {
    let inner = value.strip_prefix('{')?;
    inner.split(',').find_map(|field| {
        let (key, value) = field.split_once('=')?;
        (split_key(key) == ["package"])
            .then(|| unquote(value))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::{absolute, contract_crate, snoop_runtime};

    #[test]
    fn the_facade_package_names_itself() {
        let manifest =
            "[package]\nname = \"gateway\"\n[dependencies]\ngateway-core.workspace = true\n";
        assert_eq!(contract_crate(manifest), "gateway");
    }

    #[test]
    fn a_dependency_on_the_facade_wins_over_core() {
        for manifest in [
            "[dependencies]\ngateway-core = \"0.1\"\ngateway = \"0.1\"\n",
            "[dependencies]\ngateway-core = \"0.1\"\ngateway = { version = \"0.1\" }\n",
            "[dev-dependencies]\ngateway.workspace = true\ngateway-core.workspace = true\n",
            "[dependencies.gateway-core]\npath = \"x\"\n[dependencies.gateway]\npath = \"y\"\n",
            "[target.'cfg(unix)'.dependencies]\n\"gateway\" = \"1\" # a comment\n",
        ] {
            assert_eq!(contract_crate(manifest), "gateway", "{manifest}");
        }
    }

    #[test]
    fn core_alone_names_gateway_core() {
        for manifest in [
            "[package]\nname = \"my-middleware\"\n[dependencies]\ngateway-core = \"0.1\"\n",
            "[dev-dependencies]\ngateway-core = { path = \"../gateway-core\" }\n",
            "[dependencies.gateway-core]\npath = \"../gateway-core\"\n",
            "[dependencies]\ngateway_core.workspace = true\n",
        ] {
            assert_eq!(contract_crate(manifest), "gateway_core", "{manifest}");
        }
    }

    #[test]
    fn a_renamed_dependency_is_named_by_its_key() {
        assert_eq!(
            contract_crate("[dependencies]\nwsgi = { package = \"gateway\", version = \"0.1\" }\n"),
            "wsgi"
        );
        assert_eq!(
            contract_crate("[dependencies.contract]\npackage = \"gateway-core\"\n"),
            "contract"
        );
    }

    #[test]
    fn published_names_are_called_by_their_library_names() {
        for (manifest, contract, runtime) in [
            (
                "[dependencies]\nwsgi-gateway = \"0.1\"\n",
                "gateway",
                "gateway::snoop",
            ),
            (
                "[dependencies]\ngateway = { package = \"wsgi-gateway\", version = \"0.1\" }\n",
                "gateway",
                "gateway::snoop",
            ),
            (
                "[dependencies]\ngw = { package = \"wsgi-gateway\", path = \"x\" }\n",
                "gw",
                "gw::snoop",
            ),
            (
                "[dependencies]\nwsgi-gateway-core = \"0.1\"\nwsgi-gateway-snoop = \"0.1\"\n",
                "gateway_core",
                "gateway_snoop",
            ),
            (
                "[package]\nname = \"wsgi-gateway\"\n",
                "gateway",
                "gateway::snoop",
            ),
        ] {
            assert_eq!(contract_crate(manifest), contract, "{manifest}");
            assert_eq!(snoop_runtime(manifest), runtime, "{manifest}");
        }
    }

    #[test]
    fn the_default_is_the_facade() {
        for manifest in [
            "",
            "[package]\nname = \"app\"\n# gateway-core = \"0.1\"\n",
            "[workspace.dependencies]\ngateway-core = \"0.1\"\n",
            "[features]\ngateway-core = []\n",
        ] {
            assert_eq!(contract_crate(manifest), "gateway", "{manifest}");
        }
    }

    #[test]
    fn snoop_names_the_facade_or_gateway_snoop() {
        for (manifest, runtime) in [
            ("[package]\nname = \"gateway\"\n", "gateway::snoop"),
            ("[dependencies]\ngateway = \"0.1\"\n", "gateway::snoop"),
            (
                "[dependencies]\ngateway-snoop = \"0.1\"\ngateway = \"0.1\"\n",
                "gateway::snoop",
            ),
            (
                "[dependencies]\nwsgi = { package = \"gateway\", version = \"0.1\" }\n",
                "wsgi::snoop",
            ),
            (
                "[dependencies]\ngateway-core = \"0.1\"\ngateway-snoop = \"0.1\"\n",
                "gateway_snoop",
            ),
            (
                "[dev-dependencies]\ngateway-snoop.workspace = true\n",
                "gateway_snoop",
            ),
            (
                "[dependencies.trace]\npackage = \"gateway-snoop\"\n",
                "trace",
            ),
            // Without either, the facade: its error names the crate to add.
            ("[dependencies]\ngateway-core = \"0.1\"\n", "gateway::snoop"),
            ("", "gateway::snoop"),
        ] {
            assert_eq!(snoop_runtime(manifest), runtime, "{manifest}");
        }
    }

    #[test]
    fn a_path_is_absolute_and_a_key_that_cannot_be_named_falls_back() {
        let path = |text: &str| {
            let path = absolute(text, "gateway::snoop");
            quote::quote!(#path).to_string()
        };
        assert_eq!(path("gateway_snoop"), ":: gateway_snoop");
        assert_eq!(path("wsgi::snoop"), ":: wsgi :: snoop");
        assert_eq!(path("fn"), ":: gateway :: snoop");
        assert_eq!(path("1st"), ":: gateway :: snoop");
    }
}

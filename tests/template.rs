//! The starter template in `template/` renders the way `cargo generate` renders it, and the
//! generated project's own `cargo test` passes against this checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

const PROJECT_NAME: &str = "hello-gateway-app";
const CRATE_NAME: &str = "hello_gateway_app";

/// Copies `from` into `to`, substituting cargo-generate's placeholders in every file and
/// dropping the `.liquid` suffix, as cargo-generate does; `cargo-generate.toml` stays behind.
fn render(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let source = entry.path();
        if name == "cargo-generate.toml" || name == "target" {
            continue;
        }
        let target = to.join(name.strip_suffix(".liquid").unwrap_or(&name));
        if source.is_dir() {
            render(&source, &target);
            continue;
        }
        let text = std::fs::read_to_string(&source).unwrap();
        let rendered = text
            .replace("{{project-name}}", PROJECT_NAME)
            .replace("{{crate_name}}", CRATE_NAME);
        assert!(
            !rendered.contains("{{") && !rendered.contains("{%"),
            "{} has a placeholder cargo-generate would leave blank",
            source.display()
        );
        std::fs::write(target, rendered).unwrap();
    }
}

#[test]
fn the_generated_project_builds_and_its_tests_pass() {
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let project = std::env::temp_dir().join(format!("gateway-template-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&project);
    render(&checkout.join("template"), &project);

    // Point the `gateway` dependency at this checkout, and pin the versions it was tested
    // with, so the build needs no network.
    let manifest = project.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains("gateway = \"0.1\""),
        "the template depends on gateway 0.1:\n{text}"
    );
    let local = format!(
        "gateway = {{ path = {:?} }}",
        checkout.display().to_string()
    );
    std::fs::write(&manifest, text.replace("gateway = \"0.1\"", &local)).unwrap();
    std::fs::copy(checkout.join("Cargo.lock"), project.join("Cargo.lock")).unwrap();

    let target = checkout.join("target").join("template-test");
    let status = Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("run cargo test in the generated project");
    let _ = std::fs::remove_dir_all(&project);
    assert!(
        status.success(),
        "cargo test failed in the generated project"
    );
}

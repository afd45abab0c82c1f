//! The starter template in `template/`, rendered by cargo-generate itself with the documented
//! `gateway_path` pointing at this checkout, builds and its own `cargo test` passes.
//!
//! Needs `cargo-generate` (`.ci/run` installs it); without it the test says it skipped, and
//! under `CI=true` it fails instead.

use std::path::PathBuf;
use std::process::Command;

const PROJECT_NAME: &str = "hello-gateway-app";

#[test]
fn the_generated_project_builds_and_its_tests_pass() {
    let has_cargo_generate = Command::new(env!("CARGO"))
        .args(["generate", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_cargo_generate {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cargo-generate is missing; .ci/run installs it"
        );
        eprintln!("skipped: cargo-generate is not installed (cargo install cargo-generate)");
        return;
    }
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let destination = std::env::temp_dir().join(format!("gateway-template-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&destination);
    std::fs::create_dir_all(&destination).unwrap();
    let rendered = Command::new(env!("CARGO"))
        .arg("generate")
        .arg("--path")
        .arg(checkout.join("template"))
        .args(["--name", PROJECT_NAME, "--vcs", "none", "--silent"])
        .arg("--define")
        .arg(format!("gateway_path={}", checkout.display()))
        .arg("--destination")
        .arg(&destination)
        .output()
        .expect("run cargo generate");
    assert!(
        rendered.status.success(),
        "cargo generate failed: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let project = destination.join(PROJECT_NAME);
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!(
            "wsgi-gateway = {{ path = \"{}\" }}",
            checkout.display()
        )),
        "the documented gateway_path points the project at this checkout:\n{manifest}"
    );

    // The versions this checkout was tested with, so the build needs no network.
    std::fs::copy(checkout.join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    let target = checkout.join("target").join("template-test");
    let status = Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("run cargo test in the generated project");
    let _ = std::fs::remove_dir_all(&destination);
    assert!(
        status.success(),
        "cargo test failed in the generated project"
    );
}

//! A Django project as `django-admin startproject` makes it (ALLOWED_HOSTS and STATIC_ROOT
//! set, sqlite, a superuser), served by gateway-python directly and behind a real nginx
//! with `uwsgi_pass` over a unix socket: the welcome page, the admin's redirect, its login
//! form with the CSRF cookie, a login, and the static files through `--static-map`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::deployed::nginx::{free_port, start_nginx};
use support::*;

const PASSWORD: &str = "a long test password 16";

/// A new project in a temporary directory, migrated, with a superuser and collected
/// static files.
fn project(venv: &Path) -> PathBuf {
    let dir = temp_dir("py-django");
    let run = |program: PathBuf, args: &[&str]| {
        let output = Command::new(&program)
            .args(args)
            .current_dir(&dir)
            .env("DJANGO_SUPERUSER_USERNAME", "admin")
            .env("DJANGO_SUPERUSER_EMAIL", "admin@example.com")
            .env("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program:?} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(
        venv.join("bin/django-admin"),
        &["startproject", "mysite", "."],
    );
    let settings = dir.join("mysite/settings.py");
    let text = std::fs::read_to_string(&settings).unwrap();
    let text = text.replace("ALLOWED_HOSTS = []", "ALLOWED_HOSTS = ['*']")
        + "\nSTATIC_ROOT = BASE_DIR / 'collected'\n";
    std::fs::write(&settings, text).unwrap();
    let python = venv.join("bin/python");
    run(python.clone(), &["manage.py", "migrate", "--noinput"]);
    run(
        python.clone(),
        &["manage.py", "createsuperuser", "--noinput"],
    );
    run(python, &["manage.py", "collectstatic", "--noinput"]);
    dir
}

/// The value of the cookie `name` in a `curl -i` response's Set-Cookie headers.
fn set_cookie(response: &str, name: &str) -> Option<String> {
    response.lines().find_map(|line| {
        let (header, value) = line.split_once(':')?;
        if !header.eq_ignore_ascii_case("set-cookie") {
            return None;
        }
        let value = value.trim().strip_prefix(&format!("{name}="))?;
        Some(value.split(';').next().unwrap_or("").to_owned())
    })
}

/// The whole tour on `base` (`http://host:port`).
fn tour(base: &str, jar: &Path) {
    let jar = jar.to_str().unwrap();
    let home = get(&format!("{base}/"), &[]);
    assert_eq!(status(&home), 200, "{home}");
    assert!(home.contains("The install worked successfully!"), "{home}");

    let admin = get(&format!("{base}/admin/"), &[]);
    assert_eq!(status(&admin), 302, "{admin}");
    assert!(
        admin
            .to_ascii_lowercase()
            .contains("location: /admin/login/?next=/admin/"),
        "{admin}"
    );

    let login = get(&format!("{base}/admin/login/"), &["-c", jar]);
    assert_eq!(status(&login), 200, "{login}");
    let csrf_cookie = set_cookie(&login, "csrftoken").expect("a csrftoken cookie");
    assert!(!csrf_cookie.is_empty());
    let form_token = body(&login)
        .split("name=\"csrfmiddlewaretoken\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login form's CSRF token")
        .to_owned();

    let logged_in = get(
        &format!("{base}/admin/login/?next=/admin/"),
        &[
            "-b",
            jar,
            "-c",
            jar,
            "-H",
            &format!("Referer: {base}/admin/login/"),
            "--data-urlencode",
            &format!("csrfmiddlewaretoken={form_token}"),
            "--data-urlencode",
            "username=admin",
            "--data-urlencode",
            &format!("password={PASSWORD}"),
            "--data-urlencode",
            "next=/admin/",
        ],
    );
    assert_eq!(status(&logged_in), 302, "{logged_in}");
    assert!(set_cookie(&logged_in, "sessionid").is_some(), "{logged_in}");
    let dashboard = get(&format!("{base}/admin/"), &["-b", jar]);
    assert_eq!(status(&dashboard), 200, "{dashboard}");
    assert!(dashboard.contains("Site administration"), "{dashboard}");

    // Collected static files, served by --static-map (Django serves none under WSGI).
    let css = get(&format!("{base}/static/admin/css/base.css"), &[]);
    assert_eq!(status(&css), 200, "{}", &css[..css.len().min(300)]);
    assert!(
        css.to_ascii_lowercase().contains("content-type: text/css"),
        "{}",
        &css[..300]
    );
    // A path under the prefix with no file behind it falls through to Django (its 404 page).
    let missing = get(&format!("{base}/static/no-such-file.css"), &[]);
    assert_eq!(status(&missing), 404, "{missing}");
    // startproject's DEBUG = True: Django's page names the URL patterns it tried.
    assert!(body(&missing).contains("Page not found"), "{missing}");
}

fn serve_django(venv: &Path, dir: &Path, extra: &[&str], listeners: usize) -> Deployed {
    let static_map = format!("/static={}", dir.join("collected").display());
    let mut args = vec![
        "--chdir",
        dir.to_str().unwrap(),
        "--module",
        "mysite.wsgi",
        "--static-map",
        &static_map,
    ];
    args.extend_from_slice(extra);
    serve(venv, &args, listeners)
}

#[test]
fn a_new_django_project_works_directly_and_behind_nginx() {
    let Some(venv) = venv() else { return };
    let dir = project(&venv);
    let socket = dir.join("app.sock");
    let socket_arg = format!("unix:{}", socket.display());
    let server = serve_django(
        &venv,
        &dir,
        &["--socket", &socket_arg, "--chmod-socket", "666"],
        2,
    );
    tour(
        &format!("http://{}", server.addr(0)),
        &dir.join("jar-direct"),
    );

    if have("nginx") {
        let port = free_port();
        let locations = format!(
            "        location / {{\n            include /etc/nginx/uwsgi_params;\n            \
             uwsgi_pass unix:{};\n        }}",
            socket.display()
        );
        let nginx_dir = temp_dir("py-django-nginx");
        let _nginx = start_nginx(&nginx_dir, port, &locations);
        tour(&format!("http://127.0.0.1:{port}"), &dir.join("jar-nginx"));
    }
    server.stop();
}

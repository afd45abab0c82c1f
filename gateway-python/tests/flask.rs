//! A Flask application: a streamed generator response and a file upload.

mod support;

use support::*;

const APP: &str = r#"
import hashlib
from flask import Flask, Response, request

app = Flask(__name__)

@app.route('/count/<int:n>')
def count(n):
    def lines():
        for i in range(n):
            yield 'line %d\n' % i
    return Response(lines(), mimetype='text/plain')

@app.route('/upload', methods=['POST'])
def upload():
    f = request.files['document']
    data = f.read()
    return '%s %d %s %s' % (f.filename, len(data), hashlib.sha256(data).hexdigest(), request.form.get('note'))
"#;

#[test]
fn flask_streams_a_generator_and_takes_an_upload() {
    let Some(venv) = venv() else { return };
    let dir = temp_dir("py-flask");
    write(&dir, "flask_app.py", APP);
    let server = serve(
        &venv,
        &[
            "--chdir",
            dir.to_str().unwrap(),
            "--module",
            "flask_app:app",
        ],
        1,
    );
    let base = format!("http://{}", server.addr(0));

    let streamed = get(&format!("{base}/count/5000"), &[]);
    assert_eq!(status(&streamed), 200, "{streamed}");
    assert!(
        streamed
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "a generator is streamed, not buffered: {}",
        &streamed[..300]
    );
    let lines: Vec<&str> = body(&streamed).lines().collect();
    assert_eq!(lines.len(), 5000);
    assert_eq!((lines[0], lines[4999]), ("line 0", "line 4999"));

    let document: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
    let path = dir.join("report.bin");
    std::fs::write(&path, &document).unwrap();
    let expected = {
        let output = std::process::Command::new("sha256sum")
            .arg(&path)
            .output()
            .unwrap();
        String::from_utf8(output.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let uploaded = get(
        &format!("{base}/upload"),
        &[
            "-F",
            &format!("document=@{}", path.display()),
            "-F",
            "note=quarterly",
        ],
    );
    assert_eq!(status(&uploaded), 200, "{uploaded}");
    assert_eq!(
        body(&uploaded),
        format!("report.bin 400000 {expected} quarterly")
    );
    server.stop();
}

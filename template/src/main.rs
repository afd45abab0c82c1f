//! Serves the application on port 8000, or `--port N`, or `PORT=N`.

fn main() -> gateway::Result<()> {
    let port = gateway::port_from_args(8000)?;
    let app = {{crate_name}}::app()?;
    let httpd = gateway::make_server("", port, app)?;
    println!("serving port {port}...");
    httpd.serve_forever()?;
    Ok(())
}

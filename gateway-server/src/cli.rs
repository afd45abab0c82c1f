//! The port a program was asked to serve on.

use std::io;

/// The port from `--port N` (or `--port=N`) on the command line, else from the `PORT`
/// environment variable, else `default`. A value that is not a port is an error that says
/// where it came from.
pub fn port_from_args(default: u16) -> io::Result<u16> {
    port_from(
        std::env::args().skip(1),
        std::env::var("PORT").ok(),
        default,
    )
}

fn port_from(
    args: impl Iterator<Item = String>,
    env: Option<String>,
    default: u16,
) -> io::Result<u16> {
    let mut args = args.peekable();
    let mut from_args = None;
    while let Some(arg) = args.next() {
        if arg == "--port" {
            from_args = Some(args.next().unwrap_or_default());
        } else if let Some(value) = arg.strip_prefix("--port=") {
            from_args = Some(value.to_owned());
        }
    }
    let (text, source) = match (from_args, env) {
        (Some(text), _) => (text, "--port"),
        (None, Some(text)) => (text, "PORT"),
        (None, None) => return Ok(default),
    };
    text.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid port {text:?} from {source}: expected a number from 0 to 65535"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn the_flag_wins_over_the_environment_over_the_default() {
        assert_eq!(
            port_from(args(&["--port", "9000"]), Some("7000".into()), 8000).unwrap(),
            9000
        );
        assert_eq!(port_from(args(&["--port=9001"]), None, 8000).unwrap(), 9001);
        assert_eq!(
            port_from(args(&[]), Some("7000".into()), 8000).unwrap(),
            7000
        );
        assert_eq!(port_from(args(&[]), None, 8000).unwrap(), 8000);
    }

    #[test]
    fn a_bad_port_says_where_it_came_from() {
        let error = port_from(args(&["--port", "eighty"]), None, 8000).unwrap_err();
        assert!(error.to_string().contains("\"eighty\" from --port"));
        assert!(port_from(args(&[]), Some("70000".into()), 8000).is_err());
    }
}

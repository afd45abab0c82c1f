//! The uwsgi protocol, for nginx's `uwsgi_pass` (`--socket ADDR`): the packet nginx sends
//! ([`packet`]), the request it carries ([`request`]), and the raw HTTP/1.1 response that
//! answers it ([`response`]). Written by hand from uWSGI's protocol description and what
//! nginx 1.22 was seen to send; only WSGI requests (`modifier1` = 0) are served, and the
//! packet is held to the HTTP head's limits (size, header count), not uWSGI's 4 KiB.
//!
//! One request per connection, as nginx uses it: read the packet, build the environ from
//! [`request::Request`], read `CONTENT_LENGTH` bytes of body, write the response, close.

pub(crate) mod body;
pub(crate) mod connection;
pub(crate) mod error;
pub(crate) mod packet;
pub(crate) mod request;
pub(crate) mod response;

#[cfg(test)]
mod tests;

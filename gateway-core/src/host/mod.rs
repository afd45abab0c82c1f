//! What a server needs from the contract, and an application author never does: the
//! connection's facts, the request body's source, and the one sequence that
//! runs an application and sends its answer ([`run`], then [`Exchange`]).
//!
//! A request goes one way: bytes → a protocol's parser → [`Environ::new`](crate::Environ::new)
//! → [`run`] → [`Exchange::start`] and [`Exchange::next_chunk`] → the protocol's framing.

mod connection;
mod exchange;
pub(crate) mod log;
mod run;

pub use crate::environ::SERVER_SOFTWARE;
pub use crate::input::{Input, InputSource};
pub use crate::start_response::ResponseHead;
pub use connection::Connection;
pub use exchange::{Exchange, Start, SERVER_ERROR_BODY};
pub use log::{log, Level};
pub use run::{run, PendingExchange, Running};

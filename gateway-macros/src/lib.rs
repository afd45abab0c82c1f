//! Placeholder: `#[wsgi_app]` lands here.

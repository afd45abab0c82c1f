//! pysnooper's colours, and the empty palette of an uncoloured trace.

/// The escape sequences a line is coloured with.
pub(crate) struct Palette {
    pub(crate) green: &'static str,
    pub(crate) cyan: &'static str,
    pub(crate) yellow: &'static str,
    pub(crate) red: &'static str,
    pub(crate) dim: &'static str,
    pub(crate) normal: &'static str,
    pub(crate) reset: &'static str,
}

/// pysnooper's colours.
pub(crate) const COLORS: Palette = Palette {
    green: "\x1b[32m",
    cyan: "\x1b[36m",
    yellow: "\x1b[33m",
    red: "\x1b[31m",
    dim: "\x1b[2m",
    normal: "\x1b[22m",
    reset: "\x1b[0m",
};

/// No colour at all.
pub(crate) const PLAIN: Palette = Palette {
    green: "",
    cyan: "",
    yellow: "",
    red: "",
    dim: "",
    normal: "",
    reset: "",
};

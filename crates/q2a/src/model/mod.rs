//! The Q2A model, one block per file: [`mlp`], [`attention`], [`gru`], [`evidence`], and the whole model in
//! [`q2a`].

pub mod attention;
pub mod evidence;
pub mod gru;
pub mod mlp;
pub mod q2a;

pub use q2a::Q2a;

//! The demo page's entry point: mounts the widget (which arrives with the widget issue).

use wasm_bindgen::prelude::wasm_bindgen;

/// The widget's version, for embedders to log.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

fn main() {}

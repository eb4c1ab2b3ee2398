//! The JavaScript entry point: `mount(element, options)` and the handle that unmounts.

use std::any::Any;

use wasm_bindgen::{JsValue, prelude::wasm_bindgen};
use web_sys::HtmlElement;

use crate::{Options, SignupForm};

/// A mounted form; `unmount()` (or dropping it) removes the form and its reactive state.
#[wasm_bindgen]
pub struct Handle {
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl Handle {
    /// Removes the form from the page. Calling it twice does nothing.
    pub fn unmount(&mut self) {
        self.mounted = None;
    }
}

/// Renders the registration form into `element` with `options` (see [`Options::from_js`]).
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Handle {
    let options = Options::from_js(&options);
    let handle = leptos::mount::mount_to(element, move || {
        leptos::view! { <SignupForm options /> }
    });
    Handle {
        mounted: Some(Box::new(handle)),
    }
}

//! End-to-end tests of signup in headless Chromium, driven through chromedriver. The suite
//! arrives with the end-to-end issue; this crate holds its place in the workspace.

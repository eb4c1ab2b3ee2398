//! The registration form widget. For now it only proves the rules build for the browser without
//! serde; the Leptos component arrives with the widget issue.

pub use customer_validation::limits;

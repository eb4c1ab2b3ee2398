//! Serialization of errors as `{"field", "code", "message"}`.

use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};

use crate::{Errors, FieldError};

impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut error = serializer.serialize_struct("FieldError", 3)?;
        error.serialize_field("field", self.field.name())?;
        error.serialize_field("code", self.code.as_str())?;
        error.serialize_field("message", self.message())?;
        error.end()
    }
}

impl Serialize for Errors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for error in self {
            seq.serialize_element(error)?;
        }
        seq.end()
    }
}

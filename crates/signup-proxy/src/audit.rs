//! The audit trail: one JSON line per create attempt. Never a secret, never a full email or
//! phone number.

use std::{
    fs::{File, OpenOptions},
    io::{self, Write},
    path::Path,
    sync::Mutex,
};

use serde::Serialize;

/// One create attempt.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// The request's id (also in the `x-request-id` response header).
    pub request_id: &'a str,
    /// The client's IP.
    pub client_ip: String,
    /// The `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// The `Origin`.
    pub origin: Option<&'a str>,
    /// What happened: `created`, `invalid`, `duplicate_email`, `rate_limited`, ...
    pub outcome: &'a str,
    /// The status answered.
    pub status: u16,
    /// The customer's id, when created.
    pub customer_id: Option<&'a str>,
    /// The email, masked: `j***@example.com`.
    pub email: Option<String>,
}

/// Where audit lines go: a file opened for appending, or nowhere.
#[derive(Debug)]
pub struct AuditLog {
    file: Option<Mutex<File>>,
}

impl AuditLog {
    /// Appends to `path` (created if missing), or logs nothing.
    pub fn open(path: Option<&Path>) -> io::Result<AuditLog> {
        let file = path
            .map(|path| OpenOptions::new().create(true).append(true).open(path))
            .transpose()?;
        Ok(AuditLog {
            file: file.map(Mutex::new),
        })
    }

    /// Whether lines are written at all (`--audit-log` given).
    pub fn enabled(&self) -> bool {
        self.file.is_some()
    }

    /// Writes one line; a failure is logged, never fails the request.
    pub fn record(&self, entry: &Entry<'_>) {
        let Some(file) = &self.file else { return };
        let mut line = match serde_json::to_vec(entry) {
            Ok(line) => line,
            Err(error) => return tracing::error!(%error, "cannot encode an audit line"),
        };
        line.push(b'\n');
        let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(error) = file.write_all(&line) {
            tracing::error!(%error, "cannot write the audit log");
        }
    }
}

/// `john.doe@example.com` → `j***@example.com`: enough to recognise, not enough to contact.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::mask_email;

    #[test]
    fn masks_all_but_the_first_character_of_the_local_part() {
        assert_eq!(mask_email("john.doe@example.com"), "j***@example.com");
        assert_eq!(mask_email("é@x.fr"), "é***@x.fr");
        assert_eq!(mask_email("nonsense"), "***");
    }
}

//! The upstream idempotency key: derived from the browser's key with a server-side secret.
//!
//! HMAC-SHA256(secret, client key), shaped as a UUID. The same client key always gives the same
//! upstream key in one deployment (so retries, reloads and other proxy instances replay),
//! while a key chosen by a browser can never name another deployment's request upstream.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Derives upstream keys.
#[derive(Clone)]
pub struct KeyDeriver {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for KeyDeriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyDeriver(<secret>)")
    }
}

impl KeyDeriver {
    /// A deriver keyed by `secret`.
    pub fn new(secret: &[u8]) -> Self {
        KeyDeriver {
            mac: Hmac::new_from_slice(secret).expect("HMAC takes keys of any length"),
        }
    }

    /// The deployment's default secret when none is configured: derived from the Devdraft client
    /// secret, so it is stable across restarts and shared by every instance of one deployment.
    pub fn from_client_secret(client_secret: &str) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(b"signup idempotency key derivation v1");
        Self::new(&mac.finalize().into_bytes())
    }

    /// The upstream key for `client_key`: shaped as a UUID v4, the form Devdraft documents
    /// (deterministic, but with the version and variant bits of a random UUID).
    pub fn derive(&self, client_key: &uuid::Uuid) -> uuid::Uuid {
        let mut mac = self.mac.clone();
        mac.update(client_key.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// A secret for `purpose`, the same in every instance of one deployment: derived from
/// `SIGNUP_IDEMPOTENCY_SECRET` when set, else from the Devdraft client secret, so that no
/// configured secret is ever used as is outside its own purpose.
pub(crate) fn deployment_secret(config: &crate::Config, purpose: &[u8]) -> [u8; 32] {
    let base = config
        .idempotency_secret
        .as_deref()
        .unwrap_or(&config.upstream.client_secret);
    let mut mac =
        Hmac::<Sha256>::new_from_slice(base.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_same_key_for_the_same_secret_and_another_for_another() {
        let client = uuid::Uuid::new_v4();
        let ours = KeyDeriver::from_client_secret("secret-a");
        assert_eq!(ours.derive(&client), ours.derive(&client));
        assert_ne!(
            ours.derive(&client),
            client,
            "the browser's key never goes upstream as is"
        );
        assert_ne!(
            ours.derive(&client),
            KeyDeriver::from_client_secret("secret-b").derive(&client)
        );
        assert_ne!(ours.derive(&client), ours.derive(&uuid::Uuid::new_v4()));
        assert_eq!(ours.derive(&client).get_version_num(), 4);
    }
}

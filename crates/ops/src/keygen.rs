//! `auth-ops keygen [KID]`: a new ES256 signing key for a rotation, printed as the values to
//! put into Worker secrets. Nothing is written to disk.
//!
//! Rotation without a gap (README, "Key rotation"): publish the new key's public half in
//! `JWT_NEXT_KEYS` and wait out the JWKS cache (5 minutes); then switch `JWT_SIGNING_KEY`/
//! `JWT_SIGNING_KID` to it, with the old key's public half in `JWT_VERIFICATION_KEYS` until its
//! tokens expire (15 minutes by default); then drop that entry.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rand_core::{OsRng, RngCore};

/// The new key's secrets and its public JWK entry.
pub struct NewKey {
    pub kid: String,
    pub pem: String,
    pub public_jwk: serde_json::Value,
}

pub fn generate(kid: Option<&str>) -> crate::Result<NewKey> {
    let secret = p256::SecretKey::random(&mut OsRng);
    let pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the key: {e}"))?;
    let point = secret.public_key().to_encoded_point(false);
    let (x, y) = (point.x().ok_or("no x")?, point.y().ok_or("no y")?);
    let kid = kid.map(str::to_owned).unwrap_or_else(|| {
        let mut suffix = [0u8; 6];
        OsRng.fill_bytes(&mut suffix);
        format!("es256-{}", URL_SAFE_NO_PAD.encode(suffix))
    });
    let public_jwk = serde_json::json!({"kid": kid, "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y)});
    Ok(NewKey {
        kid,
        pem: pem.to_string(),
        public_jwk,
    })
}

pub fn print(kid: Option<&str>) -> crate::Result<()> {
    let key = generate(kid)?;
    println!("# A new ES256 signing key. First publish its public entry, and deploy:");
    println!("JWT_NEXT_KEYS=[{}]\n", key.public_jwk);
    println!("# At least 5 minutes later (the JWKS cache), switch signing to it:");
    println!("#   wrangler secret put JWT_SIGNING_KID   (value below; in a checkout: cargo xtask wrangler ...)");
    println!("#   wrangler secret put JWT_SIGNING_KEY   (the PEM below)");
    println!("# with the previous key's public entry in JWT_VERIFICATION_KEYS until its tokens expire.\n");
    println!("JWT_SIGNING_KID={}\n", key.kid);
    println!("JWT_SIGNING_KEY=\n{}", key.pem);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    use p256::pkcs8::DecodePrivateKey;

    #[test]
    fn the_printed_public_entry_verifies_signatures_of_the_printed_private_key() {
        let key = generate(Some("k-test")).unwrap();
        assert_eq!(key.public_jwk["kid"], "k-test");
        let signing = p256::ecdsa::SigningKey::from_pkcs8_pem(&key.pem).unwrap();
        let x = URL_SAFE_NO_PAD
            .decode(key.public_jwk["x"].as_str().unwrap())
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode(key.public_jwk["y"].as_str().unwrap())
            .unwrap();
        let point = p256::EncodedPoint::from_affine_coordinates(
            x.as_slice().into(),
            y.as_slice().into(),
            false,
        );
        let verifying = p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap();
        let signature: p256::ecdsa::Signature = signing.sign(b"payload");
        assert!(verifying.verify(b"payload", &signature).is_ok());
        assert_ne!(generate(None).unwrap().pem, key.pem);
    }
}

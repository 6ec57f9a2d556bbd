//! The domain: the values the service reasons about, each validated once where it enters, and
//! the decisions made from them alone. Nothing here knows HTTP, a backend or a setting's name.
//!
//! - Who: [`account`] (the user id, the scope and who may administer, the user), [`phone`]
//!   (numbers parsed per country to E.164), [`session`] (session ids), [`regions`] (the data
//!   region that holds a number's account).
//! - Secrets: [`otp`] (a code's format and the MAC that is all the server keeps), [`secrets`]
//!   (codes, ids and refresh tokens from secure randomness), [`token`] (access-token claims and
//!   their compact JWS form), [`dpop`] (RFC 9449 proofs: parsed, held to the request, and the
//!   key's thumbprint a bound token names), [`webauthn`] (passkeys: the client data, the
//!   authenticator data, the attestation object, COSE keys and DER signatures, parsed and held
//!   to what the server asked; no route uses it yet), [`passkey`] (a passkey as the account
//!   keeps it: its credential id, its name, how many a user may have).
//! - Sending: [`delivery`] (channels and their fallback, with `delivery::sms_text` and
//!   `delivery::voice_text`, what a message says per language), [`edge`] (what the edge says
//!   about a caller), [`client_address`] (the address a limit counts against), [`risk`] (the
//!   risk decision of a send), [`quota`] (the caller's own quota).
//! - [`admin`]: the admin user listing's validated query.
//! - [`time`]: RFC 3339 formatting of Unix seconds.

pub mod account;
pub mod admin;
pub mod client_address;
pub mod delivery;
pub mod dpop;
pub mod edge;
pub mod otp;
pub mod passkey;
pub mod phone;
pub mod quota;
pub mod regions;
pub mod risk;
pub mod secrets;
pub mod session;
pub mod time;
pub mod token;
pub mod webauthn;

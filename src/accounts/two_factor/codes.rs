//! The pure parts of two-factor sign-in: TOTP secrets and codes (RFC 6238),
//! sealing a secret for the database, recovery codes, the enrolment QR code.
//! No I/O.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use qrcode::render::svg;
use qrcode::QrCode;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use crate::db::UserId;
use crate::error::{AppError, AppResult};
use crate::support::url_encode;

/// Seconds per TOTP step (RFC 6238's recommendation; what every app assumes).
pub const STEP_SECS: u64 = 30;
/// Bytes of a new TOTP key: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes issued at a time.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (shown in groups of four).
pub const RECOVERY_LEN: usize = 12;
/// Lower-case letters and digits without the ones people misread (0/o, 1/l/i):
/// 31 symbols, so a code carries about 59 bits.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// The name authenticator apps show above the code.
pub const ISSUER: &str = "Atrium";
/// Longest input looked at: a code with generous spacing is far shorter.
const MAX_TYPED: usize = 64;

/// A fresh random TOTP key.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// The key as people type it into an app: base32 (RFC 4648, no padding).
pub fn secret_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// The base32 key in groups of four, easier to read and type.
pub fn grouped(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn totp(secret: &[u8]) -> AppResult<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_step_duration(STEP_SECS)
        .with_skew(1)
        .build()
        .map_err(|e| AppError::internal(format!("totp: {e:?}")))
}

/// The step (30-second window) a six-digit `code` belongs to at `now` (Unix
/// seconds), one step either side allowed for clock drift; `None` when it
/// matches none of them. The caller refuses a step at or before the last one
/// used, so a code works once.
pub fn matching_step(secret: &[u8], code: &str, now: u64) -> AppResult<Option<u64>> {
    Ok(totp(secret)?.check(code, now))
}

/// The code an app would show at `now` (tests and the seed use it).
pub fn code_at(secret: &[u8], now: u64) -> AppResult<String> {
    Ok(totp(secret)?.generate(now).to_string())
}

/// What someone typed into a code box, told apart by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Six digits: a code from the app.
    Totp(String),
    /// Twelve characters of the recovery alphabet, normalised (lower case,
    /// no spaces or dashes).
    Recovery(String),
    /// Neither: not worth a guess (and not counted as one).
    Malformed,
}

/// Reads a typed code: spaces and dashes are ignored, case too.
pub fn classify(input: &str) -> Typed {
    if input.len() > MAX_TYPED {
        return Typed::Malformed;
    }
    let cleaned: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if cleaned.len() == 6 && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        Typed::Totp(cleaned)
    } else if cleaned.len() == RECOVERY_LEN
        && cleaned.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
    {
        Typed::Recovery(cleaned)
    } else {
        Typed::Malformed
    }
}

/// A new set of recovery codes, normalised (see [`display_recovery`]).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            (0..RECOVERY_LEN)
                .map(|_| RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect()
        })
        .collect()
}

/// `abcdefghjkmn` → `abcd-efgh-jkmn`.
pub fn display_recovery(code: &str) -> String {
    grouped(code).replace(' ', "-")
}

/// What the database keeps of a recovery code: SHA-256 over the user and the
/// normalised code (random codes of ~59 bits need no slow hash; the user id
/// makes each account's hashes its own).
pub fn recovery_hash(user: UserId, normalised: &str) -> String {
    crate::web::sha256_hex(&format!("{user}:{normalised}"))
}

/// The `otpauth://` URL an authenticator app reads from the QR code.
pub fn otpauth_url(account: &str, secret_base32: &str) -> String {
    format!(
        "otpauth://totp/{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        url_encode(&format!("{ISSUER}:{account}")),
        url_encode(ISSUER),
    )
}

/// The QR code of `data` as an inline `<svg>` element (no XML declaration,
/// no script, no style attribute: only numbers and two fill colours), safe to
/// put in a page as it is.
pub fn qr_svg(data: &str) -> AppResult<String> {
    let code =
        QrCode::new(data.as_bytes()).map_err(|e| AppError::internal(format!("qr code: {e}")))?;
    let image = code.render::<svg::Color>().min_dimensions(200, 200).build();
    Ok(match image.find("<svg") {
        Some(i) => image[i..].to_string(),
        None => image,
    })
}

/// Seals TOTP keys for the database with AES-256-GCM under a key derived from
/// the instance's secret key (`ATRIUM_SECRET_KEY`), bound to the user's id so
/// a sealed key can't be moved to another account. A database copy alone then
/// reveals no key; changing the instance key makes every sealed key unreadable
/// (people sign in with a recovery code and enrol again).
pub struct Sealer(Aes256Gcm);

const SEALED_PREFIX: &str = "v1:";
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;

impl Sealer {
    pub fn new(instance_key: &[u8]) -> AppResult<Self> {
        let key = Sha256::new()
            .chain_update(b"atrium.two_factor.secret.v1\0")
            .chain_update(instance_key)
            .finalize();
        Aes256Gcm::new_from_slice(&key)
            .map(Sealer)
            .map_err(|_| AppError::internal("two-factor sealing key has the wrong length"))
    }

    pub fn seal(&self, user: UserId, secret: &[u8]) -> AppResult<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let aad = user.to_string();
        let sealed = self
            .0
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| AppError::internal("sealing a two-factor secret failed"))?;
        Ok(format!(
            "{SEALED_PREFIX}{}{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    pub fn open(&self, user: UserId, sealed: &str) -> AppResult<Vec<u8>> {
        let unreadable = || {
            AppError::internal(
                "a two-factor secret could not be opened (was ATRIUM_SECRET_KEY changed?)",
            )
        };
        let raw = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|r| r.len() >= NONCE_BYTES + TAG_BYTES)
            .ok_or_else(unreadable)?;
        let (nonce, body) = raw.split_at(NONCE_BYTES);
        let aad = user.to_string();
        self.0
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| unreadable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_and_key() {
        let sealer = Sealer::new(b"k".repeat(64).as_slice()).expect("sealer");
        let (ann, bob) = (UserId::new(), UserId::new());
        let secret = new_secret();
        let sealed = sealer.seal(ann, &secret).expect("seal");
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_eq!(sealer.open(ann, &sealed).expect("open"), secret);
        assert!(sealer.open(bob, &sealed).is_err(), "bound to the user");
        let other = Sealer::new(b"x".repeat(64).as_slice()).expect("sealer");
        assert!(other.open(ann, &sealed).is_err(), "bound to the key");
        assert!(sealer.open(ann, "v1:zz").is_err());
    }

    #[test]
    fn codes_match_one_step_either_side_and_no_further() {
        let secret = new_secret();
        let now = 1_800_000_015;
        let step = now / STEP_SECS;
        for (at, expected) in [
            (now - 30, Some(step - 1)),
            (now, Some(step)),
            (now + 30, Some(step + 1)),
            (now + 60, None),
            (now - 60, None),
        ] {
            let code = code_at(&secret, at).expect("code");
            assert_eq!(matching_step(&secret, &code, now).expect("check"), expected);
        }
    }

    #[test]
    fn typed_codes_are_told_apart_by_shape() {
        assert_eq!(classify(" 123 456 "), Typed::Totp("123456".into()));
        assert_eq!(
            classify("ABCD-EFGH-JKMN"),
            Typed::Recovery("abcdefghjkmn".into())
        );
        assert_eq!(classify(""), Typed::Malformed);
        assert_eq!(classify("12345"), Typed::Malformed);
        assert_eq!(classify("abcd-efgh-jkm0"), Typed::Malformed);
        assert_eq!(classify(&"1".repeat(100)), Typed::Malformed);
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        for c in &codes {
            assert_eq!(classify(&display_recovery(c)), Typed::Recovery(c.clone()));
        }
    }

    #[test]
    fn the_qr_code_is_a_bare_svg_element() {
        let svg = qr_svg(&otpauth_url("ann@example.com", "JBSWY3DPEHPK3PXP")).expect("qr");
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("<?xml") && !svg.contains("style") && !svg.contains("script"));
    }
}

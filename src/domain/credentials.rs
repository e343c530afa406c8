//! Secrets the service hands out, and how it keeps them: API keys and single-use tokens are
//! random, shown once, and stored only as SHA-256 hashes (they carry ≥ 120 random bits, so a fast
//! hash is enough; a slow password hash would add nothing but latency). Token codes are printed on
//! slips for citizens to type, so they use an alphabet without look-alikes, in groups, read in any
//! case with or without dashes; the older 22-character tokens stay valid as issued. Open-link codes are public
//! by nature. Render tokens are HMAC-signed timestamps that prove a form was rendered recently.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Roles of DESIGN §5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
    Assessor,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Assessor => "assessor",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            "assessor" => Ok(Role::Assessor),
            other => Err(format!("unknown role `{other}` (admin, operator, assessor)")),
        }
    }
}

/// SHA-256, hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hashes without leaking where they differ.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A new API key (256 random bits) and its hash.
pub fn new_api_key() -> (String, String) {
    let key = format!("itg_{}", random_b64(32));
    let hash = hash_secret(&key);
    (key, hash)
}

/// The characters of a single-use token's code: digits and capitals without the look-alikes
/// `0`/`O`, `1`/`I`/`L` (31 characters, ~4.95 bits each). Typed codes are read case-insensitively.
pub const TOKEN_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters of a token code: 25 × log2(31) ≈ 123.9 random bits (≥ 120).
pub const TOKEN_CHARS: usize = 25;
/// Characters per group in the printed form (`7KQ4M-…`, five groups of five).
pub const TOKEN_GROUP: usize = 5;
/// Length of the tokens issued before the typeable codes: 22 URL-safe base64 characters (128
/// bits). They stay valid, read exactly as issued (case-sensitive).
pub const LEGACY_TOKEN_CHARS: usize = 22;

/// A new single-use token as printed — five dash-separated groups of five characters from
/// [`TOKEN_ALPHABET`], e.g. `7KQ4M-XW2PB-…` — and the hash of its canonical form (capitals, no
/// dashes), which is all that is stored. A citizen can type it from paper in any case, with or
/// without the dashes; the QR code and the printed address carry the same code.
pub fn new_token() -> (String, String) {
    let mut rng = rand::rng();
    let canonical: String = (0..TOKEN_CHARS)
        .map(|_| TOKEN_ALPHABET[rng.random_range(0..TOKEN_ALPHABET.len())] as char)
        .collect();
    let hash = hash_secret(&canonical);
    (group_token(&canonical), hash)
}

/// `7KQ4MXW2PB…` → `7KQ4M-XW2PB-…`.
fn group_token(canonical: &str) -> String {
    canonical
        .as_bytes()
        .chunks(TOKEN_GROUP)
        .map(|g| std::str::from_utf8(g).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

/// The canonical form (capitals, no dashes) of a token code as it appears in an address: the 25
/// characters in any case, either run together or in the printed groups with a dash between each.
pub fn canonical_token(code: &str) -> Option<String> {
    let grouped = code.len() == TOKEN_CHARS + TOKEN_CHARS / TOKEN_GROUP - 1
        && code
            .bytes()
            .enumerate()
            .all(|(i, b)| (b == b'-') == ((i + 1) % (TOKEN_GROUP + 1) == 0));
    if code.len() != TOKEN_CHARS && !grouped {
        return None;
    }
    let canonical: String = code.chars().filter(|c| *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (canonical.len() == TOKEN_CHARS && canonical.bytes().all(|b| TOKEN_ALPHABET.contains(&b))).then_some(canonical)
}

fn looks_like_legacy_token(code: &str) -> bool {
    code.len() == LEGACY_TOKEN_CHARS && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Single-use tokens are typeable codes (25 characters of [`TOKEN_ALPHABET`] in any case, run
/// together or in dashed groups of five) or legacy 22-character ones; open-link codes are 10 characters, so the kinds never
/// collide and `/s/{code}` knows which it holds without a lookup.
pub fn looks_like_token(code: &str) -> bool {
    looks_like_legacy_token(code) || canonical_token(code).is_some()
}

/// The stored hash a token code is looked up by: of its canonical form for a typeable code, of
/// the code exactly as issued for a legacy one.
pub fn token_hash(code: &str) -> String {
    match canonical_token(code) {
        Some(c) if !looks_like_legacy_token(code) => hash_secret(&c),
        _ => hash_secret(code),
    }
}

/// What a citizen typed on the "enter your code" page, as the path of its survey: a token code
/// (any case, dashes and spaces anywhere) in its printed form, a legacy token as given, or an open
/// link's code in lower case.
pub fn typed_code(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if looks_like_legacy_token(typed) {
        return Some(typed.to_owned());
    }
    let run_together: String = typed.chars().filter(|c| !matches!(c, '-' | ' ')).take(TOKEN_CHARS + 1).collect();
    if let Some(c) = canonical_token(&run_together) {
        return Some(group_token(&c));
    }
    let link = typed.to_ascii_lowercase();
    looks_like_link_code(&link).then_some(link)
}

const CODE_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// A short public code for an open link: 10 characters from an alphabet with no look-alikes,
/// easy to type from a poster (~49 bits, so codes are not guessable in bulk either).
pub fn new_link_code() -> String {
    let mut rng = rand::rng();
    (0..10)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

pub fn looks_like_link_code(code: &str) -> bool {
    code.len() == 10 && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// A random server secret (for render tokens), hex.
pub fn new_server_secret() -> String {
    let mut buf = [0u8; 32];
    rand::rng().fill(&mut buf[..]);
    hex::encode(buf)
}

/// Why a render token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderTokenError {
    Missing,
    Malformed,
    Forged,
    Stale,
    FromTheFuture,
}

/// Signs `{code}.{rendered_at_unix}`: binds the render to one link and one moment.
pub fn sign_render_token(secret: &[u8], code: &str, rendered_at: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(code.as_bytes());
    mac.update(b".");
    mac.update(rendered_at.to_string().as_bytes());
    format!("{rendered_at}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Checks a render token and returns when the form was rendered.
pub fn verify_render_token(secret: &[u8], code: &str, token: Option<&str>, now: i64, ttl_secs: i64) -> Result<i64, RenderTokenError> {
    let token = token.map(str::trim).filter(|t| !t.is_empty()).ok_or(RenderTokenError::Missing)?;
    let (ts, sig) = token.split_once('.').ok_or(RenderTokenError::Malformed)?;
    let rendered_at: i64 = ts.parse().map_err(|_| RenderTokenError::Malformed)?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| RenderTokenError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(code.as_bytes());
    mac.update(b".");
    mac.update(rendered_at.to_string().as_bytes());
    mac.verify_slice(&sig).map_err(|_| RenderTokenError::Forged)?;
    if rendered_at > now + 60 {
        return Err(RenderTokenError::FromTheFuture);
    }
    if now - rendered_at > ttl_secs {
        return Err(RenderTokenError::Stale);
    }
    Ok(rendered_at)
}

fn mac(secret: &[u8], parts: &[&str]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(b"\x1f");
    }
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A new login session's id: 256 random bits. Only its SHA-256 is stored (with the key that
/// logged in, its expiry and whether it was ended); the cookie carries the id signed.
pub fn new_session_id() -> String {
    random_b64(32)
}

/// The session cookie's value, `{id}.{mac}`, signed with the session key (derived from the
/// master secret, which is not in the database): a forged or guessed cookie is refused before any
/// lookup, and a copy of the database (hashes of ids) opens no session.
pub fn sign_session(key: &[u8], id: &str) -> String {
    format!("{id}.{}", mac(key, &["session", id]))
}

/// The session id of a cookie whose signature is right (whether the session is live is the
/// database's to say).
pub fn verify_session<'a>(key: &[u8], cookie: &'a str) -> Option<&'a str> {
    let (id, sig) = cookie.split_once('.')?;
    let want = mac(key, &["session", id]);
    (!id.is_empty() && hashes_equal(&want, sig)).then_some(id)
}

/// One key per purpose from the master secret: HMAC-SHA256(master, label). Render tokens, session
/// cookies and CSRF tokens each get their own, so one kind of signature can never stand in for
/// another, and the master itself signs nothing.
pub fn derive_key(master: &[u8], purpose: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(b"integritas key v1: ");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The purposes of [`derive_key`].
pub const RENDER_KEY: &str = "render token";
pub const SESSION_KEY: &str = "session";
pub const CSRF_KEY: &str = "csrf";

/// Bits a typed secret (a bootstrap admin key, `INTEGRITAS_SECRET`) is estimated to carry, low
/// rather than high: the classes of characters it uses (lower case, upper case, digits, other)
/// give the bits a character could carry; a repeating text counts only its first period
/// (`abcabc…` is three characters); and how evenly the characters are used scales it down (`aaaa…b`
/// carries almost nothing, though its alphabet is large).
pub fn estimated_bits(secret: &str) -> f64 {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    if n == 0 {
        return 0.0;
    }
    let period = (1..=n).find(|p| (0..n).all(|i| chars[i] == chars[i % p])).unwrap_or(n);
    let chars = &chars[..period];
    let has = |f: fn(&char) -> bool| chars.iter().any(f);
    let alphabet = [
        (has(char::is_ascii_lowercase), 26.0),
        (has(char::is_ascii_uppercase), 26.0),
        (has(char::is_ascii_digit), 10.0),
        (has(|c| !c.is_ascii_alphanumeric()), 33.0),
    ]
    .iter()
    .filter(|(used, _)| *used)
    .map(|(_, size)| size)
    .sum::<f64>();
    let mut counts = std::collections::HashMap::new();
    for c in chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let len = chars.len() as f64;
    let shannon: f64 = counts.values().map(|k| *k as f64 / len).map(|p| -p * p.log2()).sum();
    let most = alphabet.min(len).log2();
    let evenness = if most > 0.0 { (shannon / most).min(1.0) } else { 0.0 };
    len * alphabet.log2() * evenness
}

/// The CSRF token of a session: forms that change something carry it, and it is checked on POST.
pub fn csrf_token(secret: &[u8], session: &str) -> String {
    mac(secret, &["csrf", session])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_and_tokens_are_hashed_and_distinct() {
        let (k1, h1) = new_api_key();
        let (k2, h2) = new_api_key();
        assert_ne!(k1, k2);
        assert_ne!(h1, h2);
        assert_eq!(hash_secret(&k1), h1);
        assert!(!h1.contains(&k1));
        let (t, th) = new_token();
        assert_eq!(t.len(), 29, "{t}");
        assert!(looks_like_token(&t));
        assert_eq!(th.len(), 64);
        assert!(hashes_equal(&token_hash(&t), &th));
        assert!(hashes_equal(&hash_secret(&t.replace('-', "")), &th), "the canonical form is hashed");
        assert!(!hashes_equal(&h1, &th));
    }

    #[test]
    fn token_codes_are_typeable_and_carry_at_least_120_bits() {
        let bits = TOKEN_CHARS as f64 * (TOKEN_ALPHABET.len() as f64).log2();
        assert!(bits >= 120.0, "{bits} bits");
        for look_alike in b"01ILO" {
            assert!(!TOKEN_ALPHABET.contains(look_alike), "{}", *look_alike as char);
        }
        let (t, _) = new_token();
        let groups: Vec<&str> = t.split('-').collect();
        assert_eq!(groups.len(), 5);
        assert!(groups.iter().all(|g| g.len() == TOKEN_GROUP));
        // Legacy tokens are read exactly as issued.
        let legacy = "AbCdEfGhIjKlMnOpQr-_01";
        assert!(looks_like_token(legacy));
        assert_eq!(token_hash(legacy), hash_secret(legacy));
        assert_eq!(typed_code(&format!(" {legacy} ")).as_deref(), Some(legacy));
        assert_ne!(token_hash(&legacy.to_lowercase()), hash_secret(legacy));
        // A typed link code is found in any case; junk is not.
        assert_eq!(typed_code("AB23CD45EF").as_deref(), Some("ab23cd45ef"));
        assert_eq!(typed_code("not a code"), None);
        assert_eq!(typed_code(""), None);
        assert!(canonical_token(&"A".repeat(10_000)).is_none());
        // In an address, dashes only between the groups.
        let run = t.replace('-', "");
        assert!(canonical_token(&run).is_some() && canonical_token(&t.to_lowercase()).is_some());
        assert!(canonical_token(&format!("{}-{}", &run[..3], &run[3..])).is_none());
        assert!(canonical_token(&t.replace('-', " ")).is_none());
    }

    #[test]
    fn link_codes_and_tokens_never_look_alike() {
        for _ in 0..100 {
            let c = new_link_code();
            assert!(looks_like_link_code(&c));
            assert!(!looks_like_token(&c));
        }
    }

    #[test]
    fn render_tokens() {
        let s = b"secret";
        let t = sign_render_token(s, "abc", 1000);
        assert_eq!(verify_render_token(s, "abc", Some(&t), 1010, 7200), Ok(1000));
        assert_eq!(verify_render_token(s, "abd", Some(&t), 1010, 7200), Err(RenderTokenError::Forged));
        assert_eq!(
            verify_render_token(b"other", "abc", Some(&t), 1010, 7200),
            Err(RenderTokenError::Forged)
        );
        assert_eq!(
            verify_render_token(s, "abc", Some(&t), 1000 + 7201, 7200),
            Err(RenderTokenError::Stale)
        );
        assert_eq!(verify_render_token(s, "abc", None, 1010, 7200), Err(RenderTokenError::Missing));
        assert_eq!(
            verify_render_token(s, "abc", Some("x"), 1010, 7200),
            Err(RenderTokenError::Malformed)
        );
        let forged = t.replacen("1000", "1005", 1);
        assert_eq!(
            verify_render_token(s, "abc", Some(&forged), 1010, 7200),
            Err(RenderTokenError::Forged)
        );
    }

    #[test]
    fn sessions_and_csrf() {
        let s = b"k";
        let c = sign_session(s, "abc");
        assert_eq!(verify_session(s, &c), Some("abc"));
        assert_eq!(verify_session(b"other", &c), None);
        assert_eq!(verify_session(s, &c.replace("abc", "abd")), None);
        assert_eq!(verify_session(s, "garbage"), None);
        assert_eq!(verify_session(s, "."), None);
        assert_ne!(csrf_token(s, &c), csrf_token(s, &sign_session(s, "abd")));
        let id = new_session_id();
        assert_eq!(id.len(), 43);
        assert_ne!(id, new_session_id());
    }

    #[test]
    fn each_purpose_has_its_own_key() {
        let m = b"master secret";
        let keys = [RENDER_KEY, SESSION_KEY, CSRF_KEY].map(|p| derive_key(m, p));
        assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
        assert_eq!(
            derive_key(m, SESSION_KEY),
            keys[1],
            "the same secret gives the same keys (replicas agree)"
        );
        assert_ne!(derive_key(b"another", SESSION_KEY), keys[1]);
        // A session signature is no CSRF token, and no render token.
        assert_ne!(sign_session(&keys[1], "x"), format!("x.{}", csrf_token(&keys[2], "x")));
    }

    #[test]
    fn weak_secrets_are_estimated_weak() {
        for weak in [
            "",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabcabcabcabcabcabcabcabc",
            "passwordpasswordpassword",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            "0123456789012345678901234567890123456789",
        ] {
            assert!(estimated_bits(weak) < 128.0, "{weak}: {}", estimated_bits(weak));
        }
        let (api_key, _) = new_api_key();
        for strong in [
            api_key.as_str(),
            &new_server_secret(),
            "test-admin-key-0123456789abcdefghijklmnop",
            "schemathesis-admin-5f1d0c9e8b7a6f5e4d3c2b1a09f8e7d6",
            "Zr8pQ2xW7mK4vN9bT3yH6jF1",
        ] {
            assert!(estimated_bits(strong) >= 128.0, "{strong}: {}", estimated_bits(strong));
        }
    }

    proptest! {
        /// However a citizen types a code from paper — any case, dashes or spaces kept or
        /// dropped — it finds the same stored hash and the same survey.
        #[test]
        fn a_typed_token_finds_its_hash(lower in proptest::collection::vec(any::<bool>(), TOKEN_CHARS), sep in 0usize..3) {
            let (t, hash) = new_token();
            let typed: String = t
                .chars()
                .filter(|c| *c != '-')
                .zip(&lower)
                .enumerate()
                .flat_map(|(i, (c, l))| {
                    let c = if *l { c.to_ascii_lowercase() } else { c };
                    let s = if i > 0 && i % TOKEN_GROUP == 0 { ["", "-", " "][sep] } else { "" };
                    s.chars().chain(std::iter::once(c)).collect::<Vec<_>>()
                })
                .collect();
            // Typed at `/kode`: any of these; in an address: run together or grouped by dashes.
            prop_assert_eq!(typed_code(&typed), Some(t.clone()));
            if sep < 2 {
                prop_assert!(looks_like_token(&typed));
                prop_assert!(!looks_like_link_code(&typed));
                prop_assert_eq!(token_hash(&typed), hash);
            }
        }

        #[test]
        fn typed_code_never_panics(s in ".{0,80}") {
            let _ = typed_code(&s);
            let _ = token_hash(&s);
        }

        #[test]
        fn render_token_verification_never_panics(tok in ".{0,80}", now in any::<i64>()) {
            let _ = verify_render_token(b"k", "code", Some(&tok), now, 7200);
        }
    }
}

//! The two hashes of the ledger: a content hash per response (over a length-prefixed canonical
//! serialisation, fixed at insert) and the hash of a sealed block, which links to the previous
//! block's hash. Changing either serialisation would make every stored hash look wrong, so both
//! carry a version field (`v = 1`).

use sha2::{Digest, Sha256};

/// What a response's content hash covers: everything stored about it.
#[derive(Debug, Clone)]
pub struct ResponseContent<'a> {
    pub id: &'a str,
    pub campaign_id: &'a str,
    pub submitted_on: &'a str,
    pub channel: &'a str,
    pub link_label: Option<&'a str>,
    /// (item, value), any order: sorted here.
    pub answers: &'a [(String, u8)],
    /// (kind, key, value), any order: sorted here.
    pub fields: &'a [(String, String, String)],
    pub speeder: bool,
    pub diarahkan: bool,
}

/// The genesis "previous hash" of every campaign's chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn field(h: &mut Sha256, name: &str, value: &str) {
    // Length-prefixed, so no two different contents serialise alike.
    h.update(name.as_bytes());
    h.update((value.len() as u64).to_be_bytes());
    h.update(value.as_bytes());
}

pub fn content_hash(c: &ResponseContent) -> String {
    let mut h = Sha256::new();
    field(&mut h, "v", "1");
    field(&mut h, "id", c.id);
    field(&mut h, "campaign", c.campaign_id);
    field(&mut h, "date", c.submitted_on);
    field(&mut h, "channel", c.channel);
    field(&mut h, "label", c.link_label.unwrap_or("\u{0}none"));
    let mut answers = c.answers.to_vec();
    answers.sort();
    for (item, value) in &answers {
        field(&mut h, "a", item);
        field(&mut h, "=", &value.to_string());
    }
    let mut fields = c.fields.to_vec();
    fields.sort();
    for (kind, key, value) in &fields {
        field(&mut h, "f", kind);
        field(&mut h, ".", key);
        field(&mut h, "=", value);
    }
    field(&mut h, "speeder", if c.speeder { "1" } else { "0" });
    field(&mut h, "diarahkan", if c.diarahkan { "1" } else { "0" });
    hex::encode(h.finalize())
}

/// A block's hash: the previous head, the position, and the (response id, content hash) pairs in
/// the order the block lists them.
pub fn block_hash(prev_hash: &str, campaign_id: &str, seq: i64, entries: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    field(&mut h, "v", "1");
    field(&mut h, "prev", prev_hash);
    field(&mut h, "campaign", campaign_id);
    field(&mut h, "seq", &seq.to_string());
    for (id, content) in entries {
        field(&mut h, "r", id);
        field(&mut h, "h", content);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(answers: &'a [(String, u8)], fields: &'a [(String, String, String)]) -> ResponseContent<'a> {
        ResponseContent {
            id: "r1",
            campaign_id: "c1",
            submitted_on: "2026-11-23",
            channel: "open_link",
            link_label: Some("Loket 2"),
            answers,
            fields,
            speeder: false,
            diarahkan: false,
        }
    }

    #[test]
    fn content_hash_is_order_independent_and_sensitive() {
        let a1 = vec![("x".to_string(), 3u8), ("y".to_string(), 4u8)];
        let a2 = vec![("y".to_string(), 4u8), ("x".to_string(), 3u8)];
        let a3 = vec![("x".to_string(), 3u8), ("y".to_string(), 3u8)];
        let f: Vec<(String, String, String)> = vec![];
        assert_eq!(content_hash(&sample(&a1, &f)), content_hash(&sample(&a2, &f)));
        assert_ne!(content_hash(&sample(&a1, &f)), content_hash(&sample(&a3, &f)));
        let mut c = sample(&a1, &f);
        c.speeder = true;
        assert_ne!(content_hash(&c), content_hash(&sample(&a1, &f)));
    }

    #[test]
    fn block_hash_chains() {
        let e = vec![("r1".to_string(), "h1".to_string())];
        let b1 = block_hash(GENESIS, "c", 1, &e);
        let b2 = block_hash(&b1, "c", 2, &e);
        assert_ne!(b1, b2);
        assert_ne!(b1, block_hash(GENESIS, "c", 1, &[]));
    }
}

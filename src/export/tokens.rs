//! A new token batch as CSV (`token,url`), for mail merges and large print runs.

use crate::views::tokens::IssuedToken;

pub fn tokens_csv(tokens: &[IssuedToken]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["token", "url"])?;
    for t in tokens {
        w.write_record([&t.token, &t.url])?;
    }
    Ok(w.into_inner()?)
}

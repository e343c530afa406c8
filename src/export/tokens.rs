//! A new token batch as CSV (`token,url`), for mail merges and large print runs.

use crate::views::tokens::IssuedToken;

pub fn tokens_csv(tokens: &[IssuedToken]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    super::write_row(&mut w, ["token", "url"])?;
    for t in tokens {
        super::write_row(&mut w, [&t.token, &t.url])?;
    }
    Ok(w.into_inner()?)
}

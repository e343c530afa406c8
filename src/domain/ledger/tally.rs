//! A block's tallies as the ledger check recomputes them: what one response adds to its block's
//! `ledger_tally` rows, as the sealer's `GROUP BY` statements would add it up from the stored
//! rows now, and when two tallies agree.
//!
//! The results add up sealed blocks' tallies instead of their answers, so a tally edited behind
//! the service's back would move the results; recomputing it from the rows catches that.

use std::collections::HashMap;

use super::rows::{AnswerRow, FieldRow, ResponseRow, TallyRow};

/// A `ledger_tally` row's key: kind, key, value, flagged, speeder, diarahkan.
pub type TallyKey = (String, String, String, bool, bool, bool);

/// A `ledger_tally` row's sums: n, s, ss, t, tt.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    pub n: i64,
    pub s: f64,
    pub ss: f64,
    pub t: f64,
    pub tt: f64,
}

impl Sums {
    pub fn add(&mut self, o: &Sums) {
        self.n += o.n;
        self.s += o.s;
        self.ss += o.ss;
        self.t += o.t;
        self.tt += o.tt;
    }

    /// Equal counts, sums equal up to rounding (the database adds in its own order).
    fn agrees(&self, o: &Sums) -> bool {
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
        self.n == o.n && close(self.s, o.s) && close(self.ss, o.ss) && close(self.t, o.t) && close(self.tt, o.tt)
    }
}

/// Tallies keyed as the table's primary key.
pub type Tallies = HashMap<TallyKey, Sums>;

/// What one response adds to its block's tallies, from its stored rows: one `answer` row per
/// answer, one `response` row, one `field` row per demographic answer, one `desk` row for a
/// response that came through an open link.
pub fn of_response(r: &ResponseRow, answers: &[&AnswerRow], fields: &[&FieldRow]) -> Vec<(TallyKey, Sums)> {
    let one = |s: f64| Sums {
        n: 1,
        s,
        ..Sums::default()
    };
    let mut out = Vec::with_capacity(answers.len() + fields.len() + 1);
    for a in answers {
        let key = ("answer".into(), a.item.clone(), a.value.to_string(), a.flagged, false, false);
        out.push((key, one(0.0)));
    }
    let t = f64::from(r.total);
    out.push((
        ("response".into(), String::new(), String::new(), r.flagged, r.speeder, r.diarahkan),
        Sums {
            n: 1,
            s: r.score,
            ss: r.score * r.score,
            t,
            tt: t * t,
        },
    ));
    for f in fields.iter().filter(|f| f.kind == "demographic") {
        // A missing score copy makes the sum NaN, which agrees with nothing: the derived-column
        // check names the response.
        let key = ("field".into(), f.key.clone(), f.value.clone(), false, false, false);
        out.push((key, one(f.score.unwrap_or(f64::NAN))));
    }
    if let Some(link) = r.open_link_id {
        let key = ("desk".into(), link.simple().to_string(), String::new(), false, false, false);
        out.push((key, one(r.score)));
    }
    out
}

/// The stored tally rows of one block, keyed (rows with one key are added up).
pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a TallyRow>) -> Tallies {
    let mut out = Tallies::new();
    for r in rows {
        let key = (r.kind.clone(), r.key.clone(), r.value.clone(), r.flagged, r.speeder, r.diarahkan);
        out.entry(key).or_default().add(&Sums {
            n: r.n,
            s: r.s,
            ss: r.ss,
            t: r.t,
            tt: r.tt,
        });
    }
    out
}

/// The same keys with agreeing sums.
pub fn agree(a: &Tallies, b: &Tallies) -> bool {
    a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| x.agrees(y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(n: i64, s: f64) -> Sums {
        Sums { n, s, ..Sums::default() }
    }

    #[test]
    fn agreement_allows_rounding_only() {
        let key = |v: &str| ("answer".to_owned(), "a".to_owned(), v.to_owned(), false, false, false);
        let a: Tallies = [(key("1"), sums(2, 6.1))].into();
        assert!(agree(&a, &[(key("1"), sums(2, 6.1 + 1e-12))].into()));
        assert!(!agree(&a, &[(key("1"), sums(2, 6.2))].into()));
        assert!(!agree(&a, &[(key("1"), sums(3, 6.1))].into()));
        assert!(!agree(&a, &[(key("2"), sums(2, 6.1))].into()));
        assert!(!agree(&a, &[(key("1"), sums(2, 6.1)), (key("2"), sums(0, 0.0))].into()));
        assert!(!agree(
            &[(key("1"), sums(1, f64::NAN))].into(),
            &[(key("1"), sums(1, f64::NAN))].into()
        ));
    }
}

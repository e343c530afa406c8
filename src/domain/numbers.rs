//! The one rounding rule for every number a person reads (report pages, CSV files meant for
//! reading, text in workbooks) and for the SKM category, so that a displayed value and the category
//! beside it can never disagree.
//!
//! The SKM table (PermenPANRB 14/2017) names a category from the value **rounded to 2 decimals,
//! half away from zero**. A binary float cannot hold most decimals exactly: 88.305 is stored as
//! 88.30499999999999…, which `format!("{:.2}")` (correct rounding of the binary value) prints as
//! "88.30" while the regulation's 88.305 rounds to 88.31 — category A. So rounding here works on the
//! decimal the value stands for: scaled to the last kept digit, nudged by 10⁻⁷ of that digit away
//! from zero (far below any real difference, far above binary noise), then rounded half away from
//! zero, and written from the resulting integer. [`fixed`] prints exactly the value
//! [`scaled`] rounded to, and `stats::skm_category` judges that same integer.

/// Relative nudge (in units of the last kept digit) that absorbs binary representation noise.
const NUDGE: f64 = 1e-7;

/// `x` rounded half away from zero to `places` decimals, as an integer count of 10^-places
/// (e.g. 88.305 at 2 places → 8831). `None` when `x` is not finite or too large to count.
pub fn scaled(x: f64, places: u32) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let s = x * 10f64.powi(places as i32);
    // i64 holds every integer up to 9.2e18; a float that large has no decimals left anyway.
    if s.abs() >= 9.0e18 {
        return None;
    }
    let r = (s.abs() + NUDGE).round();
    Some(if s < 0.0 { -(r as i64) } else { r as i64 })
}

/// `x` rounded to `places` decimals, as a number (the value [`fixed`] prints).
pub fn round(x: f64, places: u32) -> Option<f64> {
    scaled(x, places).map(|s| s as f64 / 10f64.powi(places as i32))
}

/// `x` written with exactly `places` decimals ("88.31", "3.60", "-0.50", "12"), rounded by
/// [`scaled`]; a value that rounds to zero is written without a sign ("0.00", never "-0.00").
/// `None` when `x` is not finite.
pub fn fixed(x: f64, places: u32) -> Option<String> {
    let Some(s) = scaled(x, places) else {
        // Not finite: nothing to write. Finite but beyond i64: no decimals matter at that size.
        return x.is_finite().then(|| format!("{x:.0}"));
    };
    let negative = s < 0;
    let digits = s.unsigned_abs().to_string();
    let p = places as usize;
    let padded = format!("{digits:0>width$}", width = p + 1);
    let (whole, frac) = padded.split_at(padded.len() - p);
    let sign = if negative { "-" } else { "" };
    Some(if p == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn half_away_from_zero_on_the_decimal_the_value_stands_for() {
        // 88.305 is 88.30499999999999 in binary: the regulation's rounding says 88.31.
        assert_eq!(scaled(88.305, 2), Some(8831));
        assert_eq!(fixed(88.305, 2).unwrap(), "88.31");
        assert_eq!(fixed(88.3049, 2).unwrap(), "88.30");
        assert_eq!(fixed(88.30999999999, 2).unwrap(), "88.31");
        assert_eq!(fixed(76.605, 2).unwrap(), "76.61");
        assert_eq!(fixed(2.675, 2).unwrap(), "2.68");
        assert_eq!(fixed(1.005, 2).unwrap(), "1.01");
        assert_eq!(fixed(-0.5, 2).unwrap(), "-0.50");
        assert_eq!(fixed(-2.675, 2).unwrap(), "-2.68");
        assert_eq!(fixed(-0.001, 2).unwrap(), "0.00");
        assert_eq!(fixed(0.0, 2).unwrap(), "0.00");
        assert_eq!(fixed(0.05, 1).unwrap(), "0.1");
        assert_eq!(fixed(0.0004, 3).unwrap(), "0.000");
        assert_eq!(fixed(0.0395, 3).unwrap(), "0.040");
        assert_eq!(fixed(42.5, 0).unwrap(), "43");
        assert_eq!(fixed(3.0, 2).unwrap(), "3.00");
        assert_eq!(fixed(2025.0, 0).unwrap(), "2025");
        assert_eq!(round(88.305, 2), Some(88.31));
        assert_eq!(fixed(f64::NAN, 2), None);
        assert_eq!(fixed(f64::INFINITY, 2), None);
        assert_eq!(fixed(1e300, 2).unwrap().len(), 301);
    }

    proptest! {
        /// What `fixed` prints parses back to `round`, within half a last digit of the value; and
        /// for values with at most `places` decimals it is the value itself.
        #[test]
        fn printed_is_rounded(x in -1.0e6f64..1.0e6, places in 0u32..5) {
            let s = fixed(x, places).unwrap();
            let back: f64 = s.parse().unwrap();
            let r = round(x, places).unwrap();
            prop_assert!((back - r).abs() < 1e-9 * r.abs().max(1.0), "{s} vs {r}");
            let unit = 10f64.powi(-(places as i32));
            prop_assert!((back - x).abs() <= unit / 2.0 + 1e-9 * x.abs().max(1.0), "{x} → {s}");
            prop_assert!(!s.starts_with("-") || back != 0.0, "{s}");
        }

        #[test]
        fn exact_hundredths_print_as_themselves(h in -10_000_000i64..10_000_000) {
            let x = h as f64 / 100.0;
            prop_assert_eq!(scaled(x, 2), Some(h));
        }
    }
}

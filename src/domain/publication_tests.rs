//! Tests of the publication rule: worked cases, and properties over random block sequences (every
//! published count moves by 0 or at least k as blocks are added, nothing under k is shown, the
//! hidden rest of a dimension is 0 or at least k, and close is exact).

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn desk(v: &str) -> CellKey {
    (Dimension::Desk, v.to_owned())
}

fn block(cells: &[(&str, u64)]) -> BlockCounts {
    BlockCounts {
        n: cells.iter().map(|(_, n)| n).sum(),
        cells: cells.iter().map(|(v, n)| (desk(v), *n)).collect(),
    }
}

#[test]
fn the_snapshot_advances_only_after_k_more_responses() {
    let blocks: Vec<BlockCounts> = [4, 7, 3, 9, 1].iter().map(|n| block(&[("a", *n)])).collect();
    let p = publish(10, false, &blocks);
    // 4, 11 (advance), 14, 23 (advance: 12 more), 24.
    assert_eq!((p.snapshot, p.snapshot_n), (4, 23));
    assert!(p.distributions);
    assert!(!p.exact);
    let p = publish(10, false, &blocks[..3]);
    assert_eq!((p.snapshot, p.snapshot_n), (2, 11));
}

#[test]
fn one_more_answer_at_a_desk_changes_nothing_until_k_more_arrive() {
    let mut blocks = vec![block(&[("x", 10), ("y", 10), ("z", 10)])];
    let before = publish(10, false, &blocks);
    assert_eq!(before.cells[&desk("x")].n, 10);
    for extra in 1..10 {
        blocks.push(block(&[("x", 1), ("y", 1)]));
        let p = publish(10, false, &blocks);
        assert_eq!(p.cells[&desk("x")], before.cells[&desk("x")], "after {extra} more at x");
    }
    // The tenth at x, once the campaign's snapshot has grown by k too (it holds 50 then).
    blocks.push(block(&[("x", 1), ("y", 1)]));
    let p = publish(10, false, &blocks);
    assert_eq!(p.snapshot_n, 50);
    assert_eq!(p.cells[&desk("x")].n, 20, "the tenth answer at x publishes the group");
}

#[test]
fn a_small_cell_is_hidden_and_so_is_the_next_smallest() {
    // 30 responses: desks a 14, b 12, c 4. c alone is under k; the snapshot minus a and b would
    // give c's 4 responses away, so b (the smaller shown one) is hidden too.
    let p = publish(10, false, &[block(&[("a", 14), ("b", 12), ("c", 4)])]);
    assert_eq!(p.snapshot_n, 30);
    assert_eq!(p.cells[&desk("c")].hidden, Some(Hidden::FewerThanK));
    assert_eq!(p.cells[&desk("b")].hidden, Some(Hidden::Complementary));
    assert_eq!(p.cells[&desk("a")].hidden, None);
}

#[test]
fn responses_without_a_value_count_in_the_rest() {
    // 25 responses, 20 at desk a, 5 through no desk (tokens): a shown would reveal the 5.
    let mut b = block(&[("a", 20)]);
    b.n = 25;
    let p = publish(10, false, &[b]);
    assert_eq!(p.cells[&desk("a")].hidden, Some(Hidden::Complementary));
}

#[test]
fn after_close_everything_is_exact_and_only_the_minimum_sample_rule_hides() {
    let blocks = [block(&[("a", 14), ("b", 12)]), block(&[("c", 4), ("a", 1)])];
    let p = publish(10, true, &blocks);
    assert!(p.exact && p.distributions);
    assert_eq!((p.snapshot, p.snapshot_n), (2, 31));
    assert_eq!(
        p.cells[&desk("a")],
        CellView {
            upto: 2,
            n: 15,
            hidden: None
        }
    );
    assert_eq!(p.cells[&desk("b")].hidden, None);
    assert_eq!(p.cells[&desk("c")].hidden, Some(Hidden::FewerThanMinimum));
}

#[test]
fn distributions_and_the_flagged_view_need_k() {
    assert!(!publish(10, false, &[block(&[("a", 9)])]).distributions);
    assert!(!include_flagged_offered(10, false, 3));
    assert!(include_flagged_offered(10, false, 0));
    assert!(include_flagged_offered(10, false, 10));
    assert!(include_flagged_offered(10, true, 3));
}

#[test]
fn the_reason_names_k_in_both_languages() {
    let (id, en) = Hidden::FewerThanK.describe(10);
    assert_eq!(id, "kurang dari 10 responden");
    assert_eq!(en, "fewer than 10 respondents");
}

fn blocks_strategy() -> impl Strategy<Value = Vec<BlockCounts>> {
    prop::collection::vec(
        (prop::collection::vec(0u64..6, 4), 0u64..3).prop_map(|(cells, none)| {
            let map: BTreeMap<CellKey, u64> = cells
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (desk(&i.to_string()), *n))
                .collect();
            BlockCounts {
                n: cells.iter().sum::<u64>() + none,
                cells: map,
            }
        }),
        0..25,
    )
}

proptest! {
    #[test]
    fn published_counts_move_by_zero_or_at_least_k(blocks in blocks_strategy(), k in 5u64..12) {
        let mut last: Option<Publication> = None;
        for i in 0..=blocks.len() {
            let p = publish(k, false, &blocks[..i]);
            prop_assert!(p.snapshot_n == 0 || p.snapshot_n >= k);
            for (key, c) in &p.cells {
                prop_assert!(c.upto <= p.snapshot);
                if c.hidden.is_none() {
                    prop_assert!(c.n >= k, "{key:?} shown with {}", c.n);
                }
            }
            if let Some(prev) = &last {
                let step = p.snapshot_n - prev.snapshot_n;
                prop_assert!(step == 0 || step >= k);
                for (key, c) in &p.cells {
                    let before = prev.cells.get(key).map_or(0, |c| c.n);
                    let step = c.n - before;
                    prop_assert!(step == 0 || step >= k, "{key:?} moved by {step}");
                }
            }
            // The rest of the dimension (snapshot minus shown cells) is 0 or at least k.
            let shown: u64 = p.cells.values().filter(|c| c.hidden.is_none()).map(|c| c.n).sum();
            let rest = p.snapshot_n - shown;
            prop_assert!(rest == 0 || rest >= k, "rest {rest}");
            last = Some(p);
        }
    }

    #[test]
    fn close_is_exact(blocks in blocks_strategy(), k in 5u64..12) {
        let p = publish(k, true, &blocks);
        prop_assert_eq!(p.snapshot_n, blocks.iter().map(|b| b.n).sum::<u64>());
        for (key, c) in &p.cells {
            let exact: u64 = blocks.iter().map(|b| b.cells.get(key).copied().unwrap_or(0)).sum();
            prop_assert_eq!(c.n, exact);
        }
    }

    #[test]
    fn the_same_blocks_give_the_same_answer(blocks in blocks_strategy(), k in 5u64..12) {
        prop_assert_eq!(publish(k, false, &blocks), publish(k, false, &blocks));
    }
}

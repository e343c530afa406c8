//! Property tests of the ledger check, without a database. A simulated campaign is written as
//! the service writes it: each citizen's answers validated against the shipped IPKP form and
//! stored as a response row, answer rows and field rows; each seal makes a block, its entries and
//! its tallies as the sealer's `GROUP BY` statements add them up. Then one tampering at a time,
//! and the check must name the block it concerns (or report it outside the blocks for rows not
//! yet sealed), and no other.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;

use super::*;
use crate::domain::forms::{Form, RawSubmission, validate_submission};

const SERVICES: [&str; 2] = ["Paspor", "Visa"];

/// The shipped IPKP form (eight items, the `diarahkan` screening, `usia` and `layanan`), parsed once.
fn ipkp() -> &'static Form {
    static FORM: std::sync::OnceLock<Form> = std::sync::OnceLock::new();
    FORM.get_or_init(|| {
        let forms = crate::domain::forms::shipped().expect("the built-in forms");
        forms.into_iter().map(|(_, f)| f).find(|f| f.id == "ipkp").expect("ipkp")
    })
}

/// What one citizen answers, and how the answer arrived.
#[derive(Debug, Clone)]
struct Citizen {
    id: u128,
    values: Vec<u8>,
    diarahkan: Option<bool>,
    usia: Option<&'static str>,
    layanan: Option<&'static str>,
    speeder: bool,
    token: bool,
    label: Option<&'static str>,
    day: i64,
}

fn citizen() -> impl Strategy<Value = Citizen> {
    (
        any::<u128>(),
        prop::collection::vec(1u8..=4, 8),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec!["<25", "25-39", "40-54", "55+"])),
        prop::option::of(prop::sample::select(SERVICES.to_vec())),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["Loket 1", "Loket 2"])),
        0i64..3,
    )
        .prop_map(|(id, values, diarahkan, usia, layanan, speeder, token, label, day)| Citizen {
            id,
            values,
            diarahkan,
            usia,
            layanan,
            speeder,
            token,
            label,
            day,
        })
}

/// One campaign's stored rows, written as the service writes them.
#[derive(Debug, Clone)]
struct Sim {
    campaign: Uuid,
    rows: LedgerRows,
}

impl Sim {
    fn new() -> Sim {
        Sim {
            campaign: Uuid::from_u128(0xCA),
            rows: LedgerRows::default(),
        }
    }

    /// As `repo::responses::insert` stores a validated submission.
    fn submit(&mut self, form: &Form, c: &Citizen) {
        let raw = RawSubmission {
            answers: form.items.iter().zip(&c.values).map(|(i, v)| (i.id.clone(), (*v).into())).collect(),
            screening: c
                .diarahkan
                .map(|d| ("diarahkan".to_owned(), if d { "ya" } else { "tidak" }.to_owned()))
                .into_iter()
                .collect(),
            demographics: [("usia", c.usia), ("layanan", c.layanan)]
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
                .collect(),
        };
        let services: Vec<String> = SERVICES.iter().map(|s| (*s).to_owned()).collect();
        let v = validate_submission(form, &services, &raw).expect("a valid submission");
        let id = Uuid::from_u128(c.id);
        let diarahkan = v.flagged_screening;
        let flagged = c.speeder || diarahkan;
        let fields: Vec<(String, String, String)> = v
            .screening
            .iter()
            .map(|(k, x)| ("screening".to_owned(), k.clone(), x.clone()))
            .chain(v.demographics.iter().map(|(k, x)| ("demographic".to_owned(), k.clone(), x.clone())))
            .collect();
        let submitted_on = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() + Duration::days(c.day);
        let channel = if c.token { "token" } else { "open_link" };
        let link_label = if c.token { None } else { c.label };
        // A desk per label (and one for links without a label).
        let open_link_id = (!c.token).then(|| Uuid::from_u128(0xde5c_0000 + c.label.map_or(0, |l| l.bytes().map(u128::from).sum())));
        let content_hash = content_hash(&ResponseContent {
            id: &id.to_string(),
            campaign_id: &self.campaign.to_string(),
            submitted_on: &submitted_on.to_string(),
            channel,
            link_label,
            answers: &v.answers,
            fields: &fields,
            speeder: c.speeder,
            diarahkan,
        });
        self.rows.responses.push(ResponseRow {
            id,
            submitted_on,
            channel: channel.to_owned(),
            open_link_id,
            link_label: link_label.map(str::to_owned),
            speeder: c.speeder,
            diarahkan,
            flagged,
            score: v.score,
            total: v.total as i32,
            sealed: false,
            content_hash,
        });
        for (item, value) in &v.answers {
            self.rows.answers.push(AnswerRow {
                response_id: id,
                item: item.clone(),
                value: i16::from(*value),
                flagged,
            });
        }
        for (kind, key, value) in fields {
            self.rows.fields.push(FieldRow {
                response_id: id,
                kind,
                key,
                value,
                score: Some(v.score),
            });
        }
    }

    /// As `repo::ledger::seal_campaign` seals the unsealed responses into one block.
    fn seal(&mut self) {
        let mut ids: Vec<Uuid> = self.rows.responses.iter().filter(|r| !r.sealed).map(|r| r.id).collect();
        if ids.is_empty() {
            return;
        }
        ids.sort();
        let last = self.rows.blocks.iter().max_by_key(|b| b.seq);
        let (prev, seq) = last.map_or((GENESIS.to_owned(), 1), |b| (b.hash.clone(), b.seq + 1));
        let hashed: Vec<(String, String)> = ids
            .iter()
            .map(|id| (id.to_string(), self.response(*id).content_hash.clone()))
            .collect();
        let block = Uuid::from_u128(0xB10C_0000 + seq as u128);
        self.rows.blocks.push(BlockRow {
            id: block,
            seq,
            hash: block_hash(&prev, &self.campaign.to_string(), seq, &hashed),
            prev_hash: prev,
            count: ids.len() as i64,
            sealed_at: DateTime::<Utc>::from_timestamp(1_800_000_000 + seq, 0).unwrap(),
        });
        for (position, id) in ids.iter().enumerate() {
            self.rows.entries.push(EntryRow {
                block_id: block,
                position: position as i64,
                response_id: *id,
            });
        }
        self.tally(block, &ids);
        for r in self.rows.responses.iter_mut().filter(|r| ids.contains(&r.id)) {
            r.sealed = true;
        }
    }

    /// The tally statements of `migrations::tally_sql` and `desk_tally_sql`, as GROUP BYs over the
    /// block's rows.
    fn tally(&mut self, block: Uuid, ids: &[Uuid]) {
        type Key = (&'static str, String, String, bool, bool, bool);
        let mut groups: BTreeMap<Key, (i64, f64, f64, i64, i64)> = BTreeMap::new();
        let mut add = |key: Key, score: f64, total: i64| {
            let g = groups.entry(key).or_default();
            *g = (g.0 + 1, g.1 + score, g.2 + score * score, g.3 + total, g.4 + total * total);
        };
        for a in self.rows.answers.iter().filter(|a| ids.contains(&a.response_id)) {
            add(("answer", a.item.clone(), a.value.to_string(), a.flagged, false, false), 0.0, 0);
        }
        for r in self.rows.responses.iter().filter(|r| ids.contains(&r.id)) {
            let key = ("response", String::new(), String::new(), r.flagged, r.speeder, r.diarahkan);
            add(key, r.score, i64::from(r.total));
            if let Some(link) = r.open_link_id {
                add(("desk", link.simple().to_string(), String::new(), false, false, false), r.score, 0);
            }
        }
        for f in self
            .rows
            .fields
            .iter()
            .filter(|f| ids.contains(&f.response_id) && f.kind == "demographic")
        {
            add(("field", f.key.clone(), f.value.clone(), false, false, false), f.score.unwrap(), 0);
        }
        for ((kind, key, value, flagged, speeder, diarahkan), (n, s, ss, t, tt)) in groups {
            let response = kind == "response";
            self.rows.tallies.push(TallyRow {
                block_id: block,
                kind: kind.to_owned(),
                key,
                value,
                flagged,
                speeder,
                diarahkan,
                n,
                s,
                ss: if response { ss } else { 0.0 },
                t: t as f64,
                tt: tt as f64,
            });
        }
    }

    fn response(&self, id: Uuid) -> &ResponseRow {
        self.rows.responses.iter().find(|r| r.id == id).unwrap()
    }

    fn response_mut(&mut self, id: Uuid) -> &mut ResponseRow {
        self.rows.responses.iter_mut().find(|r| r.id == id).unwrap()
    }

    /// The seq of the block listing `id`, if any.
    fn block_of(&self, id: Uuid) -> Option<i64> {
        let e = self.rows.entries.iter().find(|e| e.response_id == id)?;
        self.rows.blocks.iter().find(|b| b.id == e.block_id).map(|b| b.seq)
    }

    fn verify(&self) -> Verification {
        verify(self.campaign, ipkp(), &self.rows)
    }
}

/// Submissions and seals in any order (a seal with nothing unsealed makes no block).
fn any_history() -> impl Strategy<Value = Vec<Option<Citizen>>> {
    prop::collection::vec(prop::option::weighted(0.8, citizen()), 0..24)
}

/// At least two blocks of one to three responses each, then one or two unsealed responses.
fn campaign() -> impl Strategy<Value = Sim> {
    (
        prop::collection::vec(prop::collection::vec(citizen(), 1..4), 2..4),
        prop::collection::vec(citizen(), 1..3),
    )
        .prop_map(|(blocks, tail)| {
            let form = ipkp();
            let mut sim = Sim::new();
            for block in blocks {
                for c in &block {
                    sim.submit(form, c);
                }
                sim.seal();
            }
            for c in &tail {
                sim.submit(form, c);
            }
            sim
        })
}

/// The seqs of the blocks found broken.
fn broken(v: &Verification) -> Vec<i64> {
    v.blocks.iter().filter(|b| !b.ok).map(|b| b.seq).collect()
}

fn problems_of(v: &Verification, seq: i64) -> String {
    v.blocks
        .iter()
        .find(|b| b.seq == seq)
        .map(|b| b.problems.join("; "))
        .unwrap_or_default()
}

/// Reported against block `seq` alone, or outside the blocks (and no block broken) when `None`.
fn blamed(v: &Verification, seq: Option<i64>, needle: &str) -> Result<(), TestCaseError> {
    prop_assert!(!v.ok);
    match seq {
        Some(seq) => {
            prop_assert_eq!(broken(v), vec![seq], "{:#?}", v);
            prop_assert!(problems_of(v, seq).contains(needle), "{needle}: {v:#?}");
            prop_assert!(v.problems.is_empty(), "{:?}", v.problems);
        }
        None => {
            prop_assert!(broken(v).is_empty(), "{:#?}", v);
            prop_assert!(v.problems.iter().any(|p| p.contains(needle)), "{needle}: {v:#?}");
        }
    }
    Ok(())
}

fn pick_response(sim: &Sim, at: &Index) -> Uuid {
    sim.rows.responses[at.index(sim.rows.responses.len())].id
}

proptest! {
    #[test]
    fn an_untouched_ledger_always_verifies(history in any_history()) {
        let form = ipkp();
        let mut sim = Sim::new();
        for step in &history {
            match step {
                Some(c) => sim.submit(form, c),
                None => sim.seal(),
            }
        }
        let v = sim.verify();
        prop_assert!(v.ok, "{:#?}", v);
        prop_assert!(v.problems.is_empty());
        let sealed = sim.rows.responses.iter().filter(|r| r.sealed).count() as i64;
        prop_assert_eq!(v.head.sealed, sealed);
        prop_assert_eq!(v.head.unsealed, sim.rows.responses.len() as i64 - sealed);
        prop_assert_eq!(v.head.blocks, sim.rows.blocks.len() as i64);
        prop_assert_eq!(v.head.head.as_ref(), v.blocks.last().map(|b| &b.hash));
        for pair in v.blocks.windows(2) {
            prop_assert_eq!(&pair[1].prev_hash, &pair[0].hash);
        }
        // The rows' order does not matter.
        let mut shuffled = sim.clone();
        let rows = &mut shuffled.rows;
        rows.responses.reverse();
        rows.answers.reverse();
        rows.fields.reverse();
        rows.blocks.reverse();
        rows.entries.reverse();
        rows.tallies.reverse();
        prop_assert_eq!(shuffled.verify(), v);
    }

    /// Any change to what a response's content hash covers.
    #[test]
    fn a_changed_response_is_blamed_on_its_block(mut sim in campaign(), at in any::<Index>(), row in any::<Index>(), how in 0usize..9) {
        let id = pick_response(&sim, &at);
        let answers: Vec<usize> = (0..sim.rows.answers.len()).filter(|i| sim.rows.answers[*i].response_id == id).collect();
        let a = answers[row.index(answers.len())];
        let fields: Vec<usize> = (0..sim.rows.fields.len()).filter(|i| sim.rows.fields[*i].response_id == id).collect();
        match how {
            0 => sim.rows.answers[a].value = sim.rows.answers[a].value % 4 + 1,
            // Out of a u8's range, but equal to the old value modulo 256 (the schema's CHECK
            // refuses it today; the check must not rely on that).
            1 => sim.rows.answers[a].value += 256,
            2 => { sim.rows.answers.remove(a); }
            3 => {
                let extra = AnswerRow { item: "bonus".into(), ..sim.rows.answers[a].clone() };
                sim.rows.answers.push(extra);
            }
            4 => sim.response_mut(id).speeder ^= true,
            5 => sim.response_mut(id).diarahkan ^= true,
            6 => sim.response_mut(id).submitted_on += Duration::days(1),
            7 => {
                let r = sim.response_mut(id);
                r.link_label = Some(format!("{} (diubah)", r.link_label.clone().unwrap_or_default()));
            }
            _ => match fields.first() {
                Some(f) => sim.rows.fields[*f].value.push('!'),
                None => sim.response_mut(id).channel.push('!'),
            },
        }
        let v = sim.verify();
        match sim.block_of(id) {
            Some(seq) => blamed(&v, Some(seq), &format!("response {id} was changed"))?,
            None => blamed(&v, None, &format!("unsealed response {id} does not match its content hash"))?,
        }
    }

    /// Deleting a sealed response (its answers and fields too). An unsealed one leaves no trace
    /// by design: nothing has vouched for it yet.
    #[test]
    fn a_deleted_response_is_blamed_on_its_block(mut sim in campaign(), at in any::<Index>()) {
        let sealed: Vec<Uuid> = sim.rows.responses.iter().filter(|r| r.sealed).map(|r| r.id).collect();
        let id = sealed[at.index(sealed.len())];
        let seq = sim.block_of(id);
        sim.rows.responses.retain(|r| r.id != id);
        sim.rows.answers.retain(|a| a.response_id != id);
        sim.rows.fields.retain(|f| f.response_id != id);
        blamed(&sim.verify(), seq, &format!("response {id} was deleted"))?;
    }

    /// The columns the statistics read but the content hash does not cover.
    #[test]
    fn an_edited_score_total_or_flag_is_blamed_on_its_block(
        mut sim in campaign(), at in any::<Index>(), row in any::<Index>(), how in 0usize..5,
        delta in prop_oneof![0.001f64..2.0, -2.0f64..-0.001], k in 1i32..5,
    ) {
        let id = pick_response(&sim, &at);
        let answers: Vec<usize> = (0..sim.rows.answers.len()).filter(|i| sim.rows.answers[*i].response_id == id).collect();
        let fields: Vec<usize> = (0..sim.rows.fields.len()).filter(|i| sim.rows.fields[*i].response_id == id).collect();
        match (how, fields.first()) {
            (0, _) => sim.response_mut(id).score += delta,
            (1, _) => sim.response_mut(id).total += k,
            (2, _) => sim.response_mut(id).flagged ^= true,
            (3, _) => sim.rows.answers[answers[row.index(answers.len())]].flagged ^= true,
            (_, Some(f)) => sim.rows.fields[*f].score = sim.rows.fields[*f].score.map(|s| s + delta),
            (_, None) => sim.response_mut(id).score -= delta,
        }
        let v = sim.verify();
        match sim.block_of(id) {
            Some(seq) => blamed(&v, Some(seq), &format!("response {id}: score, total or flags do not match its answers"))?,
            None => blamed(&v, None, &format!("unsealed response {id}: score, total or flags do not match"))?,
        }
    }

    /// A block's own hash edited breaks it and the link of the next block; its link edited
    /// breaks it alone.
    #[test]
    fn a_broken_block_hash_or_link_is_blamed_on_its_block(mut sim in campaign(), at in any::<Index>(), link in any::<bool>()) {
        let b = at.index(sim.rows.blocks.len());
        let seq = sim.rows.blocks[b].seq;
        let last = sim.rows.blocks.iter().map(|b| b.seq).max().unwrap();
        let v = if link {
            sim.rows.blocks[b].prev_hash = "f".repeat(64);
            let v = sim.verify();
            prop_assert_eq!(broken(&v), vec![seq]);
            v
        } else {
            sim.rows.blocks[b].hash = "e".repeat(64);
            let v = sim.verify();
            prop_assert!(problems_of(&v, seq).contains("block hash does not match its contents"), "{:#?}", v);
            if seq < last {
                prop_assert_eq!(broken(&v), vec![seq, seq + 1]);
                prop_assert!(problems_of(&v, seq + 1).contains("does not link to the previous block's hash"));
            } else {
                prop_assert_eq!(broken(&v), vec![seq]);
            }
            v
        };
        prop_assert!(!v.ok && v.problems.is_empty());
        if link {
            prop_assert!(problems_of(&v, seq).contains("does not link to the previous block's hash"));
        }
    }

    #[test]
    fn an_entry_moved_between_blocks_breaks_both(mut sim in campaign(), at in any::<Index>(), to in any::<Index>()) {
        let e = at.index(sim.rows.entries.len());
        let from = sim.rows.entries[e].block_id;
        let others: Vec<&BlockRow> = sim.rows.blocks.iter().filter(|b| b.id != from).collect();
        let target = others[to.index(others.len())];
        let (target_id, target_seq, target_count) = (target.id, target.seq, target.count);
        let source = sim.rows.blocks.iter().find(|b| b.id == from).unwrap();
        let (source_seq, source_count) = (source.seq, source.count);
        sim.rows.entries[e].block_id = target_id;
        let v = sim.verify();
        let mut expected = vec![source_seq, target_seq];
        expected.sort();
        prop_assert_eq!(broken(&v), expected);
        let fewer = format!("lists {} responses but was sealed with {source_count}", source_count - 1);
        let more = format!("lists {} responses but was sealed with {target_count}", target_count + 1);
        prop_assert!(problems_of(&v, source_seq).contains(&fewer), "{:#?}", v);
        prop_assert!(problems_of(&v, target_seq).contains(&more), "{:#?}", v);
        prop_assert!(v.problems.is_empty());
    }

    #[test]
    fn a_changed_tally_is_blamed_on_its_block(mut sim in campaign(), at in any::<Index>(), how in 0usize..6, n in 1i64..4) {
        let t = at.index(sim.rows.tallies.len());
        let block = sim.rows.tallies[t].block_id;
        let seq = sim.rows.blocks.iter().find(|b| b.id == block).unwrap().seq;
        let row = &mut sim.rows.tallies[t];
        match how {
            0 => row.n += n,
            1 => row.s += 0.5,
            2 => row.t += 1.0,
            3 => row.value.push('9'),
            4 => { sim.rows.tallies.remove(t); }
            _ => {
                let copy = row.clone();
                sim.rows.tallies.push(copy);
            }
        }
        blamed(&sim.verify(), Some(seq), "the block's tallies do not match its responses")?;
    }

    #[test]
    fn a_wrong_sealed_mark_is_reported(mut sim in campaign(), at in any::<Index>()) {
        let id = pick_response(&sim, &at);
        sim.response_mut(id).sealed ^= true;
        let v = sim.verify();
        match sim.block_of(id) {
            Some(seq) => blamed(&v, Some(seq), &format!("response {id} is in this block but not marked sealed"))?,
            None => blamed(&v, None, &format!("response {id} is marked sealed but no block lists it"))?,
        }
    }
}

#[test]
fn a_response_forged_behind_the_service_is_reported() {
    let form = ipkp();
    let mut sim = Sim::new();
    let c = Citizen {
        id: 7,
        values: vec![3; 8],
        diarahkan: None,
        usia: None,
        layanan: None,
        speeder: false,
        token: true,
        label: None,
        day: 0,
    };
    sim.submit(form, &c);
    sim.seal();
    sim.submit(form, &Citizen { id: 8, ..c });
    sim.response_mut(Uuid::from_u128(8)).content_hash = "forged".into();
    let v = sim.verify();
    assert_eq!(broken(&v), Vec::<i64>::new());
    assert_eq!(
        v.problems,
        [format!("unsealed response {} does not match its content hash", Uuid::from_u128(8))]
    );
    assert_eq!((v.head.blocks, v.head.sealed, v.head.unsealed), (1, 1, 1));
}

proptest! {
    /// One block checked alone from its predecessor's hash (what the incremental check does)
    /// says what the whole-campaign check says of it; from any other hash it does not link.
    #[test]
    fn a_block_checked_alone_agrees_with_the_whole_check(sim in campaign(), at in any::<Index>()) {
        let v = sim.verify();
        let i = at.index(v.blocks.len());
        let mut blocks = sim.rows.blocks.clone();
        blocks.sort_by_key(|b| b.seq);
        let prev = if i == 0 { GENESIS.to_owned() } else { blocks[i - 1].hash.clone() };
        let alone = verify_block(sim.campaign, ipkp(), i as i64 + 1, &prev, &blocks[i], &sim.rows);
        prop_assert_eq!(&alone, &v.blocks[i]);
        let wrong = verify_block(sim.campaign, ipkp(), i as i64 + 1, &"1".repeat(64), &blocks[i], &sim.rows);
        prop_assert!(!wrong.ok && wrong.problems.iter().any(|p| p.contains("does not link")), "{:?}", wrong);
    }
}

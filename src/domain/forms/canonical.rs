//! The frozen content of a form version: its canonical JSON and that JSON's SHA-256.
//!
//! Once a campaign uses a form `(id, version)`, this content is stored and may never change
//! (start-up refuses a file that differs, see [`super::check_frozen`]). It is the parsed model
//! serialised, not the file's text, so comments and layout in a form file are free to change.

use sha2::{Digest, Sha256};

use super::{Form, FormProblem};

impl Form {
    /// Deterministic JSON of the parsed form (field order fixed by the structs,
    /// no maps, floats printed shortest-round-trip). Changing this format would
    /// make every frozen form look changed: see the pinned fingerprints in tests.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a Form always serialises to JSON")
    }

    /// SHA-256 (lowercase hex) of [`Form::canonical_json`].
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }
}

/// The freeze rule: a form version a campaign used may not change. `forms` are the forms about
/// to be served with their sources, `frozen` the stored versions; each form whose `(id, version)`
/// is frozen with other content is a problem naming its source.
pub fn check_frozen(forms: &[(String, Form)], frozen: &[Form]) -> Result<(), Vec<FormProblem>> {
    let problems: Vec<FormProblem> = forms
        .iter()
        .filter_map(|(file, f)| {
            let old = frozen.iter().find(|o| o.id == f.id && o.version == f.version)?;
            (old.fingerprint() != f.fingerprint()).then(|| FormProblem {
                file: file.clone(),
                field: "version".into(),
                message: format!(
                    "form `{}` version {} is frozen (a campaign uses it) but this file's content differs; \
                     keep the old text or bump `version` to {}",
                    f.id,
                    f.version,
                    f.version + 1
                ),
            })
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::testing::{shipped, shipped_text};
    use super::super::{Form, Localized, check_frozen, parse_form};

    /// Pinned on purpose: a change here means either a form file changed (bump
    /// its `version`, then update the pin) or the canonical JSON format changed,
    /// which would make every frozen form look modified at start-up.
    #[test]
    fn fingerprints_are_stable() {
        for (id, pinned) in [
            ("ipak", "01691ef70dbb83f353e765cf76ee1ccd9b615ebc8e34f1c98eb62d3fa2ef7f0d"),
            ("ipkp", "a3756fab59b0ad5f1d9f93268f50561794d81b3e110dcd3d9632d3a6962b6105"),
            ("skm", "1f616957e1060a8d7bf76752820bbe509e6272d9891e2af43e68ae1326eedfeb"),
        ] {
            let a = shipped(id);
            let b = shipped(id);
            assert_eq!(a.canonical_json(), b.canonical_json());
            assert_eq!(a.fingerprint(), b.fingerprint());
            assert_eq!(a.fingerprint().len(), 64);
            assert_eq!(a.fingerprint(), pinned, "fingerprint of {id}");
        }
    }

    #[test]
    fn canonical_json_round_trips() {
        let form = shipped("ipkp");
        let back: Form = serde_json::from_str(&form.canonical_json()).unwrap();
        assert_eq!(back, form);
        assert_eq!(back.fingerprint(), form.fingerprint());
        assert!(form.canonical_json().contains("\"index_name\":\"IPKP\""));
    }

    /// Every citizen-facing text of a form, mutably.
    fn texts_mut(form: &mut Form) -> Vec<&mut String> {
        fn loc(l: &mut Localized) -> [&mut String; 2] {
            [&mut l.id, &mut l.en]
        }
        let mut out: Vec<&mut String> = Vec::new();
        out.extend(loc(&mut form.title));
        if let Some(intro) = &mut form.intro {
            out.extend(loc(intro));
        }
        for l in &mut form.scale.labels {
            out.extend(loc(l));
        }
        for i in &mut form.items {
            out.extend(loc(&mut i.text));
        }
        for s in &mut form.screening {
            out.extend(loc(&mut s.text));
            for c in &mut s.options {
                out.extend(loc(&mut c.label));
            }
        }
        for d in &mut form.demographics {
            out.extend(loc(&mut d.label));
            for c in &mut d.options {
                out.extend(loc(&mut c.label));
            }
        }
        out
    }

    #[test]
    fn fingerprint_changes_when_any_text_changes() {
        for id in ["ipak", "ipkp", "skm"] {
            let form = shipped(id);
            let original = form.fingerprint();
            let n = texts_mut(&mut form.clone()).len();
            assert!(n > 40);
            for k in 0..n {
                let mut changed = form.clone();
                texts_mut(&mut changed)[k].push('!');
                assert_ne!(changed.fingerprint(), original, "{id}: text #{k}");
            }
            let mut w = form.clone();
            w.items[0].weight += 1e-12;
            assert_ne!(w.fingerprint(), original);
        }
        // The same through the file: one word of one item.
        let text = shipped_text("ipkp");
        let edited = text.replacen("mudah diikuti", "sangat mudah diikuti", 1);
        assert_ne!(edited, text);
        let a = parse_form("ipkp.toml", text).unwrap();
        let b = parse_form("ipkp.toml", &edited).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn a_frozen_version_may_not_change_but_a_new_version_may() {
        let ipak = shipped("ipak");
        let forms = vec![("ipak.toml".to_owned(), ipak.clone())];
        assert_eq!(check_frozen(&forms, &[]), Ok(()));
        assert_eq!(check_frozen(&forms, std::slice::from_ref(&ipak)), Ok(()));
        let mut changed = ipak.clone();
        changed.title.id.push_str(" (diubah)");
        let p = check_frozen(&[("ipak.toml".to_owned(), changed.clone())], std::slice::from_ref(&ipak)).unwrap_err();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].file.as_str(), p[0].field.as_str()), ("ipak.toml", "version"));
        assert!(
            p[0].message.contains("frozen") && p[0].message.contains("bump `version` to 2"),
            "{p:?}"
        );
        changed.version = 2;
        assert_eq!(check_frozen(&[("ipak.toml".to_owned(), changed)], &[ipak]), Ok(()));
    }

    proptest! {
        #[test]
        fn fingerprint_changes_with_any_text_edit(k in 0usize..200, extra in "[a-zA-Z ]{1,5}") {
            let form = shipped("skm");
            let mut changed = form.clone();
            let mut texts = texts_mut(&mut changed);
            let n = texts.len();
            texts[k % n].push_str(&extra);
            prop_assert_ne!(changed.fingerprint(), form.fingerprint());
        }
    }
}

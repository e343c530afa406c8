//! The one form loader. The shipped forms (`forms/*.toml`) are built into the binary
//! ([`SHIPPED`]), so the service starts from any folder with nothing to install beside it.
//!
//! `INTEGRITAS_FORMS_DIR`, when set, adds to them: a form in that folder whose id is a built-in
//! form's id **overrides** the built-in one (the file wins), a form with any other id is **added**.
//! The freeze rule ([`super::check_frozen`]) applies to whatever results, so an override cannot
//! change a form version a campaign already uses.
//!
//! Pure: the caller reads the files and passes (source name, text) pairs; every problem of every
//! file is returned at once, a form id declared twice included. The only I/O is at the edge
//! (`startup::read_forms_dir`).

use std::collections::BTreeMap;

use super::{Form, FormProblem, parse_form};

/// The shipped forms as (path in the repository, text), built into the binary.
/// `every_shipped_file_is_built_in` fails when a file in `forms/` is missing here.
pub const SHIPPED: &[(&str, &str)] = &[
    ("forms/ipak.toml", include_str!("../../../forms/ipak.toml")),
    ("forms/ipkp.toml", include_str!("../../../forms/ipkp.toml")),
    ("forms/skm.toml", include_str!("../../../forms/skm.toml")),
];

/// How a built-in form's source is named in messages, e.g. `forms/ipak.toml (built in)`.
pub fn built_in_source(path: &str) -> String {
    format!("{path} (built in)")
}

/// Parses every file, returning each form with its source name (sorted by form id), or every
/// problem: each file's own, and one for each form id declared by a second file.
pub fn parse_files<N: AsRef<str>, T: AsRef<str>>(files: &[(N, T)]) -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    let mut forms: Vec<(String, Form)> = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in files {
        match parse_form(name.as_ref(), text.as_ref()) {
            Ok(form) => forms.push((name.as_ref().to_owned(), form)),
            Err(p) => problems.extend(p),
        }
    }
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for (source, form) in &forms {
        if let Some(other) = first.insert(&form.id, source) {
            problems.push(FormProblem {
                file: source.clone(),
                field: "id".to_owned(),
                message: format!("form id \"{}\" is already declared in {other}", form.id),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    forms.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    Ok(forms)
}

/// The built-in forms, parsed (sources named by [`built_in_source`]).
pub fn shipped() -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    let named: Vec<(String, &str)> = SHIPPED.iter().map(|(path, text)| (built_in_source(path), *text)).collect();
    parse_files(&named)
}

/// `base` with `extra` laid over it: an `extra` form replaces the `base` form of the same id,
/// any other is added. Sorted by form id.
pub fn overlay(base: Vec<(String, Form)>, extra: Vec<(String, Form)>) -> Vec<(String, Form)> {
    let mut by_id: BTreeMap<String, (String, Form)> = BTreeMap::new();
    for (source, form) in base.into_iter().chain(extra) {
        by_id.insert(form.id.clone(), (source, form));
    }
    by_id.into_values().collect()
}

/// The forms the service serves: the built-in ones, overridden or added to by `local` (the
/// files of `INTEGRITAS_FORMS_DIR` as (source name, text); empty when it is not set).
pub fn load<N: AsRef<str>, T: AsRef<str>>(local: &[(N, T)]) -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    let (base, extra) = (shipped(), parse_files(local));
    match (base, extra) {
        (Ok(base), Ok(extra)) => Ok(overlay(base, extra)),
        (base, extra) => Err(base.err().into_iter().chain(extra.err()).flatten().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MINIMAL, fixture_sources, shipped as one_shipped};
    use super::super::{IndexName, Lang, WHOLE_FILE};
    use super::*;

    #[test]
    fn every_shipped_file_is_built_in() {
        let mut on_disk: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/forms"))
            .unwrap()
            .map(|e| format!("forms/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let built_in: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
        assert_eq!(on_disk, built_in);
        for (path, text) in SHIPPED {
            let file = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            assert_eq!(&file, text, "{path}");
        }
    }

    #[test]
    fn shipped_forms_load_with_the_contract_item_ids() {
        let forms = shipped().unwrap_or_else(|p| panic!("{p:#?}"));
        let ids: Vec<&str> = forms.iter().map(|(_, f)| f.id.as_str()).collect();
        assert_eq!(ids, ["ipak", "ipkp", "skm"]);
        assert_eq!(forms[0].0, "forms/ipak.toml (built in)");

        let ipak = one_shipped("ipak");
        assert_eq!(ipak.index_name, IndexName::Ipak);
        assert_eq!(
            ipak.item_ids(),
            ["diskriminasi", "kecurangan", "gratifikasi", "pungli", "percaloan"]
        );
        let ipkp = one_shipped("ipkp");
        assert_eq!(ipkp.index_name, IndexName::Ipkp);
        assert_eq!(
            ipkp.item_ids(),
            [
                "informasi",
                "persyaratan",
                "prosedur",
                "waktu",
                "biaya",
                "sarana",
                "respons",
                "pengaduan"
            ]
        );
        let skm = one_shipped("skm");
        assert_eq!(skm.index_name, IndexName::Ikm);
        assert_eq!(
            skm.item_ids(),
            [
                "persyaratan",
                "prosedur",
                "waktu",
                "biaya",
                "produk",
                "kompetensi",
                "perilaku",
                "pengaduan",
                "sarana"
            ]
        );
        for w in skm.weights() {
            assert!((w - 1.0 / 9.0).abs() < 1e-15);
        }

        for form in [&ipak, &ipkp, &skm] {
            assert_eq!(form.version, 1);
            assert_eq!(form.scale.max, 4);
            assert_eq!(form.scale.labels[0].id, "Sangat Tidak Setuju");
            assert_eq!(form.scale.labels[0].en, "Strongly disagree");
            assert_eq!(form.scale.labels[3].id, "Sangat Setuju");
            assert_eq!(form.scale.labels[3].en, "Strongly agree");
            let sum: f64 = form.weights().iter().sum();
            assert!((sum - 1.0).abs() < 1e-9);
            let demo: Vec<&str> = form.demographics.iter().map(|d| d.id.as_str()).collect();
            assert_eq!(demo, ["usia", "jenis_kelamin", "pendidikan", "pekerjaan", "layanan"]);
            let layanan = form.demographic("layanan").unwrap();
            assert!(layanan.from_service_types && layanan.options.is_empty());
            let sexes: Vec<&str> = form
                .demographic("jenis_kelamin")
                .unwrap()
                .options
                .iter()
                .map(|c| c.value.as_str())
                .collect();
            assert_eq!(sexes, ["laki-laki", "perempuan"]);
            // Never ask anything identifying.
            let json = form.canonical_json().to_lowercase();
            for id in ["nama", "name", "phone", "telepon", "email", "e-mail", "nik"] {
                assert!(form.demographic(id).is_none() && form.screening_question(id).is_none(), "{id}");
                assert!(!json.contains(&format!("\"id\":\"{id}\"")), "{id}");
            }
        }
        for form in [&ipak, &ipkp] {
            let d = form.screening_question("diarahkan").unwrap();
            assert!(!d.required);
            assert_eq!(d.flag_values, ["ya"]);
            let values: Vec<&str> = d.options.iter().map(|c| c.value.as_str()).collect();
            assert_eq!(values, ["ya", "tidak"]);
        }
        assert!(skm.screening.is_empty());
    }

    #[test]
    fn without_local_files_the_built_in_forms_are_served() {
        let none: [(&str, &str); 0] = [];
        let forms = load(&none).unwrap();
        assert_eq!(forms, shipped().unwrap());
    }

    #[test]
    fn a_local_file_overrides_a_built_in_form_by_id_and_adds_new_ids() {
        let ipak = super::super::testing::shipped_text("ipak").replacen(
            "Survei Persepsi Anti Korupsi",
            "Survei Persepsi Anti Korupsi Kantor Kami",
            1,
        );
        let local = [
            ("/etc/integritas/forms/ipak.toml".to_owned(), ipak),
            ("/etc/integritas/forms/t.toml".to_owned(), MINIMAL.to_owned()),
        ];
        let forms = load(&local).unwrap();
        let ids: Vec<(&str, &str)> = forms.iter().map(|(s, f)| (s.as_str(), f.id.as_str())).collect();
        assert_eq!(
            ids,
            [
                ("/etc/integritas/forms/ipak.toml", "ipak"),
                ("forms/ipkp.toml (built in)", "ipkp"),
                ("forms/skm.toml (built in)", "skm"),
                ("/etc/integritas/forms/t.toml", "t"),
            ]
        );
        assert!(forms[0].1.title.get(Lang::Id).contains("Kantor Kami"));
        assert_ne!(forms[0].1.fingerprint(), one_shipped("ipak").fingerprint());
    }

    #[test]
    fn every_problem_of_every_file_is_returned_with_duplicate_ids() {
        // Two local files declaring one id: a problem naming both, even though each alone
        // would merely override the built-in form.
        let local = [("a/one.toml", MINIMAL), ("a/two.toml", MINIMAL), ("a/three.toml", "id = = 1")];
        let p = load(&local).unwrap_err();
        assert_eq!(p.len(), 2, "{p:#?}");
        assert_eq!((p[0].file.as_str(), p[0].field.as_str()), ("a/three.toml", WHOLE_FILE));
        assert_eq!((p[1].file.as_str(), p[1].field.as_str()), ("a/two.toml", "id"));
        assert!(p[1].message.contains("a/one.toml"), "{p:#?}");

        // The broken fixtures together: every file is named.
        let fixtures = fixture_sources();
        let p = load(&fixtures).unwrap_err();
        for (file, _) in &fixtures {
            assert!(p.iter().any(|x| &x.file == file), "{file}: {p:#?}");
        }
    }

    #[test]
    fn overlay_replaces_by_id_and_keeps_the_rest() {
        let base = shipped().unwrap();
        let mut skm = base[2].1.clone();
        skm.version = 2;
        let out = overlay(base.clone(), vec![("x.toml".into(), skm.clone())]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[2], ("x.toml".to_owned(), skm));
        assert_eq!(out[..2], base[..2]);
        assert_eq!(overlay(base.clone(), Vec::new()), base);
    }
}

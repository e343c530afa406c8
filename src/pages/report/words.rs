//! The report pages' words for what the domain decides: verdicts, point comparisons, campaign
//! statuses, rule and predicate names, hasil conditions, breakdown names. Indonesian with the
//! English beside it ("Lulus / pass"), the way an assessor reads them on paper.

use crate::domain::campaign::CampaignStatus;
use crate::domain::evaluation::{Note, NoteKind, Pooling};
use crate::domain::language::{Localized, Text};
use crate::domain::scoring::{Predicate, RuleId, Verdict};
use crate::pages::format::{self, DASH};

const PASS: Text = Text { id: "Lulus", en: "pass" };
const FAIL: Text = Text {
    id: "Tidak lulus",
    en: "fail",
};
const UNDETERMINED: Text = Text {
    id: "Belum dapat dipastikan",
    en: "undetermined (CI straddles the threshold)",
};
/// For the national table, whose legend explains "belum pasti".
const UNDETERMINED_SHORT: Text = Text {
    id: "Belum dapat dipastikan",
    en: "undetermined",
};
const INSUFFICIENT: Text = Text {
    id: "Data belum cukup",
    en: "insufficient data",
};
const YES: Text = Text { id: "ya", en: "yes" };
const NO: Text = Text { id: "tidak", en: "no" };
pub(super) const NOT_ENTERED: Text = Text {
    id: "belum diisi",
    en: "not entered",
};
const SCORE: Text = Text { id: "nilai", en: "score" };
pub(super) const RECORDED: Text = Text {
    id: "Dicatat asesor, terakhir diubah",
    en: "recorded by an assessor, last changed",
};
pub(super) const NOT_RECORDED: Text = Text {
    id: "Belum dicatat: TLHP dan kinerja kosong, aturan bawaan unit",
    en: "not recorded: no TLHP or kinerja, the unit's default rule",
};
pub(super) const WHAT_IF_MARK: Text = Text {
    id: "andaikan",
    en: "what-if",
};

/// The sentence above a what-if hasil: which query parameters replaced the record's values.
pub(super) fn what_if_text(params: &[String]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let list = params.join(", ");
    Localized::new(
        format!("Ini simulasi (andaikan), bukan hasil catatan evaluasi: {list} diganti dari alamat halaman."),
        format!("This is a what-if, not the evaluation record's hasil: {list} replaced from the page address."),
    )
    .both()
}

/// The pooling option in words.
pub(super) fn pooling_text(p: Pooling) -> Text {
    match p {
        Pooling::None => Text {
            id: "satu kampanye per survei",
            en: "one campaign per survey",
        },
        Pooling::Year => Text {
            id: "kampanye setahun dengan versi formulir yang sama digabung",
            en: "the year's campaigns of one form version pooled",
        },
    }
}

/// A note on how a survey's campaigns were chosen, Indonesian first, with the service's English.
pub(super) fn note_text(n: &Note) -> String {
    let id = match n.kind {
        NoteKind::SkippedEmpty => "kampanye yang berakhir tanpa respons dilewati",
        NoteKind::SkippedTooFew => "kampanye dengan terlalu sedikit respons untuk ditampilkan dilewati",
        NoteKind::Pooled => "beberapa kampanye dengan versi formulir yang sama digabung",
        NoteKind::OtherVersion => "kampanye dengan versi formulir lain tidak digabung",
        NoteKind::NamedNotEnded => "kampanye yang dipilih belum berakhir: angkanya belum final",
        NoteKind::NamedOtherYear => "kampanye yang dipilih berakhir pada tahun lain",
        NoteKind::NamedTooFew => "kampanye yang dipilih terlalu sedikit respons untuk ditampilkan",
    };
    format!("{}: {id} / {}", n.survey.to_uppercase(), n.text)
}

/// A verdict in words and its CSS class.
pub(super) struct VerdictView {
    pub(super) text: String,
    pub(super) class: &'static str,
}

pub(super) fn verdict_view(v: Option<Verdict>) -> VerdictView {
    let (text, class) = match v {
        Some(Verdict::Pass) => (PASS, "pass"),
        Some(Verdict::Fail) => (FAIL, "fail"),
        Some(Verdict::Undetermined) => (UNDETERMINED, "undetermined"),
        Some(Verdict::InsufficientData) => (INSUFFICIENT, "insufficient"),
        None => {
            return VerdictView {
                text: DASH.to_owned(),
                class: "none",
            };
        }
    };
    VerdictView { text: text.both(), class }
}

/// The shorter wording for the national table.
pub(super) fn verdict_short(v: Option<Verdict>) -> VerdictView {
    match v {
        Some(Verdict::Undetermined) => VerdictView {
            text: UNDETERMINED_SHORT.both(),
            class: "undetermined",
        },
        other => verdict_view(other),
    }
}

/// The plain point comparison, e.g. "3.04 < 3.60: tidak / no".
pub(super) fn point_text(value: Option<f64>, threshold: f64, point: Option<bool>) -> String {
    let (value, threshold) = (value.map(format::number), format::number(threshold));
    match (value, point) {
        (Some(v), Some(true)) => format!("{v} ≥ {threshold}: {}", YES.both()),
        (Some(v), Some(false)) => format!("{v} < {threshold}: {}", NO.both()),
        (None, Some(true)) => YES.both(),
        (None, Some(false)) => NO.both(),
        (_, None) => DASH.to_owned(),
    }
}

pub(super) fn status_text(s: CampaignStatus) -> String {
    let text = match s {
        CampaignStatus::Scheduled => Text {
            id: "Terjadwal",
            en: "scheduled",
        },
        CampaignStatus::Open => Text { id: "Dibuka", en: "open" },
        CampaignStatus::Closed => Text {
            id: "Ditutup",
            en: "closed",
        },
    };
    text.both()
}

pub(super) fn rule_name(r: RuleId) -> &'static str {
    match r {
        RuleId::Permenpanrb52_2014 => "PermenPANRB 52/2014",
        RuleId::Permenpanrb90_2021 => "PermenPANRB 90/2021",
    }
}

pub(super) fn predicate_name(rule: RuleId, p: Predicate) -> &'static str {
    match (rule, p) {
        (RuleId::Permenpanrb90_2021, Predicate::Wbk) => "Menuju WBK",
        (RuleId::Permenpanrb90_2021, Predicate::Wbbm) => "Menuju WBBM",
        (_, Predicate::Wbk) => "WBK",
        (_, Predicate::Wbbm) => "WBBM",
    }
}

/// Indonesian wording of a hasil condition, by its id (the domain's description is English).
pub(super) fn condition_text(id: &str, threshold: f64) -> String {
    let what = match id {
        "bersih" => "Nilai komponen pemerintah bersih",
        "pelayanan" => "Nilai komponen pelayanan publik",
        "ipak_score" => "Nilai IPAK",
        "ipkp_score" => "Nilai IPKP",
        "tlhp_score" => "Nilai TLHP",
        "kinerja" => "Nilai capaian kinerja",
        other => other,
    };
    format!("{what} ≥ {}", format::number(threshold))
}

/// A breakdown's name; an unknown key is shown as it is, with no English.
pub(super) fn breakdown_name(key: &str) -> Localized {
    let text = match key {
        "layanan" => Text {
            id: "Jenis layanan",
            en: "Service type",
        },
        "usia" => Text { id: "Usia", en: "Age" },
        "jenis_kelamin" => Text {
            id: "Jenis kelamin",
            en: "Sex",
        },
        "pendidikan" => Text {
            id: "Pendidikan",
            en: "Education",
        },
        "pekerjaan" => Text {
            id: "Pekerjaan",
            en: "Occupation",
        },
        other => return Localized::new(other, ""),
    };
    Localized::new(text.id, text.en)
}

/// A hasil indicator's input as entered: TLHP in per cent, kinerja as its score, else 0–4.
pub(super) fn indicator_input(id: &str, input: Option<f64>) -> String {
    match (id, input) {
        (_, None) => format!("{DASH} ({})", NOT_ENTERED.both()),
        ("tlhp", Some(v)) => format!("{} %", format::number(v)),
        ("kinerja", Some(v)) => format!("{} ({})", format::number(v), SCORE.both()),
        (_, Some(v)) => format!("{} (0–4)", format::number(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_as_before() {
        assert_eq!(verdict_view(Some(Verdict::Pass)).text, "Lulus / pass");
        assert_eq!(
            verdict_view(Some(Verdict::Undetermined)).text,
            "Belum dapat dipastikan / undetermined (CI straddles the threshold)"
        );
        assert_eq!(
            verdict_short(Some(Verdict::Undetermined)).text,
            "Belum dapat dipastikan / undetermined"
        );
        assert_eq!(verdict_view(None).text, "—");
        assert_eq!(point_text(Some(3.041), 3.6, Some(false)), "3.04 < 3.60: tidak / no");
        assert_eq!(point_text(None, 3.6, Some(true)), "ya / yes");
        assert_eq!(status_text(CampaignStatus::Open), "Dibuka / open");
        assert_eq!(condition_text("ipak_score", 13.5), "Nilai IPAK ≥ 13.50");
        assert_eq!(breakdown_name("usia"), Localized::new("Usia", "Age"));
        assert_eq!(breakdown_name("kota"), Localized::new("kota", ""));
        assert_eq!(indicator_input("ipak", None), "— (belum diisi / not entered)");
        assert_eq!(indicator_input("kinerja", Some(3.5)), "3.50 (nilai / score)");
        assert_eq!(indicator_input("tlhp", Some(80.0)), "80.00 %");
    }
}

//! Why one field of a citizen's submission was refused, and the polite message shown next to
//! the question. The messages are [`Text`] constants, the one way bilingual text is held.

use std::collections::BTreeMap;

use super::Lang;
use crate::domain::language::{Localized, Text};

/// Why one field of a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Required,
    NotAnInteger,
    OutOfRange { min: u8, max: u8 },
    UnknownField,
    Duplicated,
    UnknownChoice,
    TooLong,
}

const REQUIRED: Text = Text {
    id: "Mohon pilih salah satu jawaban.",
    en: "Please choose one answer.",
};
const NOT_AN_INTEGER: Text = Text {
    id: "Mohon pilih salah satu jawaban yang tersedia.",
    en: "Please choose one of the answers given.",
};
const UNKNOWN_FIELD: Text = Text {
    id: "Pertanyaan ini tidak ada dalam survei.",
    en: "This question is not part of the survey.",
};
const DUPLICATED: Text = Text {
    id: "Jawaban untuk pertanyaan ini terkirim lebih dari sekali.",
    en: "This question was answered more than once.",
};
const UNKNOWN_CHOICE: Text = Text {
    id: "Mohon pilih salah satu pilihan yang tersedia.",
    en: "Please choose one of the options given.",
};
const TOO_LONG: Text = Text {
    id: "Isian ini terlalu panjang.",
    en: "This entry is too long.",
};

impl FieldError {
    /// A short, polite message for the citizen, in both languages.
    pub fn text(&self) -> Localized {
        let fixed = |t: Text| Localized::new(t.id, t.en);
        match self {
            FieldError::Required => fixed(REQUIRED),
            FieldError::NotAnInteger => fixed(NOT_AN_INTEGER),
            FieldError::OutOfRange { min, max } => Localized::new(
                format!("Mohon pilih nilai dari {min} sampai {max}."),
                format!("Please choose a value from {min} to {max}."),
            ),
            FieldError::UnknownField => fixed(UNKNOWN_FIELD),
            FieldError::Duplicated => fixed(DUPLICATED),
            FieldError::UnknownChoice => fixed(UNKNOWN_CHOICE),
            FieldError::TooLong => fixed(TOO_LONG),
        }
    }

    /// The message in `lang`, shown next to the question.
    pub fn message(&self, lang: Lang) -> String {
        self.text().get(lang).to_owned()
    }

    /// A stable machine-readable code, e.g. for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::NotAnInteger => "not_an_integer",
            FieldError::OutOfRange { .. } => "out_of_range",
            FieldError::UnknownField => "unknown_field",
            FieldError::Duplicated => "duplicated",
            FieldError::UnknownChoice => "unknown_choice",
            FieldError::TooLong => "too_long",
        }
    }
}

/// Key: the item/screening/demographic id (an unknown key under its own name,
/// cut to [`super::MAX_FIELD_LEN`] characters).
pub type FieldErrors = BTreeMap<String, Vec<FieldError>>;

/// The messages of `errors` in `lang`, as in problem+json's `errors` member.
pub fn field_error_messages(errors: &FieldErrors, lang: Lang) -> BTreeMap<String, Vec<String>> {
    errors
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(|e| e.message(lang)).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_messages_are_localised() {
        assert_eq!(FieldError::Required.message(Lang::Id), "Mohon pilih salah satu jawaban.");
        assert_eq!(FieldError::Required.message(Lang::En), "Please choose one answer.");
        let e = FieldError::OutOfRange { min: 1, max: 4 };
        assert!(e.message(Lang::Id).contains("1 sampai 4"));
        assert!(e.message(Lang::En).contains("1 to 4"));
        let mut errors = FieldErrors::new();
        errors.insert("waktu".into(), vec![FieldError::Required]);
        let m = field_error_messages(&errors, Lang::En);
        assert_eq!(m["waktu"], ["Please choose one answer."]);
        // Every error has a message in both languages, and a distinct code.
        let all = [
            FieldError::Required,
            FieldError::NotAnInteger,
            e.clone(),
            FieldError::UnknownField,
            FieldError::Duplicated,
            FieldError::UnknownChoice,
            FieldError::TooLong,
        ];
        for f in &all {
            assert!(!f.message(Lang::Id).is_empty() && f.message(Lang::Id) != f.message(Lang::En));
        }
        let mut codes: Vec<&str> = all.iter().map(FieldError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}

//! TEMPORARY placeholder until the scoring module lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleId { Permenpanrb52_2014, Permenpanrb90_2021 }
impl RuleId {
    pub fn parse(s: &str) -> Option<RuleId> { match s { "permenpanrb-52-2014" => Some(RuleId::Permenpanrb52_2014), "permenpanrb-90-2021" => Some(RuleId::Permenpanrb90_2021), _ => None } }
    pub fn as_str(&self) -> &'static str { match self { RuleId::Permenpanrb52_2014 => "permenpanrb-52-2014", RuleId::Permenpanrb90_2021 => "permenpanrb-90-2021" } }
}

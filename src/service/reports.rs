//! What the report pages for units and assessors show (`/laporan/*`), behind a login with an API
//! key: the session itself (a random id, signed in the cookie and recorded by its hash, and its
//! CSRF token), and the page data, owned here and lent to the `pages::report` templates through
//! each view's `page` method.

use uuid::Uuid;

use super::campaigns::{Access, load};
use super::hasil::HasilParams;
use crate::domain::access::{Principal, SESSION_SECS};
use crate::domain::credentials::{Role, csrf_token, hash_secret, hashes_equal, new_session_id, sign_session, verify_session};
use crate::domain::forms::Form;
use crate::domain::forms::IndexName;
use crate::domain::sample_size::minimum_n;
use crate::domain::scoring::index_thresholds;
use crate::domain::scoring::{Predicate, RuleId, SurveyIndex, verdict};
use crate::entities::{campaign, unit};
use crate::error::{AppResult, During};
use crate::pages::report::{
    BreakdownDef, CampaignReport, CampaignRow, DayCount, ExclusionRow, NationalPage, Nav, SORT_KEYS, ThresholdRow, UnitPage,
};
use crate::repo;
use crate::state::AppState;
use crate::views::hasil::UnitHasil;
use crate::views::results::{Results, Verification};

/// A signed-in caller: the key's principal and the session cookie's value.
pub struct Session<'a> {
    pub who: Principal,
    pub value: &'a str,
}

/// Checks a key typed on the login page; `Some(session value)` when it is a live key.
#[tracing::instrument(skip_all)]
pub async fn login(state: &AppState, key: Option<&str>) -> AppResult<Option<String>> {
    let key = key.map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > 200 {
        return Ok(None);
    }
    let hash = hash_secret(key);
    let found = repo::keys::find_by_hash(&state.db, &hash).await.during("looking up a key")?;
    let Some(k) = found.filter(|k| hashes_equal(&k.key_hash, &hash) && k.revoked_at.is_none()) else {
        return Ok(None);
    };
    let now = crate::domain::now();
    let id = new_session_id();
    repo::sessions::insert(
        &state.db,
        &hash_secret(&id),
        k.id,
        now,
        now + chrono::Duration::seconds(SESSION_SECS),
    )
    .await
    .during("recording a session")?;
    Ok(Some(sign_session(&state.session_key, &id)))
}

/// Ends the session of a cookie at once (logout): later requests with it are refused, even if
/// the browser keeps the cookie.
#[tracing::instrument(skip_all)]
pub async fn logout(state: &AppState, cookie: &str) -> AppResult<()> {
    if let Some(id) = verify_session(&state.session_key, cookie) {
        repo::sessions::revoke(&state.db, &hash_secret(id))
            .await
            .during("ending a session")?;
    }
    Ok(())
}

/// Whether a form's CSRF token matches the session it comes from.
pub fn csrf_matches(state: &AppState, session: &str, csrf: Option<&str>) -> bool {
    let want = csrf_token(&state.csrf_key, session);
    csrf.is_some_and(|got| hashes_equal(&want, got))
}

/// Where `/laporan` sends a caller: the national table, or an operator's own unit.
pub fn home_path(who: &Principal) -> String {
    match (who.role, who.unit_id) {
        (Role::Operator, Some(u)) => format!("/laporan/unit/{u}"),
        _ => "/laporan/nasional".to_owned(),
    }
}

/// The navigation bar's data: who is signed in, the logout form's CSRF token, and the links the
/// role has from here (the workbench, the audit log, this page's working pages).
pub struct NavView {
    who: String,
    csrf: String,
    national: bool,
    links: Vec<(String, String)>,
}

impl NavView {
    fn new(state: &AppState, s: &Session, place: &str, here: &[(String, String)]) -> NavView {
        let mut links: Vec<(String, String)> = here.to_vec();
        match (s.who.role, s.who.unit_id) {
            (Role::Admin, _) => links.push(("/kelola/unit".into(), "Kelola / Manage".into())),
            (Role::Operator, Some(u)) => links.push((format!("/kelola/unit/{u}"), "Kelola / Manage".into())),
            _ => {}
        }
        if s.who.role != Role::Operator {
            links.push(("/laporan/audit".into(), "Log audit / Audit log".into()));
        }
        NavView {
            who: format!("{} · {place}", s.who.role.as_str()),
            csrf: csrf_token(&state.csrf_key, s.value),
            national: s.who.role != Role::Operator,
            links,
        }
    }

    pub fn nav(&self) -> Nav<'_> {
        Nav {
            who: &self.who,
            csrf: &self.csrf,
            national: self.national,
            links: &self.links,
        }
    }
}

/// The campaign report's data.
pub struct CampaignReportView {
    nav: NavView,
    unit: unit::Model,
    campaign: campaign::Model,
    form: std::sync::Arc<Form>,
    results: Results,
    thresholds: Vec<ThresholdRow>,
    per_day: Vec<DayCount>,
    exclusions: Vec<ExclusionRow>,
    ledger: Verification,
    item_labels: Vec<(String, String)>,
    breakdown_defs: Vec<BreakdownDef>,
    downloads: Vec<(String, String)>,
}

impl CampaignReportView {
    pub fn page(&self) -> CampaignReport<'_> {
        CampaignReport {
            nav: self.nav.nav(),
            unit_name: &self.unit.name,
            unit_id: self.unit.id,
            campaign_title: &self.campaign.title,
            form_title: &self.form.title.id,
            period: repo::campaigns::period(&self.campaign),
            time_zone: repo::units::time_zone(&self.unit),
            breakdown_defs: &self.breakdown_defs,
            results: &self.results,
            thresholds: &self.thresholds,
            per_day: &self.per_day,
            exclusions: &self.exclusions,
            ledger: &self.ledger,
            item_labels: &self.item_labels,
            downloads: &self.downloads,
        }
    }
}

/// `/laporan/kampanye/{id}`: results, thresholds, responses per day, exclusions, the verified
/// ledger and the downloads the caller may have.
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn campaign(state: &AppState, s: &Session<'_>, id: Uuid) -> AppResult<CampaignReportView> {
    let c = load(state, &s.who, id, Access::Read).await?;
    let unit = super::units::find(state, c.unit_id).await?;
    let form = super::forms::of_campaign(state, &c)?;
    let results = super::results::compute(state, &c).await?;
    let per_day = repo::results::per_day(&state.db, c.id)
        .await
        .during("counting responses per day")?
        .into_iter()
        .map(|(date, n)| DayCount { date, n: n as u64 })
        .collect();
    let exclusions = repo::exclusions::list_for_campaign(&state.db, c.id)
        .await
        .during("listing exclusions")?
        .into_iter()
        .map(|e| ExclusionRow {
            response_id: e.response_id,
            reason: e.reason,
            excluded_at: e.excluded_at,
        })
        .collect();
    let ledger = super::ledger::verify_loaded(state, &c, &form).await?;
    let mut here = Vec::new();
    if s.who.role != Role::Operator {
        here.push((
            format!("/laporan/kampanye/{}/respons", c.id),
            "Tinjau respons / Review responses".to_owned(),
        ));
    }
    if s.who.role != Role::Assessor {
        here.push((format!("/kelola/kampanye/{}", c.id), "Kelola kampanye / Manage campaign".to_owned()));
    }
    Ok(CampaignReportView {
        nav: NavView::new(state, s, &unit.name, &here),
        thresholds: thresholds(&c.form_id, &results),
        item_labels: form.items.iter().map(|i| (i.id.clone(), i.text.id.clone())).collect(),
        breakdown_defs: breakdown_defs(&form, &repo::units::service_types(&unit)),
        downloads: downloads(c.id, s.who.role),
        unit,
        campaign: c,
        form,
        results,
        per_day,
        exclusions,
        ledger,
    })
}

/// The form's demographic questions with their choices, in the form's order (the report shows
/// breakdown cells by these labels in this order).
fn breakdown_defs(form: &Form, service_types: &[String]) -> Vec<BreakdownDef> {
    form.demographics
        .iter()
        .map(|d| BreakdownDef {
            id: d.id.clone(),
            name: d.label.clone(),
            choices: d.choices(service_types).into_iter().map(|c| (c.value, c.label)).collect(),
        })
        .collect()
}

/// The files of a campaign the role may download.
fn downloads(id: Uuid, role: Role) -> Vec<(String, String)> {
    let mut d = vec![(
        format!("/api/v1/campaigns/{id}/results.csv"),
        "Hasil (CSV) / Results (CSV)".to_owned(),
    )];
    if matches!(role, Role::Admin | Role::Assessor) {
        d.push((
            format!("/api/v1/campaigns/{id}/responses.csv"),
            "Respons anonim (CSV) / Anonymous responses (CSV)".to_owned(),
        ));
        d.push((
            format!("/api/v1/campaigns/{id}/results.xlsx"),
            "Buku kerja (XLSX) / Workbook (XLSX)".to_owned(),
        ));
    }
    d
}

fn rule_number(rule: RuleId) -> &'static str {
    match rule {
        RuleId::Permenpanrb52_2014 => "52/2014",
        RuleId::Permenpanrb90_2021 => "90/2021",
    }
}

fn predicate_name(p: Predicate) -> &'static str {
    match p {
        Predicate::Wbk => "WBK",
        Predicate::Wbbm => "WBBM",
    }
}

/// The rule sets' thresholds on this campaign's index (from `domain::scoring::index_thresholds`), one row per
/// distinct (predicates, threshold), rules that agree sharing a row, the newest rule first, e.g.
/// "WBK & WBBM (PermenPANRB 90/2021 dan 52/2014): IPAK ≥ 3,60"; each with its 95 % verdict.
fn thresholds(form_id: &str, r: &Results) -> Vec<ThresholdRow> {
    let survey = match form_id {
        "ipak" => IndexName::Ipak,
        "ipkp" => IndexName::Ipkp,
        _ => return Vec::new(),
    };
    // (rules, predicates, threshold), in the order they are shown.
    let mut rows: Vec<(Vec<RuleId>, Vec<Predicate>, f64)> = Vec::new();
    let all: Vec<_> = index_thresholds().into_iter().filter(|t| t.index == survey).collect();
    for rule in RuleId::ALL.iter().rev() {
        let mut own: Vec<(Vec<Predicate>, f64)> = Vec::new();
        for t in all.iter().filter(|t| t.rule == *rule) {
            match own.iter_mut().find(|(_, x)| (x - t.value_0_4).abs() < 1e-9) {
                Some((ps, _)) => ps.push(t.predicate),
                None => own.push((vec![t.predicate], t.value_0_4)),
            }
        }
        for (ps, x) in own {
            match rows.iter_mut().find(|(_, qs, y)| *qs == ps && (x - y).abs() < 1e-9) {
                Some((rules, _, _)) => rules.push(*rule),
                None => rows.push((vec![*rule], ps, x)),
            }
        }
    }
    let index = survey.as_str();
    let to4 = |x: f64| x * 4.0 / f64::from(r.scale_max);
    rows.into_iter()
        .map(|(rules, ps, t)| {
            let predicates: Vec<&str> = ps.into_iter().map(predicate_name).collect();
            let rules: Vec<&str> = rules.into_iter().map(rule_number).collect();
            let label = format!(
                "{} (PermenPANRB {}): {index} ≥ {}",
                predicates.join(" & "),
                rules.join(" dan "),
                crate::domain::numbers::fixed(t, 2).unwrap_or_default().replace('.', ",")
            );
            let (v, point) = match r.index.value_0_4 {
                Some(p) => {
                    let ci = r.index.ci_low.zip(r.index.ci_high).map(|(a, b)| (to4(a), to4(b)));
                    let minimum = minimum_n(r.population.map(|p| p as u64));
                    let (v, pt) = verdict(p, ci, t, r.n, minimum);
                    (Some(v), Some(pt))
                }
                None => (None, None),
            };
            ThresholdRow {
                label,
                threshold_0_4: t,
                verdict: v,
                point,
            }
        })
        .collect()
}

/// The unit page's data.
pub struct UnitPageView {
    nav: NavView,
    hasil: UnitHasil,
    campaigns: Vec<CampaignRow>,
}

impl UnitPageView {
    pub fn page(&self) -> UnitPage<'_> {
        UnitPage {
            nav: self.nav.nav(),
            hasil: &self.hasil,
            campaigns: &self.campaigns,
        }
    }
}

/// `/laporan/unit/{id}`: the unit's hasil for a year and its campaigns over time.
#[tracing::instrument(skip_all, fields(unit_id = %id))]
pub async fn unit(state: &AppState, s: &Session<'_>, id: Uuid, q: &HasilParams) -> AppResult<UnitPageView> {
    s.who.require_read(id)?;
    let u = super::units::find(state, id).await?;
    let year = q.year.unwrap_or_else(|| super::hasil::year_of(q));
    let here = [(
        format!("/laporan/unit/{id}/evaluasi/{year}"),
        "Catatan evaluasi / Evaluation record".to_owned(),
    )];
    let nav = NavView::new(state, s, &u.name, &here);
    let hasil = super::hasil::one_unit(state, u, q).await?;
    let now = crate::domain::now();
    let list = repo::campaigns::list_for_unit(&state.db, id)
        .await
        .during("listing the unit's campaigns")?;
    let mut campaigns = Vec::with_capacity(list.len());
    for c in &list {
        let form = super::forms::of_campaign(state, c)?;
        // As published (docs/anonymity.md): an open campaign's snapshot, not its live answers.
        let published = super::published::read(state, c).await?;
        let agg = &published.agg;
        let flagged = agg.moments.get(&true).map_or(0, |m| m.0.n);
        let include = crate::domain::publication::include_flagged_offered(state.settings.min_group, published.publication.exact, flagged);
        let a = super::results::analysis_of(&form, agg, c.population.map(|p| p as u64), include);
        let si = SurveyIndex::from_analysis(&a, form.scale.max, c.population.map(|p| p as u64));
        let period = repo::campaigns::period(c);
        campaigns.push(CampaignRow {
            id: c.id,
            title: c.title.clone(),
            form: c.form_id.clone(),
            status: format!("{:?}", period.status(now)).to_lowercase(),
            n: a.n,
            value_0_4: si.value_0_4,
            ci_low_0_4: si.ci_low_0_4,
            ci_high_0_4: si.ci_high_0_4,
            ended: period.ended_at(now),
        });
    }
    Ok(UnitPageView { nav, hasil, campaigns })
}

/// The national page's data.
pub struct NationalPageView {
    nav: NavView,
    year: i32,
    rows: Vec<UnitHasil>,
    sort: String,
    csv_href: String,
    xlsx_href: String,
}

impl NationalPageView {
    pub fn page(&self) -> NationalPage<'_> {
        NationalPage {
            nav: self.nav.nav(),
            year: self.year,
            rows: &self.rows,
            sort: &self.sort,
            csv_href: &self.csv_href,
            xlsx_href: &self.xlsx_href,
        }
    }
}

/// `/laporan/nasional`: every unit's hasil for a year (admin, assessor), sorted by unit name or
/// by a score, best first.
#[tracing::instrument(skip_all)]
pub async fn national(state: &AppState, s: &Session<'_>, year: Option<i32>, sort: Option<&str>) -> AppResult<NationalPageView> {
    s.who.require_admin_or_assessor()?;
    let q = HasilParams {
        year,
        ..HasilParams::default()
    };
    let mut rows = super::hasil::national_rows(state, &q).await?;
    let year = rows.first().map(|r| r.year).unwrap_or_else(|| super::hasil::year_of(&q));
    let sort = sort.filter(|s| SORT_KEYS.contains(s)).unwrap_or("unit").to_owned();
    sort_rows(&mut rows, &sort);
    Ok(NationalPageView {
        nav: NavView::new(state, s, "nasional", &[]),
        year,
        rows,
        csv_href: format!("/api/v1/hasil?year={year}&format=csv"),
        xlsx_href: format!("/api/v1/hasil?year={year}&format=xlsx"),
        sort,
    })
}

fn sort_rows(rows: &mut [UnitHasil], sort: &str) {
    let key = |r: &UnitHasil| -> f64 {
        match sort {
            "ipak" => r.ipak.as_ref().and_then(|b| b.value_0_4).unwrap_or(f64::NEG_INFINITY),
            "ipkp" => r.ipkp.as_ref().and_then(|b| b.value_0_4).unwrap_or(f64::NEG_INFINITY),
            _ => r.hasil.first().and_then(|h| h.hasil_total).unwrap_or(f64::NEG_INFINITY),
        }
    };
    if sort == "unit" {
        rows.sort_by_key(|r| r.unit.name.to_lowercase());
    } else {
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_labels_are_read_from_the_rule_tables() {
        let empty = |form: &str, scale_max: u8| Results {
            campaign_id: Uuid::nil(),
            unit_id: Uuid::nil(),
            form: form.into(),
            form_version: 1,
            index_name: form.to_uppercase(),
            scale_max,
            status: crate::domain::campaign::CampaignStatus::Open,
            n: 0,
            snapshot_n: 0,
            publication: crate::views::results::Publication {
                k: 10,
                exact: false,
                snapshot_blocks: 0,
                distributions_shown: false,
                includes_flagged: true,
                note: None,
            },
            population: None,
            required_n: 0,
            adequate: false,
            index: Default::default(),
            alpha: None,
            items: vec![],
            flags: Default::default(),
            without_flagged: crate::views::results::Subset {
                n: 0,
                adequate: false,
                index: Default::default(),
                alpha: None,
                items: vec![],
            },
            breakdowns: Default::default(),
            desks: vec![],
            change: None,
            change_reason: None,
            ledger: crate::views::results::LedgerHead {
                head: None,
                blocks: 0,
                sealed: 0,
                unsealed: 0,
            },
        };
        let labels = |form: &str| -> Vec<(String, f64)> {
            thresholds(form, &empty(form, 4))
                .into_iter()
                .map(|t| (t.label, t.threshold_0_4))
                .collect()
        };
        let ipak = labels("ipak");
        assert_eq!(ipak.len(), 1);
        assert_eq!(ipak[0].0, "WBK & WBBM (PermenPANRB 90/2021 dan 52/2014): IPAK ≥ 3,60");
        let ipkp: Vec<String> = labels("ipkp").into_iter().map(|(l, _)| l).collect();
        assert_eq!(
            ipkp,
            [
                "WBK (PermenPANRB 90/2021): IPKP ≥ 3,20",
                "WBBM (PermenPANRB 90/2021): IPKP ≥ 3,60",
                "WBBM (PermenPANRB 52/2014): IPKP ≥ 3,20"
            ]
        );
        assert!(labels("skm").is_empty());
        // Without an index there is no verdict.
        assert!(thresholds("ipak", &empty("ipak", 4)).iter().all(|t| t.verdict.is_none()));
    }
}

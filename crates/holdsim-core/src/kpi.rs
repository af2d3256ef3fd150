//! Summary KPIs of one replication, defined exactly as docs/model.md § 7.10: ratios of window
//! totals over all sites (never averages of per-site values); `None` where undefined.

use crate::catalogue::catalogue;
use crate::engine::Replication;
use crate::engine::record::Series;
use crate::model::Model;

catalogue!(
    /// Every KPI, in output column order, with what a reader needs to know about it.
    /// Counts and costs are totals over the KPI window (after the warm-up), summed over
    /// sites. Headlines: the KPIs with a clear better direction that a commissioner
    /// reads first — workforce (leavers, as a rate and as a count: a bigger team can
    /// lose fewer per post and more in total), access (the wait within which 9 in 10
    /// are seen), outcome (patients seen, share returned to the GP) and value (cost
    /// per patient seen).
    Kpi, ALL_KPIS, KPI_COUNT, KpiInfo {
        BurnoutsPerPostYear => "burnouts_per_post_year" {
            label: "Burnouts per post-year",
            phrase: "burnouts per post-year",
            unit: "per post-year",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ExitsPerPostYear => "exits_per_post_year" {
            label: "Link workers leaving per post-year",
            phrase: "link workers leaving per post-year",
            unit: "per post-year",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: true,
        },
        Burnouts => "burnouts" {
            label: "Burnouts over the period",
            phrase: "burnouts",
            unit: "burnouts",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        Exits => "exits" {
            label: "Link workers leaving over the period",
            phrase: "link workers leaving",
            unit: "people",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: true,
        },
        VacancyFraction => "vacancy_fraction" {
            label: "Share of time posts stood vacant",
            phrase: "share of time posts stood vacant",
            unit: "share of post-days",
            quantity: Quantity::Share,
            better: Better::Lower,
            headline: false,
        },
        MeanStrain => "mean_strain" {
            label: "Mean strain of link workers at work",
            phrase: "mean strain of link workers at work",
            unit: "strain",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: false,
        },
        Referrals => "referrals" {
            label: "Referrals over the period",
            phrase: "referrals",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        PatientsSeen => "patients_seen" {
            label: "Patients seen over the period",
            phrase: "patients seen",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Higher,
            headline: true,
        },
        WaitMeanDays => "wait_mean_days" {
            label: "Wait for a first contact, mean (days)",
            phrase: "mean wait for a first contact",
            unit: "days",
            quantity: Quantity::Duration,
            better: Better::Lower,
            headline: false,
        },
        WaitP90Days => "wait_p90_days" {
            label: "Wait for a first contact, 9 in 10 within (days)",
            phrase: "wait within which 9 in 10 are seen",
            unit: "days",
            quantity: Quantity::Duration,
            better: Better::Lower,
            headline: true,
        },
        ShareGaveUpWaiting => "share_gave_up_waiting" {
            label: "Share who gave up waiting",
            phrase: "share of patients who gave up waiting for a first contact",
            unit: "share of patients who waited",
            quantity: Quantity::Share,
            better: Better::Lower,
            headline: false,
        },
        DischargedConnected => "discharged_connected" {
            label: "Discharged: connected",
            phrase: "patients discharged connected",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Higher,
            headline: false,
        },
        DischargedResolved => "discharged_resolved" {
            label: "Discharged: holding resolved",
            phrase: "patients discharged with their holding resolved",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Higher,
            headline: false,
        },
        ReturnedToGp => "returned_to_gp" {
            label: "Returned to GP over the period",
            phrase: "patients returned to the GP",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ReturnedQueueDropout => "returned_queue_dropout" {
            label: "Returned to GP: gave up waiting",
            phrase: "patients who gave up waiting",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ReturnedBoundary => "returned_boundary" {
            label: "Returned to GP: holding time limit",
            phrase: "patients returned to the GP at the holding time limit",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ReturnedRupture => "returned_rupture" {
            label: "Returned to GP: lost their link worker",
            phrase: "patients returned to the GP after losing their link worker",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ShareReturnedToGp => "share_returned_to_gp" {
            label: "Share returned to GP",
            phrase: "share of patients returned to the GP",
            unit: "share of patients leaving",
            quantity: Quantity::Share,
            better: Better::Lower,
            headline: true,
        },
        RupturesPer100Referrals => "ruptures_per_100_referrals" {
            label: "Patients who lost their link worker, per 100 referrals",
            phrase: "patients who lost their link worker per 100 referrals",
            unit: "per 100 referrals",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        HeldPatientWeeks => "held_patient_weeks" {
            label: "Weeks of holding (patient-weeks)",
            phrase: "patient-weeks of holding",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        HeldPatientWeeksWaiting => "held_patient_weeks_waiting" {
            label: "Weeks of holding: waiting for a service",
            phrase: "patient-weeks of holding while waiting for a service",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        HeldPatientWeeksPreparing => "held_patient_weeks_preparing" {
            label: "Weeks of holding: preparing for change",
            phrase: "patient-weeks of holding while preparing for change",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        HeldPatientWeeksWitnessing => "held_patient_weeks_witnessing" {
            label: "Weeks of holding: bearing witness to distress",
            phrase: "patient-weeks of bearing witness to distress",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        EmotionalLoad => "emotional_load" {
            label: "Emotional load (distress-weighted hours)",
            phrase: "emotional load",
            unit: "distress-weighted hours",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: false,
        },
        PatientsPerLwYear => "patients_per_lw_year" {
            label: "Patients seen per post-year",
            phrase: "patients seen per post-year",
            unit: "patients per post-year",
            quantity: Quantity::Count,
            better: Better::Higher,
            headline: false,
        },
        CostPosts => "cost_posts" {
            label: "Cost: link worker posts (£)",
            phrase: "cost of link worker posts",
            unit: "£",
            quantity: Quantity::Amount,
            better: Better::Neither,
            headline: false,
        },
        CostRecruitment => "cost_recruitment" {
            label: "Cost: recruitment (£)",
            phrase: "cost of recruitment",
            unit: "£",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: false,
        },
        CostSupervision => "cost_supervision" {
            label: "Cost: supervision (£)",
            phrase: "cost of supervision",
            unit: "£",
            quantity: Quantity::Amount,
            better: Better::Neither,
            headline: false,
        },
        CostTraining => "cost_training" {
            label: "Cost: training (£)",
            phrase: "cost of training",
            unit: "£",
            quantity: Quantity::Amount,
            better: Better::Neither,
            headline: false,
        },
        Cost => "cost" {
            label: "Cost over the period (£)",
            phrase: "total cost",
            unit: "£",
            quantity: Quantity::Amount,
            better: Better::Neither,
            headline: false,
        },
        CostPerYear => "cost_per_year" {
            label: "Cost per year (£)",
            phrase: "cost per year",
            unit: "£ per year",
            quantity: Quantity::Amount,
            better: Better::Neither,
            headline: false,
        },
        CostPerPatientSeen => "cost_per_patient_seen" {
            label: "Cost per patient seen (£)",
            phrase: "cost per patient seen",
            unit: "£ per patient seen",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: true,
        },
        CostPerPatientDischarged => "cost_per_patient_discharged" {
            label: "Cost per patient discharged (£)",
            phrase: "cost per patient discharged",
            unit: "£ per patient discharged",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: false,
        },
    }
);

/// What a reader needs to know about a KPI besides its values; pure data, so every
/// front end (terminal, report, plots, web, Python) reads the same words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KpiInfo {
    /// A short description with the unit, for table rows and panel titles.
    pub label: &'static str,
    /// A lower-case noun phrase for sentences ("57% fewer {phrase} than baseline").
    pub phrase: &'static str,
    /// The unit of a value, for axis titles and unit columns.
    pub unit: &'static str,
    pub quantity: Quantity,
    pub better: Better,
    /// One of the few KPIs shown first (headline sentences, the comparison chart).
    pub headline: bool,
}

/// What kind of number a KPI is: decides how a change is worded (fewer exits, a
/// shorter wait, a lower cost) and whether it is shown as a percentage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// A count of events or people, or a rate of them ("more" / "fewer").
    Count,
    /// A time span ("longer" / "shorter").
    Duration,
    /// A fraction of a whole, between 0 and 1 ("higher" / "lower"; shown as %).
    Share,
    /// Money, strain or load ("higher" / "lower").
    Amount,
}

/// Which way a KPI moves when the service is better off; `Neither` where more is not
/// simply good or bad (demand, total cost, holding that is the work itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    Neither,
}

impl Kpi {
    /// A short human description with the unit, for tables and reports.
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// The headline KPIs, in column order.
    pub fn headlines() -> Vec<Kpi> {
        ALL_KPIS.into_iter().filter(|k| k.info().headline).collect()
    }

    pub fn from_name(name: &str) -> Option<Kpi> {
        ALL_KPIS.into_iter().find(|k| k.name() == name)
    }

    /// KPIs by name, or an error naming the unknown one and listing every KPI.
    pub fn parse_list(names: &[String]) -> Result<Vec<Kpi>, String> {
        names
            .iter()
            .map(|k| {
                Kpi::from_name(k).ok_or_else(|| {
                    format!(
                        "unknown KPI `{k}`; KPIs: {}",
                        ALL_KPIS.map(|k| k.name()).join(", ")
                    )
                })
            })
            .collect()
    }
}

/// One replication's KPI values, indexed by [`Kpi`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kpis(pub [Option<f64>; KPI_COUNT]);

impl std::ops::Index<Kpi> for Kpis {
    type Output = Option<f64>;
    fn index(&self, k: Kpi) -> &Option<f64> {
        &self.0[k as usize]
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Computes the KPIs of one replication.
pub fn compute(model: &Model, rep: &Replication) -> Kpis {
    use Kpi::*;
    let w = &rep.window;
    let post_years = model.post_years();
    let post_days = model.post_years() * 365.0;
    let discharges = w[Series::DischargedConnected] + w[Series::DischargedResolved];
    let returns =
        w[Series::ReturnedQueueDropout] + w[Series::ReturnedBoundary] + w[Series::ReturnedRupture];
    // Patients seen: everyone who left after being assigned a link worker.
    let seen = discharges + w[Series::ReturnedAfterAssignment];
    // Posts, supervision and training per filled post-day (Active or SickLeave) and
    // recruitment per hire, accrued site by site with each site's own costs.
    let cost = w[Series::Cost];

    let mut k = [None; KPI_COUNT];
    let mut set = |kpi: Kpi, v: Option<f64>| k[kpi as usize] = v;
    set(BurnoutsPerPostYear, ratio(w[Series::Burnouts], post_years));
    set(ExitsPerPostYear, ratio(w[Series::Exits], post_years));
    set(Burnouts, Some(w[Series::Burnouts]));
    set(Exits, Some(w[Series::Exits]));
    set(VacancyFraction, ratio(w[Series::LwVacant], post_days));
    set(MeanStrain, ratio(w[Series::Strain], w[Series::LwActive]));
    set(Referrals, Some(w[Series::Referrals]));
    set(PatientsSeen, Some(seen));
    set(
        WaitMeanDays,
        ratio(rep.waits.total_days as f64, rep.waits.count as f64),
    );
    set(WaitP90Days, rep.waits.p90_days.map(f64::from));
    // Of the patients whose wait ended in the window, the share who gave up before a
    // first contact: the waits above leave them out, so the two are read together.
    let dropouts = w[Series::ReturnedQueueDropout];
    set(
        ShareGaveUpWaiting,
        ratio(dropouts, rep.waits.count as f64 + dropouts),
    );
    set(DischargedConnected, Some(w[Series::DischargedConnected]));
    set(DischargedResolved, Some(w[Series::DischargedResolved]));
    set(ReturnedToGp, Some(returns));
    set(ReturnedQueueDropout, Some(dropouts));
    set(ReturnedBoundary, Some(w[Series::ReturnedBoundary]));
    set(ReturnedRupture, Some(w[Series::ReturnedRupture]));
    set(ShareReturnedToGp, ratio(returns, discharges + returns));
    set(
        RupturesPer100Referrals,
        ratio(100.0 * w[Series::Ruptures], w[Series::Referrals]),
    );
    set(HeldPatientWeeks, Some(w[Series::Holding] / 7.0));
    set(
        HeldPatientWeeksWaiting,
        Some(w[Series::HoldingWaiting] / 7.0),
    );
    set(
        HeldPatientWeeksPreparing,
        Some(w[Series::HoldingPreparing] / 7.0),
    );
    set(
        HeldPatientWeeksWitnessing,
        Some(w[Series::HoldingWitnessing] / 7.0),
    );
    set(EmotionalLoad, Some(w[Series::EmotionalLoad]));
    set(PatientsPerLwYear, ratio(seen, post_years));
    set(CostPosts, Some(w[Series::CostPosts]));
    set(CostRecruitment, Some(w[Series::CostRecruitment]));
    set(CostSupervision, Some(w[Series::CostSupervision]));
    set(CostTraining, Some(w[Series::CostTraining]));
    set(Cost, Some(cost));
    set(CostPerYear, ratio(cost, model.window_years()));
    set(CostPerPatientSeen, ratio(cost, seen));
    set(CostPerPatientDischarged, ratio(cost, discharges));
    Kpis(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_headline_has_a_direction_that_is_better() {
        let headlines = Kpi::headlines();
        assert!(!headlines.is_empty());
        for k in headlines {
            assert_ne!(k.info().better, Better::Neither, "{k:?}");
        }
    }

    #[test]
    fn labels_phrases_and_units_are_filled_in_and_phrases_read_in_a_sentence() {
        for k in ALL_KPIS {
            let i = k.info();
            assert!(!i.label.is_empty() && !i.unit.is_empty(), "{k:?}");
            assert!(
                i.phrase.chars().next().is_some_and(|c| !c.is_uppercase()),
                "{k:?}: `{}` should not start with a capital: it is read mid-sentence",
                i.phrase
            );
        }
        let shares: Vec<Kpi> = ALL_KPIS
            .into_iter()
            .filter(|k| k.info().quantity == Quantity::Share)
            .collect();
        assert_eq!(
            shares,
            [
                Kpi::VacancyFraction,
                Kpi::ShareGaveUpWaiting,
                Kpi::ShareReturnedToGp
            ]
        );
    }
}

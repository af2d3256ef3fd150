//! Summary KPIs of one replication, defined exactly as docs/model.md § 7.10: ratios of window
//! totals over all sites (never averages of per-site values); `None` where undefined.

use crate::catalogue::catalogue;
use crate::engine::Replication;
use crate::engine::record::Series;
use crate::model::Model;

catalogue!(
    /// Every KPI, in output column order, with what a reader needs to know about it.
    /// Headlines: the KPIs with a clear better direction that a commissioner reads
    /// first — workforce (exits, burnouts), access (p90 wait), outcome (share returned
    /// to the GP) and value (cost per patient discharged).
    Kpi, ALL_KPIS, KPI_COUNT, KpiInfo {
        BurnoutsPerPostYear => "burnouts_per_post_year" {
            label: "Burnouts per post-year",
            phrase: "burnouts per post-year",
            unit: "per post-year",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: true,
        },
        ExitsPerPostYear => "exits_per_post_year" {
            label: "Exits per post-year",
            phrase: "link worker exits per post-year",
            unit: "per post-year",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: true,
        },
        VacancyFraction => "vacancy_fraction" {
            label: "Share of post-days vacant",
            phrase: "share of post-days vacant",
            unit: "share of post-days",
            quantity: Quantity::Share,
            better: Better::Lower,
            headline: false,
        },
        MeanStrain => "mean_strain" {
            label: "Mean strain (Active LW-days)",
            phrase: "mean strain of active link workers",
            unit: "strain",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: false,
        },
        Referrals => "referrals" {
            label: "Referrals",
            phrase: "referrals",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        WaitMeanDays => "wait_mean_days" {
            label: "Wait to first contact, mean (days)",
            phrase: "mean wait for a first contact",
            unit: "days",
            quantity: Quantity::Duration,
            better: Better::Lower,
            headline: false,
        },
        WaitP90Days => "wait_p90_days" {
            label: "Wait to first contact, p90 (days)",
            phrase: "90th-percentile wait for a first contact",
            unit: "days",
            quantity: Quantity::Duration,
            better: Better::Lower,
            headline: true,
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
        ReturnedQueueDropout => "returned_queue_dropout" {
            label: "Returned to GP: gave up waiting",
            phrase: "patients who gave up waiting",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ReturnedBoundary => "returned_boundary" {
            label: "Returned to GP: holding boundary",
            phrase: "patients returned to the GP at the holding boundary",
            unit: "patients",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        ReturnedRupture => "returned_rupture" {
            label: "Returned to GP: lost their LW",
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
            label: "Ruptures per 100 referrals",
            phrase: "ruptures per 100 referrals",
            unit: "per 100 referrals",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        HeldPatientWeeks => "held_patient_weeks" {
            label: "Held patient-weeks",
            phrase: "patient-weeks of holding",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        HeldPatientWeeksWaiting => "held_patient_weeks_waiting" {
            label: "Held patient-weeks: waiting",
            phrase: "patient-weeks of holding while waiting",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Lower,
            headline: false,
        },
        HeldPatientWeeksPreparing => "held_patient_weeks_preparing" {
            label: "Held patient-weeks: preparing",
            phrase: "patient-weeks of holding while preparing",
            unit: "patient-weeks",
            quantity: Quantity::Count,
            better: Better::Neither,
            headline: false,
        },
        HeldPatientWeeksWitnessing => "held_patient_weeks_witnessing" {
            label: "Held patient-weeks: witnessing",
            phrase: "patient-weeks of holding while witnessing",
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
            label: "Patients per LW per year",
            phrase: "patients per link worker per year",
            unit: "patients per post-year",
            quantity: Quantity::Count,
            better: Better::Higher,
            headline: false,
        },
        Cost => "cost" {
            label: "Cost (£)",
            phrase: "cost",
            unit: "£",
            quantity: Quantity::Amount,
            better: Better::Neither,
            headline: false,
        },
        CostPerPatientDischarged => "cost_per_patient_discharged" {
            label: "Cost per patient discharged (£)",
            phrase: "cost per patient discharged",
            unit: "£ per patient discharged",
            quantity: Quantity::Amount,
            better: Better::Lower,
            headline: true,
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
    // lw_cost_per_year per filled post-day (Active or SickLeave) and recruitment_cost per
    // hire, accrued site by site with each site's own costs.
    let cost = w[Series::Cost];

    let mut k = [None; KPI_COUNT];
    let mut set = |kpi: Kpi, v: Option<f64>| k[kpi as usize] = v;
    set(BurnoutsPerPostYear, ratio(w[Series::Burnouts], post_years));
    set(ExitsPerPostYear, ratio(w[Series::Exits], post_years));
    set(VacancyFraction, ratio(w[Series::LwVacant], post_days));
    set(MeanStrain, ratio(w[Series::Strain], w[Series::LwActive]));
    set(Referrals, Some(w[Series::Referrals]));
    set(
        WaitMeanDays,
        ratio(rep.waits.total_days as f64, rep.waits.count as f64),
    );
    set(WaitP90Days, rep.waits.p90_days.map(f64::from));
    set(DischargedConnected, Some(w[Series::DischargedConnected]));
    set(DischargedResolved, Some(w[Series::DischargedResolved]));
    set(ReturnedQueueDropout, Some(w[Series::ReturnedQueueDropout]));
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
    set(
        PatientsPerLwYear,
        ratio(discharges + w[Series::ReturnedAfterAssignment], post_years),
    );
    set(Cost, Some(cost));
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
        assert_eq!(shares, [Kpi::VacancyFraction, Kpi::ShareReturnedToGp]);
    }
}

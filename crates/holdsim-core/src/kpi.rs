//! Summary KPIs of one replication, defined exactly as docs/model.md § 7.10: ratios of window
//! totals over all sites (never averages of per-site values); `None` where undefined.

use crate::catalogue::catalogue;
use crate::engine::Replication;
use crate::engine::record::Series;
use crate::model::Model;

catalogue!(
    /// Every KPI, in output column order.
    Kpi, ALL_KPIS, KPI_COUNT {
        BurnoutsPerPostYear => "burnouts_per_post_year",
        ExitsPerPostYear => "exits_per_post_year",
        VacancyFraction => "vacancy_fraction",
        MeanStrain => "mean_strain",
        Referrals => "referrals",
        WaitMeanDays => "wait_mean_days",
        WaitP90Days => "wait_p90_days",
        DischargedConnected => "discharged_connected",
        DischargedResolved => "discharged_resolved",
        ReturnedQueueDropout => "returned_queue_dropout",
        ReturnedBoundary => "returned_boundary",
        ReturnedRupture => "returned_rupture",
        ShareReturnedToGp => "share_returned_to_gp",
        RupturesPer100Referrals => "ruptures_per_100_referrals",
        HeldPatientWeeks => "held_patient_weeks",
        HeldPatientWeeksWaiting => "held_patient_weeks_waiting",
        HeldPatientWeeksPreparing => "held_patient_weeks_preparing",
        HeldPatientWeeksWitnessing => "held_patient_weeks_witnessing",
        EmotionalLoad => "emotional_load",
        PatientsPerLwYear => "patients_per_lw_year",
        Cost => "cost",
        CostPerPatientDischarged => "cost_per_patient_discharged",
    }
);

impl Kpi {
    /// A short human description with the unit, for tables and reports.
    pub fn label(self) -> &'static str {
        use Kpi::*;
        match self {
            BurnoutsPerPostYear => "Burnouts per post-year",
            ExitsPerPostYear => "Exits per post-year",
            VacancyFraction => "Share of post-days vacant",
            MeanStrain => "Mean strain (Active LW-days)",
            Referrals => "Referrals",
            WaitMeanDays => "Wait to first contact, mean (days)",
            WaitP90Days => "Wait to first contact, p90 (days)",
            DischargedConnected => "Discharged: connected",
            DischargedResolved => "Discharged: holding resolved",
            ReturnedQueueDropout => "Returned to GP: gave up waiting",
            ReturnedBoundary => "Returned to GP: holding boundary",
            ReturnedRupture => "Returned to GP: lost their LW",
            ShareReturnedToGp => "Share returned to GP",
            RupturesPer100Referrals => "Ruptures per 100 referrals",
            HeldPatientWeeks => "Held patient-weeks",
            HeldPatientWeeksWaiting => "Held patient-weeks: waiting",
            HeldPatientWeeksPreparing => "Held patient-weeks: preparing",
            HeldPatientWeeksWitnessing => "Held patient-weeks: witnessing",
            EmotionalLoad => "Emotional load (distress-weighted hours)",
            PatientsPerLwYear => "Patients per LW per year",
            Cost => "Cost (£)",
            CostPerPatientDischarged => "Cost per patient discharged (£)",
        }
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

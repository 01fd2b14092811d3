//! Referrals (« orientations »): a scheme or a catalyseur refers an organisation's request to
//! another scheme — typically from a national programme to its local relay, or the reverse. The
//! workflow: sent → taken in charge → closed with an outcome; or redirected to another scheme
//! (a new referral follows). Delays are measured from the dates of each step.

use serde::Serialize;

nomenclature!(
    /// Where a referral stands.
    EtatOrientation {
        Envoyee => ("envoyee", "Envoyée", "Sent"),
        PriseEnCharge => ("prise-en-charge", "Prise en charge", "Taken in charge"),
        Cloturee => ("cloturee", "Clôturée", "Closed"),
        Redirigee => ("redirigee", "Redirigée", "Redirected"),
    }
);

nomenclature!(
    /// How a closed referral ended.
    Issue {
        Accompagnee => ("accompagnee", "Accompagnement réalisé", "Accompanied"),
        Financee => ("financee", "Financement obtenu", "Funded"),
        MiseEnRelation => ("mise-en-relation", "Mise en relation faite", "Introduced"),
        SansSuite => ("sans-suite", "Sans suite", "No follow-up"),
        HorsChamp => ("hors-champ", "Hors du champ du dispositif", "Out of scope"),
    }
);

/// The steps a receiving scheme may take from a state.
pub fn suivantes(e: EtatOrientation) -> &'static [EtatOrientation] {
    use EtatOrientation::*;
    match e {
        Envoyee => &[PriseEnCharge, Redirigee, Cloturee],
        PriseEnCharge => &[Cloturee, Redirigee],
        Cloturee | Redirigee => &[],
    }
}

/// Whether `vers` may follow `de`.
pub fn transition_permise(de: EtatOrientation, vers: EtatOrientation) -> bool {
    suivantes(de).contains(&vers)
}

/// The articulation indicators of a relay or a département: referrals received, taken in
/// charge, and the median delay to take charge (in days, from the ones taken in charge).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Articulation {
    pub recues: usize,
    pub prises_en_charge: usize,
    pub cloturees: usize,
    pub redirigees: usize,
    pub delai_median_jours: Option<f64>,
}

/// Computes the indicators from each referral's state and its delay to take charge (seconds;
/// None when not taken in charge).
pub fn articulation(orientations: &[(EtatOrientation, Option<i64>)]) -> Articulation {
    let mut delais: Vec<i64> = orientations.iter().filter_map(|(_, d)| *d).collect();
    delais.sort_unstable();
    let median = match delais.len() {
        0 => None,
        n if n % 2 == 1 => Some(delais[n / 2] as f64 / 86_400.0),
        n => Some((delais[n / 2 - 1] + delais[n / 2]) as f64 / 2.0 / 86_400.0),
    };
    let compte = |e: EtatOrientation| orientations.iter().filter(|(x, _)| *x == e).count();
    Articulation {
        recues: orientations.len(),
        prises_en_charge: orientations.iter().filter(|(_, d)| d.is_some()).count(),
        cloturees: compte(EtatOrientation::Cloturee),
        redirigees: compte(EtatOrientation::Redirigee),
        delai_median_jours: median.map(|m| (m * 10.0).round() / 10.0),
    }
}

#[cfg(test)]
mod tests {
    use super::EtatOrientation::*;
    use super::*;

    #[test]
    fn the_workflow_only_moves_forward() {
        assert!(transition_permise(Envoyee, PriseEnCharge));
        assert!(transition_permise(PriseEnCharge, Cloturee));
        assert!(transition_permise(Envoyee, Redirigee));
        assert!(!transition_permise(Cloturee, PriseEnCharge));
        assert!(!transition_permise(PriseEnCharge, Envoyee));
        assert!(!transition_permise(Redirigee, Cloturee));
    }

    #[test]
    fn the_median_delay_counts_only_referrals_taken_in_charge() {
        let j = 86_400;
        let a = articulation(&[
            (Cloturee, Some(2 * j)),
            (PriseEnCharge, Some(4 * j)),
            (Envoyee, None),
            (Redirigee, Some(j)),
        ]);
        assert_eq!(a.recues, 4);
        assert_eq!(a.prises_en_charge, 3);
        assert_eq!(a.delai_median_jours, Some(2.0));
        let b = articulation(&[(Cloturee, Some(j)), (Cloturee, Some(2 * j))]);
        assert_eq!(b.delai_median_jours, Some(1.5));
        assert_eq!(articulation(&[]).delai_median_jours, None);
    }
}

//! Ingénieries: the support schemes (« dispositifs d'accompagnement ») and the services they offer.
//!
//! The list of services is shared by the kits (recommendations point to the services a result
//! calls for) and the support schemes that publish their coverage.

nomenclature!(
    /// What a support scheme does for the actors it accompanies.
    Service {
        Diagnostic => ("diagnostic", "Diagnostic", "Diagnosis"),
        StrategiePartenariale => ("strategie-partenariale", "Stratégie partenariale", "Partnership strategy"),
        MiseEnRelation => ("mise-en-relation", "Mise en relation", "Introductions"),
        AnimationTerritoriale => ("animation-territoriale", "Animation territoriale", "Territorial facilitation"),
        Formation => ("formation", "Formation", "Training"),
        Financement => ("financement", "Financement", "Funding"),
        IngenierieProjet => ("ingenierie-projet", "Ingénierie de projet", "Project engineering"),
        Evaluation => ("evaluation", "Évaluation", "Evaluation"),
        Juridique => ("juridique", "Conseil juridique", "Legal advice"),
        Incubation => ("incubation", "Incubation", "Incubation"),
        LieuPartage => ("lieu-partage", "Lieu partagé", "Shared place"),
        Valorisation => ("valorisation", "Valorisation", "Showcasing"),
    }
);

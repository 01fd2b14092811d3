//! Ingénieries: the support schemes (« dispositifs d'accompagnement »), the services they offer,
//! their coverage and how they are articulated (a territorial scheme relays a national one).
//!
//! - this module: the closed lists — services, the scheme's level, the kind of engineering;
//! - [`dispositif`]: a scheme as typed and checked, its coverage, the relay links without cycles;
//! - [`orientation`]: referrals between schemes and their workflow;
//! - [`programme`]: support programmes run by schemes, open between two dates.
//!
//! The list of services is shared by the kits (recommendations point to the services a result
//! calls for) and the support schemes that publish their coverage.

pub mod dispositif;
pub mod orientation;
pub mod programme;
pub mod veille;

nomenclature!(
    /// What a support scheme does for the actors it accompanies.
    Service {
        Diagnostic => ("diagnostic", "Diagnostic", "Diagnosis"),
        Accompagnement => ("accompagnement", "Accompagnement", "Accompaniment"),
        StrategiePartenariale => ("strategie-partenariale", "Stratégie partenariale", "Partnership strategy"),
        MiseEnRelation => ("mise-en-relation", "Mise en relation", "Introductions"),
        AnimationTerritoriale => ("animation-territoriale", "Animation territoriale", "Territorial facilitation"),
        Formation => ("formation", "Formation", "Training"),
        Financement => ("financement", "Financement", "Funding"),
        IngenierieProjet => ("ingenierie-projet", "Ingénierie de projet", "Project engineering"),
        Evaluation => ("evaluation", "Évaluation", "Evaluation"),
        Juridique => ("juridique", "Conseil juridique", "Legal advice"),
        Incubation => ("incubation", "Incubation", "Incubation"),
        LieuPartage => ("lieu-partage", "Lieu partagé, tiers-lieu", "Shared place, third place"),
        Valorisation => ("valorisation", "Valorisation", "Showcasing"),
    }
);

nomenclature!(
    /// The level a scheme is run at (and so the widest coverage it may claim).
    NiveauDispositif {
        National => ("national", "National", "National"),
        Regional => ("regional", "Régional", "Regional"),
        Departemental => ("departemental", "Départemental", "Departmental"),
        Local => ("local", "Local", "Local"),
    }
);

nomenclature!(
    /// The three territorial engineerings.
    Ingenierie {
        Publique => ("publique", "Ingénierie publique", "Public engineering"),
        Projet => ("projet", "Ingénierie de projet", "Project-management engineering"),
        Catalyse => ("catalyse", "Catalyse territoriale", "Territorial catalysis"),
    }
);

//! Ressources: methods, examples, data, tools and trainings, filed by theme.
//!
//! The themes are shared by the kits (a recommendation points to the resources of a theme) and
//! the resource library.

nomenclature!(
    /// Themes of the resource library.
    Theme {
        Odd => ("odd", "Objectifs de développement durable", "Sustainable Development Goals"),
        Partenariats => ("partenariats", "Partenariats", "Partnerships"),
        Gouvernance => ("gouvernance", "Gouvernance", "Governance"),
        Evaluation => ("evaluation", "Évaluation", "Evaluation"),
        ImpactCollectif => ("impact-collectif", "Impact collectif", "Collective impact"),
        CoConstruction => ("co-construction", "Co-construction territoriale", "Territorial co-construction"),
        Catalyse => ("catalyse", "Catalyse territoriale", "Territorial catalysis"),
        Ingenieries => ("ingenieries", "Ingénieries territoriales", "Territorial engineering"),
        ModeleEconomique => ("modele-economique", "Modèle économique", "Business model"),
        Valorisation => ("valorisation", "Valorisation", "Showcasing"),
        Mecenat => ("mecenat", "Mécénat", "Sponsorship"),
        Experimentation => ("experimentation", "Expérimentation", "Experimentation"),
    }
);

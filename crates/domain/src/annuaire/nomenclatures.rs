//! The closed lists of the annuaire — actor profiles and their sub-types, size bands, kinds of
//! resources offered or needed, partnership types, legal state — each with a stable slug (URLs,
//! API, database), a French and an English label.

nomenclature!(
    /// The actor profiles of the ecosystem of general interest.
    Profil {
        Association => ("association", "Association", "Association"),
        Fondation => ("fondation", "Fondation, fonds de dotation", "Foundation, endowment fund"),
        Entreprise => ("entreprise", "Entreprise", "Company"),
        Collectivite => ("collectivite", "Collectivité territoriale", "Local authority"),
        EtatOperateur => ("etat-operateur", "État et opérateur public", "State and public operator"),
        StructureAccompagnement => ("structure-accompagnement", "Structure d'accompagnement", "Support structure"),
        ActeurAcademique => ("acteur-academique", "Acteur académique", "Academic actor"),
        Syndicat => ("syndicat", "Syndicat, partenaire social", "Union, social partner"),
        Media => ("media", "Média", "Media"),
        CollectifCitoyen => ("collectif-citoyen", "Collectif citoyen", "Citizen collective"),
    }
);

nomenclature!(
    /// Sub-types, each belonging to one profile (see [`SousType::profil`]).
    SousType {
        AssociationEmployeuse => ("association-employeuse", "Association employeuse", "Employer association"),
        AssociationNonEmployeuse => ("association-non-employeuse", "Association sans salarié", "Association without employees"),
        FondationReconnue => ("fondation-rup", "Fondation reconnue d'utilité publique", "Public-interest foundation"),
        FondationEntreprise => ("fondation-entreprise", "Fondation d'entreprise", "Corporate foundation"),
        FondationTerritoriale => ("fondation-territoriale", "Fondation territoriale", "Community foundation"),
        FondsDotation => ("fonds-dotation", "Fonds de dotation", "Endowment fund"),
        Microentreprise => ("microentreprise", "Microentreprise", "Micro company"),
        Pme => ("pme", "PME", "SME"),
        Eti => ("eti", "Entreprise de taille intermédiaire", "Mid-cap company"),
        GrandeEntreprise => ("grande-entreprise", "Grande entreprise", "Large company"),
        EntrepriseEss => ("entreprise-ess", "Entreprise de l'ESS", "Social economy company"),
        Commune => ("commune", "Commune", "Commune"),
        Epci => ("epci", "Intercommunalité (EPCI)", "Intercommunality (EPCI)"),
        Departement => ("departement", "Département", "Département"),
        Region => ("region", "Région", "Région"),
        ServiceEtat => ("service-etat", "Service de l'État", "State service"),
        OperateurPublic => ("operateur-public", "Opérateur public", "Public operator"),
        ReseauAccompagnement => ("reseau-accompagnement", "Réseau d'accompagnement", "Support network"),
        Universite => ("universite", "Université, école", "University, school"),
        Laboratoire => ("laboratoire", "Laboratoire de recherche", "Research lab"),
    }
);

impl SousType {
    pub fn profil(self) -> Profil {
        use SousType::*;
        match self {
            AssociationEmployeuse | AssociationNonEmployeuse => Profil::Association,
            FondationReconnue | FondationEntreprise | FondationTerritoriale | FondsDotation => {
                Profil::Fondation
            }
            Microentreprise | Pme | Eti | GrandeEntreprise | EntrepriseEss => Profil::Entreprise,
            Commune | Epci | Departement | Region => Profil::Collectivite,
            ServiceEtat | OperateurPublic => Profil::EtatOperateur,
            ReseauAccompagnement => Profil::StructureAccompagnement,
            Universite | Laboratoire => Profil::ActeurAcademique,
        }
    }

    /// The sub-types that belong to a profile.
    pub fn of(profil: Profil) -> impl Iterator<Item = SousType> {
        SousType::ALL
            .iter()
            .copied()
            .filter(move |s| s.profil() == profil)
    }
}

nomenclature!(
    /// Headcount bands (INSEE's "tranche d'effectif", grouped).
    Taille {
        Aucun => ("0", "Aucun salarié", "No employee"),
        De1a9 => ("1-9", "1 à 9 salariés", "1 to 9 employees"),
        De10a49 => ("10-49", "10 à 49 salariés", "10 to 49 employees"),
        De50a249 => ("50-249", "50 à 249 salariés", "50 to 249 employees"),
        De250a4999 => ("250-4999", "250 à 4 999 salariés", "250 to 4,999 employees"),
        Plus5000 => ("5000+", "5 000 salariés et plus", "5,000 employees or more"),
    }
);

nomenclature!(
    /// Kinds of resources an organisation offers or needs.
    NatureRessource {
        Competences => ("competences", "Compétences, mécénat de compétences", "Skills, skills-based sponsorship"),
        Financement => ("financement", "Financement", "Funding"),
        Benevolat => ("benevolat", "Bénévolat", "Volunteering"),
        Locaux => ("locaux", "Locaux et équipements", "Premises and equipment"),
        Donnees => ("donnees", "Données et études", "Data and studies"),
        Reseau => ("reseau", "Réseau et visibilité", "Network and visibility"),
        Expertise => ("expertise", "Expertise et ingénierie", "Expertise and engineering"),
        Achats => ("achats", "Achats et coopération économique", "Purchasing and economic cooperation"),
    }
);

nomenclature!(
    /// Partnership types (association–company typology).
    TypePartenariat {
        MecenatFinancier => ("mecenat-financier", "Mécénat financier", "Financial sponsorship"),
        MecenatNature => ("mecenat-nature", "Mécénat en nature", "In-kind sponsorship"),
        MecenatLogistique => ("mecenat-logistique", "Mécénat logistique", "Logistical sponsorship"),
        MecenatCompetences => ("mecenat-competences", "Mécénat de compétences", "Skills-based sponsorship"),
        PratiquesResponsables => ("pratiques-responsables", "Pratiques responsables", "Responsible practices"),
        CooperationEconomique => ("cooperation-economique", "Coopération économique", "Economic cooperation"),
        InnovationSocietale => ("innovation-societale", "Innovation sociétale", "Societal innovation"),
    }
);

nomenclature!(
    /// Legal state of the organisation as registers report it.
    Etat {
        Active => ("active", "En activité", "Active"),
        Dissoute => ("dissoute", "Dissoute", "Dissolved"),
        Fermee => ("fermee", "Fermée", "Closed"),
        Supprimee => ("supprimee", "Supprimée du registre", "Removed from the register"),
    }
);

nomenclature!(
    /// Whether a resource is offered or needed.
    Sens {
        Offre => ("offre", "Offre", "Offer"),
        Besoin => ("besoin", "Besoin", "Need"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            slug: fn(T) -> &'static str,
            from: fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for v in all {
                assert!(seen.insert(slug(*v)), "duplicate slug {}", slug(*v));
                assert_eq!(from(slug(*v)), Some(*v));
            }
        }
        check(Profil::ALL, Profil::slug, Profil::from_slug);
        check(SousType::ALL, SousType::slug, SousType::from_slug);
        check(Taille::ALL, Taille::slug, Taille::from_slug);
        check(
            NatureRessource::ALL,
            NatureRessource::slug,
            NatureRessource::from_slug,
        );
        check(
            TypePartenariat::ALL,
            TypePartenariat::slug,
            TypePartenariat::from_slug,
        );
        check(Etat::ALL, Etat::slug, Etat::from_slug);
        assert_eq!(Profil::ALL.len(), 10);
        assert_eq!(NatureRessource::ALL.len(), 8);
    }

    #[test]
    fn every_profile_with_subtypes_lists_them() {
        assert_eq!(SousType::of(Profil::Collectivite).count(), 4);
        assert_eq!(SousType::of(Profil::Media).count(), 0);
        assert_eq!(SousType::Epci.profil(), Profil::Collectivite);
    }
}

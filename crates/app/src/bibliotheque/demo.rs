//! Demonstration content of the library: resources of every family, structured examples (some
//! tied to demonstration alliances and their member organisations), events past (with a replay)
//! and upcoming. Everything is fictional, written for the demo, and labelled « démonstration »
//! (`demo = 1`, shown on every list and page). Each record has a stable key (`cle_demo`):
//! loading the demo twice duplicates nothing.

use alliances_domain::bibliotheque::{
    valider_entree, valider_evenement, EntreeSaisie, EtatPublication, EvenementSaisie, LienSaisie,
};
use alliances_domain::territoires::Niveau;
use alliances_store::bibliotheque::{self as store, Provenance};
use alliances_store::{alliances as store_alliances, changes, kits as store_kits, organisations};

use super::{BibliothequeError, ENTITE, ENTITE_EVENEMENT};
use crate::{now, App};

/// A demonstration resource: key, family, title, summary, body, themes, SDGs, audiences, links.
struct Res {
    cle: &'static str,
    famille: &'static str,
    titre: &'static str,
    resume: &'static str,
    corps: &'static str,
    themes: &'static [&'static str],
    odd: &'static [&'static str],
    publics: &'static [&'static str],
    liens: &'static [&'static str],
}

const MENTION: &str = "\n\n*Contenu fictif de démonstration.*";

const RESSOURCES: &[Res] = &[
    Res { cle: "methode-comite-pilotage", famille: "methode", titre: "Animer le premier comité de pilotage d'une alliance",
        resume: "Une trame en cinq temps pour que chaque partenaire reparte avec un rôle clair et une date de prochaine étape.",
        corps: "## Avant la réunion\n\nEnvoyez à chacun la même question : « qu'attendez-vous de cette alliance dans un an ? ».\n\n## Déroulé proposé\n\n1. Tour de table des attentes (20 min)\n2. Ce que chacun apporte : temps, compétences, moyens (20 min)\n3. Un premier objectif commun, mesurable (30 min)\n4. Qui fait quoi d'ici la prochaine réunion (15 min)\n5. Date et lieu de la prochaine rencontre (5 min)\n\n## Après\n\nUn compte rendu d'une page, envoyé sous 48 heures.",
        themes: &["gouvernance", "partenariats"], odd: &["17"], publics: &[], liens: &[] },
    Res { cle: "methode-cartographie-acteurs", famille: "methode", titre: "Cartographier les acteurs d'un territoire en une demi-journée",
        resume: "Un atelier pour repérer qui agit déjà sur un enjeu, qui manque autour de la table et par qui commencer.",
        corps: "Réunissez six à dix personnes qui connaissent le territoire sous des angles différents.\n\n- **Cercle 1** : les acteurs qui agissent directement sur l'enjeu\n- **Cercle 2** : ceux qui pourraient y contribuer\n- **Cercle 3** : ceux qui en subissent les effets\n\nTerminez par trois noms à contacter dans le mois.",
        themes: &["co-construction", "catalyse"], odd: &["11", "17"], publics: &["collectivite", "structure-accompagnement"], liens: &[] },
    Res { cle: "methode-agenda-commun", famille: "methode", titre: "Écrire un agenda commun en trois réunions",
        resume: "Vision, objectifs partagés, théorie du changement : une méthode progressive pour que l'agenda soit réellement commun.",
        corps: "## Réunion 1 : la vision\n\nChaque partenaire écrit en une phrase le territoire qu'il souhaite dans dix ans.\n\n## Réunion 2 : les objectifs\n\nOn retient trois objectifs au plus, chacun avec un indicateur.\n\n## Réunion 3 : le chemin\n\nOn relie les actions aux objectifs : si nous faisons ceci, alors cela changera.",
        themes: &["impact-collectif", "gouvernance"], odd: &["17"], publics: &[], liens: &[] },
    Res { cle: "methode-mecenat-competences", famille: "methode", titre: "Monter un premier mécénat de compétences avec une association",
        resume: "Les étapes pour qu'une entreprise et une association s'accordent sur une mission utile, cadrée et valorisable.",
        corps: "1. Partir d'un besoin formulé par l'association, pas d'une offre de l'entreprise.\n2. Définir la mission : durée, compétences, livrable.\n3. Signer une convention simple.\n4. Faire un point à mi-parcours.\n5. Valoriser le résultat des deux côtés.\n\n> Une mission courte et réussie vaut mieux qu'un programme ambitieux qui s'essouffle.",
        themes: &["mecenat", "partenariats"], odd: &["8", "17"], publics: &["entreprise", "association"], liens: &[] },
    Res { cle: "methode-evaluation-participative", famille: "methode", titre: "Évaluer un partenariat avec les personnes concernées",
        resume: "Associer les bénéficiaires à l'évaluation : questions à poser, formats courts, restitution.",
        corps: "L'évaluation participative ne demande pas de gros moyens :\n\n- un **questionnaire de cinq questions** au plus ;\n- un **temps d'échange** de quarante-cinq minutes ;\n- une **restitution** aux personnes qui ont répondu.\n\nCe qui compte : dire ce qui changera grâce à leurs réponses.",
        themes: &["evaluation"], odd: &["10", "16"], publics: &["association", "collectif-citoyen"], liens: &[] },
    Res { cle: "methode-modele-economique", famille: "methode", titre: "Construire le modèle économique d'une coopération territoriale",
        resume: "Distinguer ce qui se finance par projet, par cotisation des membres et par contribution en nature.",
        corps: "## Trois sources à combiner\n\n| Source | Pour financer | Risque |\n|---|---|---|\n| Subventions de projet | les actions | la fin du projet |\n| Cotisations des membres | la coordination | l'engagement inégal |\n| Apports en nature | la logistique | l'invisibilité |\n\nUne coordination financée uniquement par projet disparaît avec lui.",
        themes: &["modele-economique"], odd: &["17"], publics: &["association", "collectivite", "fondation"], liens: &[] },
    Res { cle: "methode-essaimage", famille: "methode", titre: "Préparer l'essaimage d'une expérimentation réussie",
        resume: "Ce qui se transfère, ce qui ne se transfère pas, et comment accompagner un second territoire.",
        corps: "Avant d'essaimer, distinguez le **cœur** de l'expérimentation (ce qui fait son efficacité) de son **habillage** local.\n\nProposez au territoire suivant un binôme avec l'équipe d'origine pendant six mois.",
        themes: &["experimentation", "valorisation"], odd: &["17"], publics: &[], liens: &[] },
    Res { cle: "donnees-barometre-partenariats", famille: "donnees", titre: "Tableau de bord des partenariats associations–entreprises d'un département",
        resume: "Des chiffres fictifs pour montrer comment présenter l'état des coopérations d'un territoire.",
        corps: "Ce tableau de bord rassemble :\n\n- le nombre de partenariats déclarés par type ;\n- la part des associations employeuses engagées ;\n- l'évolution sur trois ans.\n\nLes chiffres présentés sont fictifs.",
        themes: &["partenariats", "evaluation"], odd: &["17"], publics: &["collectivite", "structure-accompagnement"], liens: &[] },
    Res { cle: "donnees-besoins-associations", famille: "donnees", titre: "Enquête sur les besoins des petites associations rurales",
        resume: "Synthèse d'une enquête fictive : bénévolat, locaux et financement arrivent en tête des besoins exprimés.",
        corps: "## Principaux enseignements\n\n1. Le renouvellement des bénévoles inquiète deux associations sur trois.\n2. L'accès à des locaux partagés est le premier besoin matériel.\n3. Les financements pluriannuels restent rares.",
        themes: &["co-construction"], odd: &["10", "11"], publics: &["association", "collectivite"], liens: &[] },
    Res { cle: "donnees-odd-territoires", famille: "donnees", titre: "Les ODD dans les projets de territoire : repères chiffrés",
        resume: "Quels objectifs de développement durable les projets de territoire citent-ils le plus ? Une lecture de données fictives.",
        corps: "Les objectifs les plus cités sont la **santé** (ODD 3), l'**éducation** (ODD 4) et les **villes durables** (ODD 11). Le partenariat (ODD 17) est rarement nommé, alors qu'il traverse tous les projets.",
        themes: &["odd"], odd: &["3", "4", "11", "17"], publics: &["collectivite", "etat-operateur"], liens: &[] },
    Res { cle: "donnees-mobilite-solidaire", famille: "donnees", titre: "Mobilité solidaire : chiffres clés d'un bassin de vie",
        resume: "Part des ménages sans voiture, temps d'accès aux services, offre de transport solidaire : un exemple de diagnostic.",
        corps: "Un diagnostic de mobilité solidaire s'appuie sur trois séries : les ménages sans véhicule, les temps d'accès aux services essentiels et l'offre existante (covoiturage, transport à la demande, garages solidaires).",
        themes: &["co-construction"], odd: &["1", "11"], publics: &["collectivite", "association"], liens: &[] },
    Res { cle: "outil-convention-type", famille: "outil", titre: "Modèle de convention de partenariat association–entreprise",
        resume: "Une convention courte, en huit articles, à adapter : objet, engagements, durée, communication, sortie.",
        corps: "## Les huit articles\n\n1. Objet\n2. Engagements de l'association\n3. Engagements de l'entreprise\n4. Durée\n5. Communication et usage des logos\n6. Suivi et évaluation\n7. Sortie anticipée\n8. Règlement des différends",
        themes: &["partenariats", "mecenat"], odd: &["17"], publics: &["association", "entreprise"], liens: &[] },
    Res { cle: "outil-grille-gouvernance", famille: "outil", titre: "Grille d'auto-positionnement de la gouvernance partagée",
        resume: "Douze questions pour voir où en est la gouvernance d'une alliance : décisions, information, rôles, conflits.",
        corps: "Chaque membre répond seul, puis le groupe compare les réponses. Les écarts sont plus instructifs que les moyennes.",
        themes: &["gouvernance"], odd: &["16", "17"], publics: &[], liens: &[] },
    Res { cle: "outil-indicateurs", famille: "outil", titre: "Bibliothèque d'indicateurs d'impact collectif",
        resume: "Une sélection d'indicateurs simples, classés par enjeu, avec leur définition et leur mode de collecte.",
        corps: "Pour chaque indicateur : sa **définition**, son **unité**, la **source** de la donnée et la **fréquence** de collecte conseillée.",
        themes: &["evaluation", "impact-collectif"], odd: &["17"], publics: &["structure-accompagnement", "collectivite"], liens: &[] },
    Res { cle: "outil-fiche-projet", famille: "outil", titre: "Fiche projet d'une page pour présenter une coopération",
        resume: "Un gabarit d'une page pour présenter un projet partenarial à un financeur ou à un élu.",
        corps: "Le problème, la réponse, les partenaires, le budget, le premier résultat attendu : une page, pas plus.",
        themes: &["valorisation"], odd: &["17"], publics: &[], liens: &[] },
    Res { cle: "outil-calendrier-financeurs", famille: "outil", titre: "Calendrier type des appels à projets d'une année",
        resume: "Quand se préparer ? Un calendrier fictif des appels à projets publics et privés pour anticiper.",
        corps: "Les fondations ouvrent souvent leurs appels au printemps ; les collectivités votent leurs budgets en fin d'année. Préparez vos dossiers trois mois avant.",
        themes: &["modele-economique"], odd: &["17"], publics: &["association"], liens: &[] },
    Res { cle: "formation-catalyseur", famille: "formation", titre: "Parcours « devenir catalyseur territorial »",
        resume: "Six modules pour apprendre à réunir, outiller et faire avancer des acteurs différents autour d'un enjeu local.",
        corps: "## Modules\n\n1. Comprendre les dynamiques d'acteurs\n2. Animer la coopération\n3. Construire un agenda commun\n4. Suivre et évaluer\n5. Financer la coordination\n6. Passer le relais",
        themes: &["catalyse", "co-construction"], odd: &["17"], publics: &["structure-accompagnement", "collectivite"], liens: &[] },
    Res { cle: "formation-odd-elus", famille: "formation", titre: "Les ODD expliqués aux élus locaux",
        resume: "Une session de deux heures pour relier les objectifs de développement durable aux compétences d'une commune.",
        corps: "La session part des compétences de la commune (écoles, voirie, action sociale) et montre à quels ODD chacune contribue.",
        themes: &["odd"], odd: &["11", "16", "17"], publics: &["collectivite"], liens: &[] },
    Res { cle: "formation-benevoles-partenariats", famille: "formation", titre: "Former les bénévoles à la recherche de partenaires",
        resume: "Un atelier pratique pour que les bénévoles sachent présenter leur association et ouvrir une discussion avec une entreprise.",
        corps: "Exercices : se présenter en une minute, écouter les attentes d'un partenaire, proposer un premier rendez-vous.",
        themes: &["partenariats"], odd: &["17"], publics: &["association", "collectif-citoyen"], liens: &[] },
    Res { cle: "formation-evaluation-impact", famille: "formation", titre: "Mesurer son impact social sans y passer l'année",
        resume: "Une journée de formation pour choisir trois indicateurs utiles et les suivre avec des moyens modestes.",
        corps: "Au programme : distinguer réalisations, résultats et impact ; choisir ses indicateurs ; organiser la collecte ; raconter les résultats.",
        themes: &["evaluation"], odd: &["17"], publics: &["association", "entreprise"], liens: &[] },
    Res { cle: "formation-gouvernance-partagee", famille: "formation", titre: "Gouvernance partagée : décider ensemble sans s'épuiser",
        resume: "Consentement, rôles tournants, règles de décision : des pratiques testées par des alliances locales.",
        corps: "La formation alterne apports et mises en situation à partir de cas réels anonymisés.",
        themes: &["gouvernance"], odd: &["16", "17"], publics: &[], liens: &[] },
];

/// A demonstration example: key, title, summary, need, what was done, results, lessons, themes,
/// SDGs, partnership types, form.
struct Ex {
    cle: &'static str,
    titre: &'static str,
    resume: &'static str,
    besoin: &'static str,
    realisation: &'static str,
    resultats: &'static str,
    enseignements: &'static str,
    themes: &'static [&'static str],
    odd: &'static [&'static str],
    types: &'static [&'static str],
    forme: &'static str,
}

const EXEMPLES: &[Ex] = &[
    Ex { cle: "exemple-garage-solidaire", titre: "Un garage solidaire porté par une association et deux entreprises locales",
        resume: "Pour que le manque de voiture ne coupe plus l'accès à l'emploi, un garage solidaire répare et loue des véhicules à bas prix.",
        besoin: "Dans ce bassin rural, un demandeur d'emploi sur trois n'a pas de véhicule en état de rouler.",
        realisation: "L'association gère le garage ; un concessionnaire forme les mécaniciens en insertion ; une entreprise de transport prête un local.",
        resultats: "En deux ans, 180 véhicules réparés et 60 locations de courte durée pour des reprises d'emploi.",
        enseignements: "Le mécénat de compétences du concessionnaire a été décisif ; formaliser tôt la convention a évité les malentendus.",
        themes: &["partenariats", "mecenat"], odd: &["1", "8"], types: &["mecenat-competences", "mecenat-logistique"], forme: "partenariat-organisations" },
    Ex { cle: "exemple-cantine-locale", titre: "Des cantines scolaires approvisionnées par les producteurs du canton",
        resume: "Une commune, une coopérative agricole et une association de parents ont relocalisé l'approvisionnement des cantines.",
        besoin: "Les repas servis venaient de loin alors que les producteurs du canton cherchaient des débouchés réguliers.",
        realisation: "Un groupement de commandes, une légumerie partagée et un calendrier de menus construit avec les producteurs.",
        resultats: "La part de produits locaux est passée de 12 % à 45 % en trois ans.",
        enseignements: "Le dialogue entre cuisiniers et producteurs compte autant que le marché public.",
        themes: &["co-construction"], odd: &["2", "12"], types: &["cooperation-economique"], forme: "dialogue-territorial" },
    Ex { cle: "exemple-tiers-lieu", titre: "Un tiers-lieu de coopération dans une ancienne gare",
        resume: "Collectivité, associations et entrepreneurs partagent un lieu qui accueille permanences, ateliers et coworking.",
        besoin: "Aucun lieu ne permettait aux acteurs du territoire de se croiser et de travailler ensemble.",
        realisation: "La communauté de communes a mis le bâtiment à disposition ; une association l'anime avec un comité d'usagers.",
        resultats: "Vingt structures y tiennent des permanences ; quatre projets communs sont nés des rencontres.",
        enseignements: "Un lieu ne suffit pas : il faut une animation financée dans la durée.",
        themes: &["catalyse", "co-construction"], odd: &["11", "17"], types: &["mecenat-nature"], forme: "partenariat-organisations" },
    Ex { cle: "exemple-insertion-btp", titre: "Une clause d'insertion devenue partenariat durable",
        resume: "Une entreprise du bâtiment et une structure d'insertion ont fait d'une obligation contractuelle une filière de recrutement.",
        besoin: "Les entreprises du bâtiment peinent à recruter ; des personnes éloignées de l'emploi cherchent une formation qualifiante.",
        realisation: "Parcours de six mois alternant chantier d'insertion et tutorat dans l'entreprise, avec un organisme de formation.",
        resultats: "Sur trois promotions, 70 % des personnes ont signé un contrat durable.",
        enseignements: "Le tutorat par des salariés volontaires a changé le regard de l'entreprise.",
        themes: &["partenariats"], odd: &["8", "10"], types: &["pratiques-responsables", "cooperation-economique"], forme: "partenariat-organisations" },
    Ex { cle: "exemple-sante-mentale-jeunes", titre: "Un réseau de repérage en santé mentale des jeunes",
        resume: "Établissements scolaires, missions locales et professionnels de santé se sont organisés pour repérer et orienter plus tôt.",
        besoin: "Les jeunes en souffrance psychique étaient repérés tard et orientés au hasard des contacts.",
        realisation: "Formation commune de 150 professionnels, annuaire partagé et réunion mensuelle de coordination.",
        resultats: "Le délai moyen entre le repérage et un premier rendez-vous est passé de trois mois à trois semaines.",
        enseignements: "Un langage commun entre professions a été le premier acquis.",
        themes: &["impact-collectif"], odd: &["3", "4"], types: &["innovation-societale"], forme: "experimentation-collective" },
    Ex { cle: "exemple-renovation-energetique", titre: "Rénover les logements des propriétaires modestes, ensemble",
        resume: "Artisans, association d'information sur l'énergie et collectivité coordonnent repérage, conseil et travaux.",
        besoin: "Beaucoup de ménages modestes vivent dans des passoires thermiques sans savoir par où commencer.",
        realisation: "Un guichet unique, des visites à domicile par des bénévoles formés et un groupement d'artisans.",
        resultats: "240 logements rénovés, une facture d'énergie réduite de 35 % en moyenne.",
        enseignements: "La visite à domicile crée la confiance que les campagnes d'information n'obtiennent pas.",
        themes: &["co-construction"], odd: &["7", "13"], types: &["cooperation-economique", "innovation-societale"], forme: "partenariat-organisations" },
    Ex { cle: "exemple-numerique-seniors", titre: "Des ateliers numériques pour les seniors animés par des salariés volontaires",
        resume: "Une entreprise de services numériques met ses salariés à disposition d'une association pour accompagner les aînés.",
        besoin: "Les démarches en ligne isolent une partie des personnes âgées du territoire.",
        realisation: "Ateliers hebdomadaires dans trois communes, animés en binôme par un bénévole et un salarié.",
        resultats: "300 personnes accompagnées ; 80 % se disent plus autonomes pour leurs démarches.",
        enseignements: "Le binôme bénévole–salarié apporte à la fois proximité et compétence technique.",
        themes: &["mecenat"], odd: &["4", "10"], types: &["mecenat-competences"], forme: "partenariat-organisations" },
    Ex { cle: "exemple-alimentation-solidaire", titre: "Une épicerie solidaire approvisionnée par la grande distribution locale",
        resume: "Trois magasins donnent leurs invendus ; une association les redistribue avec un accompagnement budgétaire.",
        besoin: "Les familles aidées par les services sociaux manquaient d'accès à des produits frais.",
        realisation: "Collecte quotidienne, tri par des bénévoles, ateliers cuisine et accompagnement budgétaire.",
        resultats: "40 tonnes de denrées redistribuées par an ; 200 familles accompagnées.",
        enseignements: "La régularité de la collecte repose sur une logistique simple et partagée.",
        themes: &["partenariats"], odd: &["1", "2", "12"], types: &["mecenat-nature", "mecenat-logistique"], forme: "partenariat-organisations" },
    Ex { cle: "exemple-biodiversite-entreprises", titre: "Des zones d'activité plus favorables à la biodiversité",
        resume: "Des entreprises d'une zone d'activité, une association naturaliste et l'intercommunalité gèrent autrement les espaces verts.",
        besoin: "Les espaces verts de la zone étaient tondus ras et traités, sans intérêt écologique.",
        realisation: "Diagnostic écologique, plan de gestion différenciée, haies plantées avec les salariés.",
        resultats: "Trois kilomètres de haies plantés ; retour de plusieurs espèces d'oiseaux observé.",
        enseignements: "Les journées de plantation ont fédéré les salariés de plusieurs entreprises.",
        themes: &["co-construction"], odd: &["15", "13"], types: &["pratiques-responsables"], forme: "dialogue-territorial" },
    Ex { cle: "exemple-decrochage-scolaire", titre: "Prévenir le décrochage scolaire avec les entreprises du territoire",
        resume: "Collèges, associations d'éducation populaire et entreprises proposent stages de découverte et mentorat.",
        besoin: "Des collégiens décrochaient faute de perspectives et de réseau pour trouver un stage.",
        realisation: "Un réseau de 40 entreprises d'accueil, un programme de mentorat et des visites de métiers.",
        resultats: "Tous les élèves de troisième ont trouvé un stage ; le décrochage a reculé dans les deux collèges.",
        enseignements: "Le mentorat dans la durée compte plus que les visites ponctuelles.",
        themes: &["impact-collectif", "partenariats"], odd: &["4", "8"], types: &["mecenat-competences", "innovation-societale"], forme: "experimentation-collective" },
    Ex { cle: "exemple-eau-agriculture", titre: "Agriculteurs et syndicat des eaux pour protéger un captage",
        resume: "Un accord local pour réduire les pollutions diffuses autour d'un captage d'eau potable.",
        besoin: "Les teneurs en nitrates du captage approchaient le seuil réglementaire.",
        realisation: "Accompagnement technique des exploitations, aides au changement de pratiques, suivi partagé de la qualité.",
        resultats: "Les teneurs ont baissé de 20 % en cinq ans.",
        enseignements: "Le suivi de la qualité de l'eau, partagé en toute transparence, a construit la confiance.",
        themes: &["co-construction", "evaluation"], odd: &["6", "2"], types: &["cooperation-economique"], forme: "dialogue-territorial" },
    Ex { cle: "exemple-culture-quartiers", titre: "Une saison culturelle co-programmée avec les habitants",
        resume: "Une scène nationale, des centres sociaux et des collectifs d'habitants programment ensemble une saison dans les quartiers.",
        besoin: "Les habitants des quartiers fréquentaient peu la scène nationale, perçue comme lointaine.",
        realisation: "Un comité de programmation mixte, des spectacles hors les murs et des ateliers de pratique.",
        resultats: "La fréquentation des habitants des quartiers a doublé ; quinze habitants siègent au comité.",
        enseignements: "Partager le pouvoir de programmer a changé la relation bien plus que la gratuité.",
        themes: &["co-construction", "gouvernance"], odd: &["10", "11"], types: &["innovation-societale"], forme: "dialogue-territorial" },
];

/// A demonstration event: key, title, summary, format, days from today, start hour, duration in
/// minutes, place, replay, themes, related resources (keys).
struct Ev {
    cle: &'static str,
    titre: &'static str,
    resume: &'static str,
    format: &'static str,
    jours: i64,
    heure: u32,
    minutes: i64,
    lieu: &'static str,
    replay: bool,
    themes: &'static [&'static str],
    ressources: &'static [&'static str],
}

const EVENEMENTS: &[Ev] = &[
    Ev { cle: "evenement-webinaire-agenda", titre: "Webinaire : écrire l'agenda commun d'une alliance", resume: "Une heure pour découvrir la méthode en trois réunions, avec le témoignage d'une alliance.", format: "webinaire", jours: -45, heure: 11, minutes: 60, lieu: "En ligne", replay: true, themes: &["impact-collectif"], ressources: &["methode-agenda-commun"] },
    Ev { cle: "evenement-atelier-mecenat", titre: "Atelier : votre premier mécénat de compétences", resume: "Associations et entreprises travaillent sur des cas concrets, en petits groupes.", format: "atelier", jours: -20, heure: 14, minutes: 180, lieu: "Maison des associations (lieu fictif)", replay: false, themes: &["mecenat"], ressources: &["methode-mecenat-competences", "outil-convention-type"] },
    Ev { cle: "evenement-webinaire-evaluation", titre: "Webinaire : mesurer son impact avec trois indicateurs", resume: "Choisir des indicateurs utiles et les suivre sans y passer l'année.", format: "webinaire", jours: -8, heure: 12, minutes: 60, lieu: "En ligne", replay: true, themes: &["evaluation"], ressources: &["formation-evaluation-impact"] },
    Ev { cle: "evenement-rencontre-catalyseurs", titre: "Rencontre régionale des catalyseurs territoriaux", resume: "Une journée d'échanges de pratiques entre personnes qui animent des coopérations locales.", format: "rencontre", jours: 12, heure: 9, minutes: 420, lieu: "Centre de congrès (lieu fictif)", replay: false, themes: &["catalyse"], ressources: &["formation-catalyseur"] },
    Ev { cle: "evenement-webinaire-odd", titre: "Webinaire : les ODD, une boussole pour les projets de territoire", resume: "Relier les compétences d'une collectivité aux objectifs de développement durable.", format: "webinaire", jours: 26, heure: 17, minutes: 90, lieu: "En ligne", replay: false, themes: &["odd"], ressources: &["formation-odd-elus", "donnees-odd-territoires"] },
    Ev { cle: "evenement-conference-cooperation", titre: "Conférence : coopérer sur les territoires, dix ans d'expériences", resume: "Retours d'expérience et table ronde avec des alliances, des entreprises et des collectivités.", format: "conference", jours: 48, heure: 14, minutes: 150, lieu: "Amphithéâtre de l'université (lieu fictif)", replay: false, themes: &["co-construction", "partenariats"], ressources: &[] },
];

fn v(x: &[&str]) -> Vec<String> {
    x.iter().map(|s| s.to_string()).collect()
}

impl App {
    /// Loads the demonstration library (idempotent); returns how many records were added now.
    pub async fn charger_demo_bibliotheque(&self) -> Result<usize, BibliothequeError> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let orgs = organisations::get_many(
            &self.db,
            &store_kits::organisations_demo(&self.db, 400).await?,
        )
        .await?;
        // Organisations grouped by their headquarters' département, for examples without an
        // alliance.
        let mut par_dep: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        for f in &orgs {
            let Some(c) = &f.org.commune else { continue };
            let Some(t) = r.find(Niveau::Commune, c.as_ref()) else {
                continue;
            };
            if let Some(d) = r
                .ancestors(t)
                .into_iter()
                .find(|a| a.niveau == Niveau::Departement)
            {
                par_dep.entry(r.code(d).to_string()).or_default().push(f.id);
            }
        }
        let groupes: Vec<(String, Vec<i64>)> =
            par_dep.into_iter().filter(|(_, v)| v.len() >= 2).collect();
        let alliances: Vec<_> = store_alliances::toutes(&self.db)
            .await?
            .into_iter()
            .filter(|a| a.demo && a.alliance.publique && !a.alliance.territoires.is_empty())
            .collect();
        let auteur = |i: usize| orgs.get(i % orgs.len().max(1)).map(|f| f.id);
        let aujourdhui = super::aujourdhui();
        let jour = alliances_domain::dates::jour_de(now());
        let t = now();
        let mut n = 0;
        let mut tx = self.db.begin_write().await?;
        for (i, res) in RESSOURCES.iter().enumerate() {
            if store::id_demo(&mut tx, res.cle).await?.is_some() {
                continue;
            }
            let s = EntreeSaisie {
                famille: res.famille.into(),
                titre: res.titre.into(),
                resume: res.resume.into(),
                corps: format!("{}{MENTION}", res.corps),
                publics: v(res.publics),
                odd: v(res.odd),
                themes: v(res.themes),
                liens: res
                    .liens
                    .iter()
                    .map(|l| LienSaisie::depuis_ligne(l))
                    .collect(),
                date: alliances_domain::dates::iso(jour - 9 * i as i64 - 3),
                ..Default::default()
            };
            let e = valider_entree(&s, r, &aujourdhui).map_err(|e| {
                BibliothequeError::Refus(format!("démonstration {} : {e:?}", res.cle))
            })?;
            let id = store::insert(
                &mut tx,
                &e,
                &Provenance {
                    organisation_id: auteur(i),
                    etat: EtatPublication::Publiee,
                    demo: true,
                    cle_demo: Some(res.cle),
                    cree_par: None,
                },
                t,
            )
            .await?;
            changes::append(&mut tx, ENTITE, &id.to_string(), "demo", t).await?;
            n += 1;
        }
        for (i, ex) in EXEMPLES.iter().enumerate() {
            if store::id_demo(&mut tx, ex.cle).await?.is_some() {
                continue;
            }
            // Every other example comes from a demonstration alliance when there is one.
            let (alliance, territoires, acteurs) = match alliances.get(i / 2).filter(|_| i % 2 == 0)
            {
                Some(a) => {
                    let membres: Vec<i64> = store_alliances::membres(&mut tx, a.id)
                        .await?
                        .into_iter()
                        .filter(|m| m.etat == "acceptee")
                        .map(|m| m.organisation_id)
                        .take(4)
                        .collect();
                    (Some(a.id), vec![a.alliance.territoires[0].cle()], membres)
                }
                None => match groupes.get((i * 7) % groupes.len().max(1)) {
                    Some((dep, ids)) => (
                        None,
                        vec![format!("departement:{dep}")],
                        ids.iter().take(3).copied().collect(),
                    ),
                    None => (None, Vec::new(), Vec::new()),
                },
            };
            if acteurs.is_empty() {
                // No demonstration organisations to name (annuaire demo not loaded).
                continue;
            }
            let s = EntreeSaisie {
                famille: "exemple".into(),
                titre: ex.titre.into(),
                resume: ex.resume.into(),
                corps: format!(
                    "Cet exemple est raconté sous forme de fiche structurée : besoin, réalisation, résultats, enseignements.{MENTION}"
                ),
                odd: v(ex.odd),
                themes: v(ex.themes),
                territoires,
                date: alliances_domain::dates::iso(jour - 13 * i as i64 - 5),
                alliance,
                acteurs: acteurs.clone(),
                types_partenariat: v(ex.types),
                forme: Some(ex.forme.into()),
                besoin: ex.besoin.into(),
                realisation: ex.realisation.into(),
                resultats: ex.resultats.into(),
                enseignements: ex.enseignements.into(),
                contact: Some("contact@exemple-demo.example".into()),
                ..Default::default()
            };
            let e = valider_entree(&s, r, &aujourdhui).map_err(|e| {
                BibliothequeError::Refus(format!("démonstration {} : {e:?}", ex.cle))
            })?;
            let id = store::insert(
                &mut tx,
                &e,
                &Provenance {
                    organisation_id: Some(acteurs[0]),
                    etat: EtatPublication::Publiee,
                    demo: true,
                    cle_demo: Some(ex.cle),
                    cree_par: None,
                },
                t,
            )
            .await?;
            changes::append(&mut tx, ENTITE, &id.to_string(), "demo", t).await?;
            n += 1;
        }
        for (i, ev) in EVENEMENTS.iter().enumerate() {
            if store::id_demo_evenement(&mut tx, ev.cle).await?.is_some() {
                continue;
            }
            let mut ressources = Vec::new();
            for c in ev.ressources {
                if let Some(id) = store::id_demo(&mut tx, c).await? {
                    ressources.push(id);
                }
            }
            let (y, m, d) = alliances_domain::dates::civil(jour + ev.jours);
            let debut_paris =
                alliances_domain::bibliotheque::heure::paris_vers_utc(y, m, d, ev.heure, 0);
            let fin = debut_paris + ev.minutes * 60;
            let s = EvenementSaisie {
                titre: ev.titre.into(),
                resume: format!("{} (Événement fictif de démonstration.)", ev.resume),
                format: ev.format.into(),
                debut: alliances_domain::bibliotheque::heure::ecrire_paris(debut_paris),
                fin: alliances_domain::bibliotheque::heure::ecrire_paris(fin),
                lieu: Some(ev.lieu.into()),
                inscription: (ev.jours > 0)
                    .then(|| format!("https://evenements.example/inscription/{}", ev.cle)),
                replay: ev
                    .replay
                    .then(|| format!("https://video.example/replay/{}", ev.cle)),
                ressources,
                themes: v(ev.themes),
                ..Default::default()
            };
            let e = valider_evenement(&s, r).map_err(|e| {
                BibliothequeError::Refus(format!("démonstration {} : {e:?}", ev.cle))
            })?;
            let id = store::insert_evenement(
                &mut tx,
                &e,
                auteur(i * 5 + 1),
                true,
                Some(ev.cle),
                None,
                t,
            )
            .await?;
            changes::append(&mut tx, ENTITE_EVENEMENT, &id.to_string(), "demo", t).await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }
}

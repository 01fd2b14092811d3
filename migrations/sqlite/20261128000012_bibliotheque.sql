-- The resource library (« bibliothèque »): methods, inspiring examples, data, tools, trainings
-- (one table, the example's structured case in its own nullable columns), the organisations an
-- example involves, events and webinars, and the state of every web address the broken-link
-- check follows. Kits (tools) and published observatory waves (data) are listed beside these
-- rows but derived at read time, never copied here.

CREATE TABLE bibliotheque (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- methode | exemple | donnees | outil | formation
    famille TEXT NOT NULL,
    titre TEXT NOT NULL,
    resume TEXT NOT NULL,
    -- Markdown source; rendered and sanitised when shown
    corps TEXT NOT NULL DEFAULT '',
    -- comma-separated profile slugs ('' = everyone)
    publics TEXT NOT NULL DEFAULT '',
    -- comma-separated SDG numbers
    odd TEXT NOT NULL DEFAULT '',
    -- comma-separated theme slugs
    themes TEXT NOT NULL DEFAULT '',
    -- space-separated niveau:code
    territoires TEXT NOT NULL DEFAULT '',
    -- JSON array of {"titre", "url"}
    liens TEXT NOT NULL DEFAULT '[]',
    -- ISO date of the resource
    date_ressource TEXT NOT NULL,
    -- the author organisation (NULL only for demonstration records without one)
    organisation_id BIGINT REFERENCES organisations (id),
    -- examples only
    alliance_id BIGINT REFERENCES alliances (id),
    types_partenariat TEXT NOT NULL DEFAULT '',
    forme TEXT,
    besoin TEXT,
    realisation TEXT,
    resultats TEXT,
    enseignements TEXT,
    contact TEXT,
    -- publiee | soumise | refusee
    etat TEXT NOT NULL,
    motif_refus TEXT,
    publiee_le BIGINT,
    demo BIGINT NOT NULL DEFAULT 0,
    -- stable key of a demonstration record (loading the demo twice duplicates nothing)
    cle_demo TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX bibliotheque_etat ON bibliotheque (etat, famille);
CREATE INDEX bibliotheque_organisation ON bibliotheque (organisation_id);

-- Organisations of the annuaire an example involves, in the order given.
CREATE TABLE bibliotheque_acteurs (
    entree_id BIGINT NOT NULL REFERENCES bibliotheque (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    rang BIGINT NOT NULL,
    -- when moderators were told this organisation no longer exists (once)
    signale_le BIGINT,
    PRIMARY KEY (entree_id, organisation_id)
);
CREATE INDEX bibliotheque_acteurs_organisation ON bibliotheque_acteurs (organisation_id);

CREATE TABLE bibliotheque_evenements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    titre TEXT NOT NULL,
    resume TEXT NOT NULL,
    corps TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL,
    -- UTC timestamps
    debut BIGINT NOT NULL,
    fin BIGINT NOT NULL,
    lieu TEXT,
    inscription TEXT,
    replay TEXT,
    -- comma-separated ids of related library entries
    ressources TEXT NOT NULL DEFAULT '',
    themes TEXT NOT NULL DEFAULT '',
    territoires TEXT NOT NULL DEFAULT '',
    organisation_id BIGINT REFERENCES organisations (id),
    demo BIGINT NOT NULL DEFAULT 0,
    cle_demo TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX bibliotheque_evenements_debut ON bibliotheque_evenements (debut);

-- Web addresses of published entries and events, checked at most once a week each; a broken
-- one is reported to moderators once (until it works again).
CREATE TABLE bibliotheque_liens (
    url TEXT PRIMARY KEY,
    verifie_le BIGINT,
    -- HTTP status of the last check (NULL: no answer)
    statut BIGINT,
    erreur TEXT,
    casse BIGINT NOT NULL DEFAULT 0,
    signale_le BIGINT
);

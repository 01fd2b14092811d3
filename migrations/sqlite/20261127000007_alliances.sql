-- Alliances: multi-actor partnerships run the Collective Impact way. Members are organisations of
-- the annuaire; a membership is proposed, then accepted by the organisation (history kept: a
-- member who leaves keeps its row with parti_le). The common agenda is versioned; members agree
-- to a version. Indicators have values per period, declared by members, validated by the backbone.

CREATE TABLE alliances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nom TEXT NOT NULL,
    resume TEXT NOT NULL,
    probleme TEXT NOT NULL DEFAULT '',
    -- space-separated niveau:code
    territoires TEXT NOT NULL,
    -- comma-separated SDG numbers
    odd TEXT NOT NULL DEFAULT '',
    cibles_odd17 TEXT NOT NULL DEFAULT '',
    types_partenariat TEXT NOT NULL DEFAULT '',
    forme TEXT NOT NULL,
    stade TEXT NOT NULL,
    date_debut TEXT,
    date_fin TEXT,
    publique BIGINT NOT NULL DEFAULT 1,
    demo BIGINT NOT NULL DEFAULT 0,
    agenda_vision TEXT NOT NULL DEFAULT '',
    agenda_objectifs TEXT NOT NULL DEFAULT '',
    agenda_theorie TEXT NOT NULL DEFAULT '',
    -- 0: no agenda written yet
    agenda_version BIGINT NOT NULL DEFAULT 0,
    agenda_modifie_le BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);

CREATE TABLE alliance_membres (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL,
    -- proposee | acceptee | refusee | partie
    etat TEXT NOT NULL,
    -- JSON: the member's objectives on the four axes of the objectives grid
    objectifs TEXT NOT NULL DEFAULT '{}',
    propose_par BIGINT,
    propose_le BIGINT NOT NULL,
    repondu_par BIGINT,
    repondu_le BIGINT,
    parti_le BIGINT
);
CREATE INDEX alliance_membres_alliance ON alliance_membres (alliance_id);
CREATE INDEX alliance_membres_organisation ON alliance_membres (organisation_id);

CREATE TABLE alliance_accords (
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL,
    agenda_version BIGINT NOT NULL,
    user_id BIGINT,
    le BIGINT NOT NULL,
    PRIMARY KEY (alliance_id, organisation_id, agenda_version)
);

CREATE TABLE alliance_fonctions (
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    fonction TEXT NOT NULL,
    organisation_id BIGINT NOT NULL,
    PRIMARY KEY (alliance_id, fonction)
);

CREATE TABLE indicateurs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    nom TEXT NOT NULL,
    definition TEXT NOT NULL,
    unite TEXT NOT NULL DEFAULT '',
    sens TEXT NOT NULL,
    valeur_base DOUBLE PRECISION,
    date_base TEXT,
    valeur_cible DOUBLE PRECISION,
    date_cible TEXT,
    periodicite TEXT NOT NULL,
    desagregation TEXT,
    responsable BIGINT,
    cree_le BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX indicateurs_alliance ON indicateurs (alliance_id);

CREATE TABLE indicateur_valeurs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    indicateur_id BIGINT NOT NULL REFERENCES indicateurs (id) ON DELETE CASCADE,
    -- first day of the period, ISO, and as a day number for ordering
    periode TEXT NOT NULL,
    periode_jour BIGINT NOT NULL,
    -- the disaggregation value ('' when none)
    ventilation TEXT NOT NULL DEFAULT '',
    valeur DOUBLE PRECISION NOT NULL,
    commentaire TEXT NOT NULL DEFAULT '',
    organisation_id BIGINT NOT NULL,
    declare_par BIGINT,
    declare_le BIGINT NOT NULL,
    -- declaree | validee | rejetee
    etat TEXT NOT NULL,
    valide_par BIGINT,
    valide_le BIGINT,
    UNIQUE (indicateur_id, periode, ventilation)
);
CREATE INDEX indicateur_valeurs_indicateur ON indicateur_valeurs (indicateur_id, periode_jour);

CREATE TABLE alliance_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    titre TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    porteur BIGINT,
    statut TEXT NOT NULL,
    date_debut TEXT,
    date_fin TEXT,
    -- comma-separated indicator ids
    indicateurs TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX alliance_actions_alliance ON alliance_actions (alliance_id);

CREATE TABLE alliance_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    titre TEXT NOT NULL,
    participants TEXT NOT NULL DEFAULT '',
    decisions TEXT NOT NULL DEFAULT '',
    liens TEXT NOT NULL DEFAULT '',
    auteur BIGINT,
    cree_le BIGINT NOT NULL
);
CREATE INDEX alliance_journal_alliance ON alliance_journal (alliance_id, date);

-- Experimentation files (« droit d'alliance d'intérêt général ») and every step of their workflow.
CREATE TABLE experimentations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id BIGINT NOT NULL REFERENCES alliances (id) ON DELETE CASCADE,
    titre TEXT NOT NULL,
    hypothese TEXT NOT NULL,
    regles TEXT NOT NULL,
    territoires TEXT NOT NULL,
    duree_mois BIGINT NOT NULL,
    protocole TEXT NOT NULL,
    -- comma-separated indicator ids (evaluation criteria)
    criteres TEXT NOT NULL DEFAULT '',
    etat TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX experimentations_alliance ON experimentations (alliance_id);
CREATE INDEX experimentations_etat ON experimentations (etat);

CREATE TABLE experimentation_etapes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    experimentation_id BIGINT NOT NULL REFERENCES experimentations (id) ON DELETE CASCADE,
    de TEXT NOT NULL,
    vers TEXT NOT NULL,
    par BIGINT,
    le BIGINT NOT NULL,
    commentaire TEXT NOT NULL DEFAULT ''
);
CREATE INDEX experimentation_etapes_dossier ON experimentation_etapes (experimentation_id);

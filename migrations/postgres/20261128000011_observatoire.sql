-- Observatoire: studies, their survey waves (questionnaire, margins, quotas, calibration settings
-- and diagnostics, published results), the respondents of each wave (microdata: never public)
-- and the invitation tokens of online collection.

CREATE TABLE obs_etudes (
    id BIGSERIAL PRIMARY KEY,
    titre TEXT NOT NULL,
    population TEXT NOT NULL,
    description TEXT NOT NULL,
    producteur TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);

CREATE TABLE obs_vagues (
    id BIGSERIAL PRIMARY KEY,
    etude_id BIGINT NOT NULL REFERENCES obs_etudes (id),
    numero BIGINT NOT NULL,
    libelle TEXT NOT NULL,
    debut TEXT NOT NULL,
    fin TEXT NOT NULL,
    mode TEXT NOT NULL,
    plan TEXT NOT NULL,
    -- the questionnaire, in the kits' format without scoring (TOML)
    questionnaire TEXT NOT NULL,
    -- comma-separated variables the results are broken down by
    domaines TEXT NOT NULL DEFAULT '',
    seuil BIGINT NOT NULL,
    -- MARGINS.json of the CLI; NULL: published on the design weights
    marges TEXT,
    -- {"variable": {"category": target}}
    quotas TEXT,
    methode TEXT,
    borne_bas DOUBLE PRECISION,
    borne_haut DOUBLE PRECISION,
    rognage_bas DOUBLE PRECISION,
    rognage_haut DOUBLE PRECISION,
    -- diagnostics (JSON) of the last calibration that succeeded, and when
    diagnostics TEXT,
    calee_le BIGINT,
    collecte_ouverte BIGINT NOT NULL DEFAULT 0,
    -- the published results (JSON), as published
    resultats TEXT,
    publiee_le BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL,
    UNIQUE (etude_id, numero)
);

CREATE TABLE obs_repondants (
    id BIGSERIAL PRIMARY KEY,
    vague_id BIGINT NOT NULL REFERENCES obs_vagues (id),
    ident TEXT NOT NULL,
    -- 'fichier' (imported microdata) or 'en-ligne' (an invitation)
    source TEXT NOT NULL,
    poids_initial DOUBLE PRECISION NOT NULL,
    -- the calibrated weight of the last calibration (NULL before)
    poids DOUBLE PRECISION,
    -- the answers, JSON as the kits' (question id -> value)
    reponses TEXT NOT NULL,
    cree_le BIGINT NOT NULL,
    UNIQUE (vague_id, ident)
);

CREATE TABLE obs_invitations (
    id BIGSERIAL PRIMARY KEY,
    vague_id BIGINT NOT NULL REFERENCES obs_vagues (id),
    -- SHA-256 of the token: the token itself is only in the link given to the respondent
    jeton_hash TEXT NOT NULL UNIQUE,
    cree_le BIGINT NOT NULL,
    utilisee_le BIGINT,
    -- 'complete' or 'hors-quota'
    issue TEXT
);
CREATE INDEX obs_invitations_vague ON obs_invitations (vague_id);

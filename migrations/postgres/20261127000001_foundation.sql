-- Foundation: territorial referential, change feed, sessions, named locks.
-- Portable types only (see ARCHITECTURE.md): integers, floats, text; timestamps as epoch seconds.

CREATE TABLE territoires (
    id BIGINT PRIMARY KEY,
    niveau TEXT NOT NULL,
    code TEXT NOT NULL,
    type TEXT NOT NULL,
    nom TEXT NOT NULL,
    nom_plie TEXT COLLATE "C" NOT NULL,
    zone TEXT,
    code_region TEXT,
    code_departement TEXT,
    code_parent TEXT,
    code_epci TEXT,
    chef_lieu TEXT,
    population BIGINT,
    siren TEXT,
    mode_financement TEXT,
    UNIQUE (niveau, code, type)
);
CREATE INDEX territoires_nom_plie ON territoires (nom_plie);

CREATE TABLE codes_postaux (
    code_postal TEXT NOT NULL,
    territoire_id BIGINT NOT NULL REFERENCES territoires (id) ON DELETE CASCADE,
    PRIMARY KEY (code_postal, territoire_id)
);

CREATE TABLE referentiel_source (
    cle TEXT PRIMARY KEY,
    valeur TEXT NOT NULL
);

CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT,
    csrf_token TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE verrous (
    nom TEXT PRIMARY KEY,
    compteur BIGINT NOT NULL
);
INSERT INTO verrous (nom, compteur) VALUES ('referentiel', 0);

-- Kits: passations (one person answering one kit version, for themselves, an organisation, a
-- territory or a group of partners) and groups (the partners of one partnership or alliance
-- answering the same kit separately, compared in a synthesis). Kit definitions are files
-- (kits/), not rows: a passation keeps the id and version it was taken with.

CREATE TABLE kit_groupes (
    id BIGSERIAL PRIMARY KEY,
    cle TEXT NOT NULL UNIQUE,
    kit_id TEXT NOT NULL,
    titre TEXT NOT NULL,
    -- SHA-256 of the invitation link's token (the link itself is shown once to its creator).
    jeton_hash TEXT NOT NULL UNIQUE,
    cree_par BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE TABLE kit_passations (
    id BIGSERIAL PRIMARY KEY,
    -- Random public handle used in URLs (never the sequential id).
    cle TEXT NOT NULL UNIQUE,
    kit_id TEXT NOT NULL,
    kit_version BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'personnel' | 'organisation' | 'territoire' | 'groupe'
    sujet_type TEXT NOT NULL,
    -- organisation id, 'niveau:code', or the group id
    sujet_code TEXT NOT NULL DEFAULT '',
    groupe_id BIGINT REFERENCES kit_groupes (id) ON DELETE CASCADE,
    -- JSON object: question id -> answer (kits/README.md, domain kits::reponses)
    reponses TEXT NOT NULL DEFAULT '{}',
    section_courante BIGINT NOT NULL DEFAULT 0,
    -- Optimistic concurrency: bumped by every save.
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    terminee_at BIGINT,
    score_global DOUBLE PRECISION,
    niveau BIGINT,
    -- JSON object: dimension id -> score (null when not scored)
    scores TEXT,
    -- The organisation's profile and size band when the result was completed (peer benchmark).
    profil TEXT,
    taille TEXT
);
CREATE INDEX kit_passations_user ON kit_passations (user_id, updated_at);
CREATE INDEX kit_passations_sujet ON kit_passations (sujet_type, sujet_code, kit_id);
CREATE INDEX kit_passations_pairs ON kit_passations (kit_id, kit_version, profil, taille, terminee_at);
CREATE INDEX kit_passations_groupe ON kit_passations (groupe_id);

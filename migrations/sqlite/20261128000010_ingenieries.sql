-- Ingénieries: support schemes (« dispositifs d'accompagnement ») with their services, publics and
-- coverage, the relay links between them (a territorial scheme relays a national one), and the
-- referrals (« orientations ») of an organisation's request from one scheme to another.

CREATE TABLE dispositifs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nom TEXT NOT NULL,
    -- folded name, for duplicates
    nom_plie TEXT NOT NULL,
    description TEXT NOT NULL,
    -- the carrying organisation of the annuaire (NULL only for demonstration records without one)
    porteur_id BIGINT REFERENCES organisations (id),
    niveau TEXT NOT NULL,
    ingenierie TEXT NOT NULL,
    -- comma-separated slugs
    services TEXT NOT NULL,
    publics TEXT NOT NULL DEFAULT '',
    tailles TEXT NOT NULL DEFAULT '',
    -- space-separated niveau:code; empty for a national scheme
    couverture TEXT NOT NULL DEFAULT '',
    contact TEXT,
    url TEXT,
    relais_de BIGINT REFERENCES dispositifs (id),
    source TEXT NOT NULL,
    licence TEXT NOT NULL,
    verifie_le BIGINT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX dispositifs_nom_plie ON dispositifs (nom_plie);
CREATE INDEX dispositifs_relais ON dispositifs (relais_de);
CREATE INDEX dispositifs_porteur ON dispositifs (porteur_id);

CREATE TABLE orientations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the referring scheme (NULL when a catalyseur refers in their own name)
    de_dispositif BIGINT REFERENCES dispositifs (id),
    vers_dispositif BIGINT NOT NULL REFERENCES dispositifs (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    service TEXT NOT NULL,
    message TEXT NOT NULL,
    -- the requester's département, for the indicators per département
    code_departement TEXT,
    -- why the referral goes to a scheme that does not cover the requester (NULL when it does)
    raison_hors_couverture TEXT,
    etat TEXT NOT NULL,
    issue TEXT,
    commentaire TEXT,
    redirigee_vers BIGINT REFERENCES orientations (id),
    auteur_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    envoyee_le BIGINT NOT NULL,
    prise_en_charge_le BIGINT,
    cloturee_le BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX orientations_vers ON orientations (vers_dispositif, etat);
CREATE INDEX orientations_de ON orientations (de_dispositif);
CREATE INDEX orientations_departement ON orientations (code_departement);

-- Support programmes (emergency, recovery, calls for projects, funds) run by a scheme: eligible
-- profiles and territories, opening and closing dates. A closed programme drops out of answers.
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nom TEXT NOT NULL,
    nature TEXT NOT NULL,
    description TEXT NOT NULL,
    dispositif_id BIGINT NOT NULL REFERENCES dispositifs (id),
    -- comma-separated profile slugs ('' = all)
    publics TEXT NOT NULL DEFAULT '',
    -- space-separated niveau:code ('' = national)
    territoires TEXT NOT NULL DEFAULT '',
    -- ISO dates
    ouverture TEXT NOT NULL,
    cloture TEXT,
    url TEXT,
    demo BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL,
    modifie_le BIGINT NOT NULL
);
CREATE INDEX programmes_dispositif ON programmes (dispositif_id);

-- Shared watch (« veille partagée »): a working space where national and territorial schemes
-- keep watch together — member schemes, sessions with notes and decisions, watch items (a
-- programme, a needs study, a signal from a territory) tagged by territory and domain, comments.
CREATE TABLE veilles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    titre TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    cree_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL
);
CREATE TABLE veille_membres (
    veille_id BIGINT NOT NULL REFERENCES veilles (id) ON DELETE CASCADE,
    dispositif_id BIGINT NOT NULL REFERENCES dispositifs (id),
    ajoute_le BIGINT NOT NULL,
    PRIMARY KEY (veille_id, dispositif_id)
);
CREATE INDEX veille_membres_dispositif ON veille_membres (dispositif_id);
CREATE TABLE veille_seances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    veille_id BIGINT NOT NULL REFERENCES veilles (id) ON DELETE CASCADE,
    date_seance TEXT NOT NULL,
    notes TEXT NOT NULL,
    decisions TEXT NOT NULL DEFAULT '',
    auteur_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL
);
CREATE INDEX veille_seances_veille ON veille_seances (veille_id, date_seance);
CREATE TABLE veille_elements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    veille_id BIGINT NOT NULL REFERENCES veilles (id) ON DELETE CASCADE,
    genre TEXT NOT NULL,
    titre TEXT NOT NULL,
    texte TEXT NOT NULL DEFAULT '',
    lien TEXT,
    -- space-separated niveau:code
    territoires TEXT NOT NULL DEFAULT '',
    -- comma-separated domain slugs
    domaines TEXT NOT NULL DEFAULT '',
    auteur_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL
);
CREATE INDEX veille_elements_veille ON veille_elements (veille_id, cree_le);
CREATE TABLE veille_commentaires (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    element_id BIGINT NOT NULL REFERENCES veille_elements (id) ON DELETE CASCADE,
    texte TEXT NOT NULL,
    auteur_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    cree_le BIGINT NOT NULL
);
CREATE INDEX veille_commentaires_element ON veille_commentaires (element_id, cree_le);

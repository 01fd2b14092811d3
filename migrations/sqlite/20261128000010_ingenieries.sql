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

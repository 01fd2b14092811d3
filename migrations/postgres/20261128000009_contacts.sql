-- Contact requests between organisations (« mise en relation »): a message from one organisation
-- to another, e-mailed to the target's owners. States: envoyee → acceptee | refusee | sans_reponse
-- (no answer after 30 days, set by a daily pass). An accepted request may start an alliance with
-- both organisations as members (alliance_id, set once).
CREATE TABLE demandes_contact (
    id BIGSERIAL PRIMARY KEY,
    de_organisation BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    vers_organisation BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    auteur_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    message TEXT NOT NULL,
    -- the offer or need of either organisation the request is about, if any
    ressource_id BIGINT REFERENCES ressources (id) ON DELETE SET NULL,
    -- envoyee | acceptee | refusee | sans_reponse
    etat TEXT NOT NULL DEFAULT 'envoyee',
    cree_le BIGINT NOT NULL,
    repondu_le BIGINT,
    repondu_par BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reponse TEXT NOT NULL DEFAULT '',
    alliance_id BIGINT REFERENCES alliances (id) ON DELETE SET NULL
);
-- One open request at a time from one organisation to another: a database rule, so that two
-- identical requests sent at once cannot both be stored.
CREATE UNIQUE INDEX demandes_contact_ouverte ON demandes_contact (de_organisation, vers_organisation)
    WHERE etat = 'envoyee';
-- Received requests by state (the target's page, the open-request lookup).
CREATE INDEX demandes_contact_vers ON demandes_contact (vers_organisation, etat, cree_le);
-- Sent requests, and the daily limit (requests of a source since a time).
CREATE INDEX demandes_contact_de ON demandes_contact (de_organisation, cree_le);
-- The 30-day expiry pass.
CREATE INDEX demandes_contact_etat ON demandes_contact (etat, cree_le);

-- 0: the organisation chose not to be contacted through the platform.
ALTER TABLE organisations ADD COLUMN contactable BIGINT NOT NULL DEFAULT 1;

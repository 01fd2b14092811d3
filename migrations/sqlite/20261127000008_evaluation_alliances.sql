-- The partnership evaluation grid of an alliance: one group of partners per alliance, whose
-- members answer the grid separately; the synthesis shows on the alliance page.
ALTER TABLE kit_groupes ADD COLUMN alliance_id BIGINT REFERENCES alliances (id) ON DELETE CASCADE;
CREATE INDEX kit_groupes_alliance ON kit_groupes (alliance_id);

-- The period whose missing value was last reminded to the responsible member (one e-mail per
-- due period, claimed by a conditional update so that one instance sends it).
ALTER TABLE indicateurs ADD COLUMN rappel_periode TEXT;

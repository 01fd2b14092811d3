//! Alliances and what hangs on them: members, agreements to the common agenda, backbone
//! functions, indicators and their values, actions, the journal. Multi-valued fields are text,
//! encoded and decoded here only.

use alliances_domain::alliances::indicateurs::{Indicateur, Periodicite, Sens};
use alliances_domain::alliances::{Alliance, Forme, Stade};
use alliances_domain::annuaire::{Lieu, TypePartenariat};
use sqlx::{AnyConnection, Row};

use crate::db::{Db, StoreError};
use crate::organisations::{join_u8, split_u8};

fn corrompu(quoi: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{quoi} « {v} »"))
}

fn lieux(s: &str) -> Result<Vec<Lieu>, StoreError> {
    s.split_whitespace()
        .map(|c| Lieu::parse_cle(c).ok_or_else(|| corrompu("territoire", c)))
        .collect()
}

fn types(s: &str) -> Result<Vec<TypePartenariat>, StoreError> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| TypePartenariat::from_slug(x).ok_or_else(|| corrompu("type de partenariat", x)))
        .collect()
}

/// A stored alliance with its agenda and bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Fiche {
    pub id: i64,
    pub alliance: Alliance,
    pub agenda_vision: String,
    pub agenda_objectifs: String,
    pub agenda_theorie: String,
    /// 0: no agenda yet.
    pub agenda_version: i64,
    pub agenda_modifie_le: Option<i64>,
    pub version: i64,
    pub demo: bool,
    pub cree_le: i64,
    pub modifie_le: i64,
}

const COLONNES: &str = "id, nom, resume, probleme, territoires, odd, cibles_odd17, types_partenariat, forme, stade, date_debut, date_fin, publique, demo, \
    agenda_vision, agenda_objectifs, agenda_theorie, agenda_version, agenda_modifie_le, version, cree_le, modifie_le";

fn fiche(r: &sqlx::any::AnyRow) -> Result<Fiche, StoreError> {
    let forme: String = r.try_get("forme")?;
    let stade: String = r.try_get("stade")?;
    let cibles: String = r.try_get("cibles_odd17")?;
    Ok(Fiche {
        id: r.try_get("id")?,
        alliance: Alliance {
            nom: r.try_get("nom")?,
            resume: r.try_get("resume")?,
            probleme: r.try_get("probleme")?,
            territoires: lieux(&r.try_get::<String, _>("territoires")?)?,
            odd: split_u8(&r.try_get::<String, _>("odd")?)?,
            cibles_odd17: cibles
                .split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            types_partenariat: types(&r.try_get::<String, _>("types_partenariat")?)?,
            forme: Forme::from_slug(&forme).ok_or_else(|| corrompu("forme", &forme))?,
            stade: Stade::from_slug(&stade).ok_or_else(|| corrompu("stade", &stade))?,
            date_debut: r.try_get("date_debut")?,
            date_fin: r.try_get("date_fin")?,
            publique: r.try_get::<i64, _>("publique")? != 0,
        },
        agenda_vision: r.try_get("agenda_vision")?,
        agenda_objectifs: r.try_get("agenda_objectifs")?,
        agenda_theorie: r.try_get("agenda_theorie")?,
        agenda_version: r.try_get("agenda_version")?,
        agenda_modifie_le: r.try_get("agenda_modifie_le")?,
        version: r.try_get("version")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        cree_le: r.try_get("cree_le")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

fn territoires_txt(a: &Alliance) -> String {
    a.territoires
        .iter()
        .map(Lieu::cle)
        .collect::<Vec<_>>()
        .join(" ")
}

fn types_txt(a: &Alliance) -> String {
    a.types_partenariat
        .iter()
        .map(|t| t.slug())
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn insert(
    conn: &mut AnyConnection,
    a: &Alliance,
    cree_par: Option<i64>,
    demo: bool,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO alliances (nom, resume, probleme, territoires, odd, cibles_odd17, types_partenariat, forme, stade, date_debut, date_fin, publique, demo, cree_par, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(&a.nom)
    .bind(&a.resume)
    .bind(&a.probleme)
    .bind(territoires_txt(a))
    .bind(join_u8(&a.odd))
    .bind(a.cibles_odd17.join(","))
    .bind(types_txt(a))
    .bind(a.forme.slug())
    .bind(a.stade.slug())
    .bind(&a.date_debut)
    .bind(&a.date_fin)
    .bind(i64::from(a.publique))
    .bind(i64::from(demo))
    .bind(cree_par)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Updates if still at `version`; false otherwise (someone saved in between).
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    a: &Alliance,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE alliances SET nom = $1, resume = $2, probleme = $3, territoires = $4, odd = $5, cibles_odd17 = $6, types_partenariat = $7, forme = $8, stade = $9, \
         date_debut = $10, date_fin = $11, publique = $12, modifie_le = $13, version = version + 1 WHERE id = $14 AND version = $15",
    )
    .bind(&a.nom)
    .bind(&a.resume)
    .bind(&a.probleme)
    .bind(territoires_txt(a))
    .bind(join_u8(&a.odd))
    .bind(a.cibles_odd17.join(","))
    .bind(types_txt(a))
    .bind(a.forme.slug())
    .bind(a.stade.slug())
    .bind(&a.date_debut)
    .bind(&a.date_fin)
    .bind(i64::from(a.publique))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Fiche>, StoreError> {
    let sql = format!("SELECT {COLONNES} FROM alliances WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(fiche).transpose()
}

/// Every alliance (the list index is built from it), by id.
pub async fn toutes(db: &Db) -> Result<Vec<Fiche>, StoreError> {
    let sql = format!("SELECT {COLONNES} FROM alliances ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(fiche).collect()
}

/// Writes a new version of the common agenda (members agree to versions).
pub async fn set_agenda(
    conn: &mut AnyConnection,
    id: i64,
    vision: &str,
    objectifs: &str,
    theorie: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "UPDATE alliances SET agenda_vision = $1, agenda_objectifs = $2, agenda_theorie = $3, agenda_version = agenda_version + 1, agenda_modifie_le = $4, modifie_le = $4 \
         WHERE id = $5 RETURNING agenda_version",
    )
    .bind(vision)
    .bind(objectifs)
    .bind(theorie)
    .bind(now)
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("agenda_version")?)
}

/// A membership row, with the organisation's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Membre {
    pub id: i64,
    pub alliance_id: i64,
    pub organisation_id: i64,
    pub organisation_nom: String,
    pub role: String,
    /// `proposee`, `acceptee`, `refusee`, `partie`.
    pub etat: String,
    pub objectifs: String,
    pub propose_le: i64,
    pub repondu_le: Option<i64>,
    pub parti_le: Option<i64>,
}

const MEMBRE: &str = "m.id, m.alliance_id, m.organisation_id, o.nom AS organisation_nom, m.role, m.etat, m.objectifs, m.propose_le, m.repondu_le, m.parti_le \
    FROM alliance_membres m JOIN organisations o ON o.id = m.organisation_id";

fn membre(r: &sqlx::any::AnyRow) -> Result<Membre, StoreError> {
    Ok(Membre {
        id: r.try_get("id")?,
        alliance_id: r.try_get("alliance_id")?,
        organisation_id: r.try_get("organisation_id")?,
        organisation_nom: r.try_get("organisation_nom")?,
        role: r.try_get("role")?,
        etat: r.try_get("etat")?,
        objectifs: r.try_get("objectifs")?,
        propose_le: r.try_get("propose_le")?,
        repondu_le: r.try_get("repondu_le")?,
        parti_le: r.try_get("parti_le")?,
    })
}

/// Every membership of an alliance (history included), oldest first.
pub async fn membres(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Vec<Membre>, StoreError> {
    let sql = format!("SELECT {MEMBRE} WHERE m.alliance_id = $1 ORDER BY m.id");
    let rows = sqlx::query(&sql).bind(alliance_id).fetch_all(conn).await?;
    rows.iter().map(membre).collect()
}

pub async fn membre_par_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Membre>, StoreError> {
    let sql = format!("SELECT {MEMBRE} WHERE m.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(membre).transpose()
}

/// The alliances an organisation belongs to (accepted, not gone): `(alliance id, name, role)`.
pub async fn de_l_organisation(
    db: &Db,
    organisation_id: i64,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.nom, m.role FROM alliance_membres m JOIN alliances a ON a.id = m.alliance_id \
         WHERE m.organisation_id = $1 AND m.etat = 'acceptee' ORDER BY a.nom",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("nom")?, r.try_get("role")?)))
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_membre(
    conn: &mut AnyConnection,
    alliance_id: i64,
    organisation_id: i64,
    role: &str,
    etat: &str,
    propose_par: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let repondu = (etat == "acceptee").then_some(now);
    let row = sqlx::query(
        "INSERT INTO alliance_membres (alliance_id, organisation_id, role, etat, propose_par, propose_le, repondu_par, repondu_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(alliance_id)
    .bind(organisation_id)
    .bind(role)
    .bind(etat)
    .bind(propose_par)
    .bind(now)
    .bind(repondu.and(propose_par))
    .bind(repondu)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Moves a membership from `depuis` to `vers` (`acceptee`, `refusee`, `partie`); false when it
/// was no longer in `depuis`.
pub async fn changer_etat_membre(
    conn: &mut AnyConnection,
    id: i64,
    depuis: &str,
    vers: &str,
    par: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let sql = if vers == "partie" {
        "UPDATE alliance_membres SET etat = $1, parti_le = $2, repondu_par = COALESCE(repondu_par, $3) WHERE id = $4 AND etat = $5"
    } else {
        "UPDATE alliance_membres SET etat = $1, repondu_le = $2, repondu_par = $3 WHERE id = $4 AND etat = $5"
    };
    let done = sqlx::query(sql)
        .bind(vers)
        .bind(now)
        .bind(par)
        .bind(id)
        .bind(depuis)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_objectifs(
    conn: &mut AnyConnection,
    id: i64,
    objectifs: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE alliance_membres SET objectifs = $1 WHERE id = $2")
        .bind(objectifs)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_role(conn: &mut AnyConnection, id: i64, role: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE alliance_membres SET role = $1 WHERE id = $2")
        .bind(role)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Agreements to the agenda: `(organisation id, agenda version, when)`.
pub async fn accords(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let rows = sqlx::query("SELECT organisation_id, agenda_version, le FROM alliance_accords WHERE alliance_id = $1 ORDER BY le")
        .bind(alliance_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("organisation_id")?,
                r.try_get("agenda_version")?,
                r.try_get("le")?,
            ))
        })
        .collect()
}

pub async fn insert_accord(
    conn: &mut AnyConnection,
    alliance_id: i64,
    organisation_id: i64,
    version: i64,
    user_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO alliance_accords (alliance_id, organisation_id, agenda_version, user_id, le) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (alliance_id, organisation_id, agenda_version) DO NOTHING",
    )
    .bind(alliance_id)
    .bind(organisation_id)
    .bind(version)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who holds each backbone function: `(function slug, organisation id)`.
pub async fn fonctions(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query("SELECT fonction, organisation_id FROM alliance_fonctions WHERE alliance_id = $1 ORDER BY fonction")
        .bind(alliance_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("fonction")?, r.try_get("organisation_id")?)))
        .collect()
}

/// Gives a function to an organisation (None: nobody).
pub async fn set_fonction(
    conn: &mut AnyConnection,
    alliance_id: i64,
    fonction: &str,
    organisation_id: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM alliance_fonctions WHERE alliance_id = $1 AND fonction = $2")
        .bind(alliance_id)
        .bind(fonction)
        .execute(&mut *conn)
        .await?;
    if let Some(o) = organisation_id {
        sqlx::query("INSERT INTO alliance_fonctions (alliance_id, fonction, organisation_id) VALUES ($1, $2, $3)")
            .bind(alliance_id)
            .bind(fonction)
            .bind(o)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A stored indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct FicheIndicateur {
    pub id: i64,
    pub alliance_id: i64,
    pub indicateur: Indicateur,
    pub cree_le: i64,
    pub version: i64,
}

const INDICATEUR: &str = "id, alliance_id, nom, definition, unite, sens, valeur_base, date_base, valeur_cible, date_cible, periodicite, desagregation, responsable, cree_le, version";

fn indicateur(r: &sqlx::any::AnyRow) -> Result<FicheIndicateur, StoreError> {
    let sens: String = r.try_get("sens")?;
    let p: String = r.try_get("periodicite")?;
    Ok(FicheIndicateur {
        id: r.try_get("id")?,
        alliance_id: r.try_get("alliance_id")?,
        indicateur: Indicateur {
            nom: r.try_get("nom")?,
            definition: r.try_get("definition")?,
            unite: r.try_get("unite")?,
            sens: Sens::from_slug(&sens).ok_or_else(|| corrompu("sens", &sens))?,
            valeur_base: r.try_get("valeur_base")?,
            date_base: r.try_get("date_base")?,
            valeur_cible: r.try_get("valeur_cible")?,
            date_cible: r.try_get("date_cible")?,
            periodicite: Periodicite::from_slug(&p).ok_or_else(|| corrompu("périodicité", &p))?,
            desagregation: r.try_get("desagregation")?,
            responsable: r.try_get("responsable")?,
        },
        cree_le: r.try_get("cree_le")?,
        version: r.try_get("version")?,
    })
}

pub async fn indicateurs(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Vec<FicheIndicateur>, StoreError> {
    let sql = format!("SELECT {INDICATEUR} FROM indicateurs WHERE alliance_id = $1 ORDER BY id");
    let rows = sqlx::query(&sql).bind(alliance_id).fetch_all(conn).await?;
    rows.iter().map(indicateur).collect()
}

pub async fn indicateur_par_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<FicheIndicateur>, StoreError> {
    let sql = format!("SELECT {INDICATEUR} FROM indicateurs WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(indicateur).transpose()
}

pub async fn insert_indicateur(
    conn: &mut AnyConnection,
    alliance_id: i64,
    i: &Indicateur,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO indicateurs (alliance_id, nom, definition, unite, sens, valeur_base, date_base, valeur_cible, date_cible, periodicite, desagregation, responsable, cree_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(alliance_id)
    .bind(&i.nom)
    .bind(&i.definition)
    .bind(&i.unite)
    .bind(i.sens.slug())
    .bind(i.valeur_base)
    .bind(&i.date_base)
    .bind(i.valeur_cible)
    .bind(&i.date_cible)
    .bind(i.periodicite.slug())
    .bind(&i.desagregation)
    .bind(i.responsable)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// A value of an indicator for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Valeur {
    pub id: i64,
    pub indicateur_id: i64,
    /// First day of the period, ISO.
    pub periode: String,
    pub periode_jour: i64,
    pub ventilation: String,
    pub valeur: f64,
    pub commentaire: String,
    pub organisation_id: i64,
    pub declare_le: i64,
    /// `declaree`, `validee`, `rejetee`.
    pub etat: String,
    pub valide_le: Option<i64>,
}

const VALEUR: &str = "v.id, v.indicateur_id, v.periode, v.periode_jour, v.ventilation, v.valeur, v.commentaire, v.organisation_id, v.declare_le, v.etat, v.valide_le";

fn valeur(r: &sqlx::any::AnyRow) -> Result<Valeur, StoreError> {
    Ok(Valeur {
        id: r.try_get("id")?,
        indicateur_id: r.try_get("indicateur_id")?,
        periode: r.try_get("periode")?,
        periode_jour: r.try_get("periode_jour")?,
        ventilation: r.try_get("ventilation")?,
        valeur: r.try_get("valeur")?,
        commentaire: r.try_get("commentaire")?,
        organisation_id: r.try_get("organisation_id")?,
        declare_le: r.try_get("declare_le")?,
        etat: r.try_get("etat")?,
        valide_le: r.try_get("valide_le")?,
    })
}

/// Every value of every indicator of an alliance, by indicator then period (one query).
pub async fn valeurs_de_l_alliance(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Vec<Valeur>, StoreError> {
    let sql = format!(
        "SELECT {VALEUR} FROM indicateur_valeurs v JOIN indicateurs i ON i.id = v.indicateur_id WHERE i.alliance_id = $1 ORDER BY v.indicateur_id, v.periode_jour, v.ventilation"
    );
    let rows = sqlx::query(&sql).bind(alliance_id).fetch_all(conn).await?;
    rows.iter().map(valeur).collect()
}

pub async fn valeur_par_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Valeur>, StoreError> {
    let sql = format!("SELECT {VALEUR} FROM indicateur_valeurs v WHERE v.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(valeur).transpose()
}

pub async fn valeur_de_periode(
    conn: &mut AnyConnection,
    indicateur_id: i64,
    periode: &str,
    ventilation: &str,
) -> Result<Option<Valeur>, StoreError> {
    let sql = format!("SELECT {VALEUR} FROM indicateur_valeurs v WHERE v.indicateur_id = $1 AND v.periode = $2 AND v.ventilation = $3");
    let row = sqlx::query(&sql)
        .bind(indicateur_id)
        .bind(periode)
        .bind(ventilation)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(valeur).transpose()
}

/// Declares (or declares again, while not validated) the value of a period.
#[allow(clippy::too_many_arguments)]
pub async fn declarer(
    conn: &mut AnyConnection,
    indicateur_id: i64,
    periode: &str,
    periode_jour: i64,
    ventilation: &str,
    v: f64,
    commentaire: &str,
    organisation_id: i64,
    user_id: i64,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query("DELETE FROM indicateur_valeurs WHERE indicateur_id = $1 AND periode = $2 AND ventilation = $3 AND etat <> 'validee'")
        .bind(indicateur_id)
        .bind(periode)
        .bind(ventilation)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(
        "INSERT INTO indicateur_valeurs (indicateur_id, periode, periode_jour, ventilation, valeur, commentaire, organisation_id, declare_par, declare_le, etat) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'declaree') RETURNING id",
    )
    .bind(indicateur_id)
    .bind(periode)
    .bind(periode_jour)
    .bind(ventilation)
    .bind(v)
    .bind(commentaire)
    .bind(organisation_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Validates or rejects a declared value; false when it was no longer declared.
pub async fn statuer_valeur(
    conn: &mut AnyConnection,
    id: i64,
    etat: &str,
    par: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE indicateur_valeurs SET etat = $1, valide_par = $2, valide_le = $3 WHERE id = $4 AND etat = 'declaree'")
        .bind(etat)
        .bind(par)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An action of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: i64,
    pub alliance_id: i64,
    pub titre: String,
    pub description: String,
    pub porteur: Option<i64>,
    pub statut: String,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
    pub indicateurs: Vec<i64>,
    pub version: i64,
}

fn action(r: &sqlx::any::AnyRow) -> Result<Action, StoreError> {
    let ind: String = r.try_get("indicateurs")?;
    Ok(Action {
        id: r.try_get("id")?,
        alliance_id: r.try_get("alliance_id")?,
        titre: r.try_get("titre")?,
        description: r.try_get("description")?,
        porteur: r.try_get("porteur")?,
        statut: r.try_get("statut")?,
        date_debut: r.try_get("date_debut")?,
        date_fin: r.try_get("date_fin")?,
        indicateurs: ind
            .split(',')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().map_err(|_| corrompu("indicateur", x)))
            .collect::<Result<_, _>>()?,
        version: r.try_get("version")?,
    })
}

const ACTION: &str = "id, alliance_id, titre, description, porteur, statut, date_debut, date_fin, indicateurs, version";

pub async fn actions(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Vec<Action>, StoreError> {
    let sql = format!("SELECT {ACTION} FROM alliance_actions WHERE alliance_id = $1 ORDER BY id");
    let rows = sqlx::query(&sql).bind(alliance_id).fetch_all(conn).await?;
    rows.iter().map(action).collect()
}

pub async fn action_par_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Action>, StoreError> {
    let sql = format!("SELECT {ACTION} FROM alliance_actions WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(action).transpose()
}

fn ids(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

pub async fn insert_action(
    conn: &mut AnyConnection,
    a: &Action,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO alliance_actions (alliance_id, titre, description, porteur, statut, date_debut, date_fin, indicateurs, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(a.alliance_id)
    .bind(&a.titre)
    .bind(&a.description)
    .bind(a.porteur)
    .bind(&a.statut)
    .bind(&a.date_debut)
    .bind(&a.date_fin)
    .bind(ids(&a.indicateurs))
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Updates an action if still at `a.version`; false otherwise.
pub async fn update_action(
    conn: &mut AnyConnection,
    a: &Action,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE alliance_actions SET titre = $1, description = $2, porteur = $3, statut = $4, date_debut = $5, date_fin = $6, indicateurs = $7, modifie_le = $8, version = version + 1 \
         WHERE id = $9 AND version = $10",
    )
    .bind(&a.titre)
    .bind(&a.description)
    .bind(a.porteur)
    .bind(&a.statut)
    .bind(&a.date_debut)
    .bind(&a.date_fin)
    .bind(ids(&a.indicateurs))
    .bind(now)
    .bind(a.id)
    .bind(a.version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A journal entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entree {
    pub id: i64,
    pub alliance_id: i64,
    pub date: String,
    pub titre: String,
    pub participants: String,
    pub decisions: String,
    pub liens: String,
    pub cree_le: i64,
}

/// The latest `limit` entries, most recent first.
pub async fn journal(
    conn: &mut AnyConnection,
    alliance_id: i64,
    limit: i64,
) -> Result<Vec<Entree>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, alliance_id, date, titre, participants, decisions, liens, cree_le FROM alliance_journal WHERE alliance_id = $1 ORDER BY date DESC, id DESC LIMIT $2",
    )
    .bind(alliance_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entree {
                id: r.try_get("id")?,
                alliance_id: r.try_get("alliance_id")?,
                date: r.try_get("date")?,
                titre: r.try_get("titre")?,
                participants: r.try_get("participants")?,
                decisions: r.try_get("decisions")?,
                liens: r.try_get("liens")?,
                cree_le: r.try_get("cree_le")?,
            })
        })
        .collect()
}

pub async fn insert_entree(
    conn: &mut AnyConnection,
    e: &Entree,
    auteur: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO alliance_journal (alliance_id, date, titre, participants, decisions, liens, auteur, cree_le) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.alliance_id)
    .bind(&e.date)
    .bind(&e.titre)
    .bind(&e.participants)
    .bind(&e.decisions)
    .bind(&e.liens)
    .bind(auteur)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The alliances an organisation belongs to (accepted, not gone), with whether each is public:
/// `(alliance id, name, role, public)`.
pub async fn de_l_organisation_avec_visibilite(
    db: &Db,
    organisation_id: i64,
) -> Result<Vec<(i64, String, String, bool)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.nom, m.role, a.publique FROM alliance_membres m JOIN alliances a ON a.id = m.alliance_id \
         WHERE m.organisation_id = $1 AND m.etat = 'acceptee' ORDER BY a.nom, a.id",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("nom")?,
                r.try_get("role")?,
                r.try_get::<i64, _>("publique")? != 0,
            ))
        })
        .collect()
}

/// Memberships proposed to an organisation and not answered: `(alliance id, membership id,
/// alliance name, role)`.
pub async fn propositions(
    db: &Db,
    organisation_id: i64,
) -> Result<Vec<(i64, i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id AS alliance_id, m.id AS membre_id, a.nom, m.role FROM alliance_membres m JOIN alliances a ON a.id = m.alliance_id \
         WHERE m.organisation_id = $1 AND m.etat = 'proposee' ORDER BY m.id",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("alliance_id")?,
                r.try_get("membre_id")?,
                r.try_get("nom")?,
                r.try_get("role")?,
            ))
        })
        .collect()
}

/// Every indicator with a responsible member, with the start of its latest non-rejected value:
/// `(indicator, latest period start day)`.
pub async fn indicateurs_a_suivre(
    db: &Db,
) -> Result<Vec<(FicheIndicateur, Option<i64>)>, StoreError> {
    let sql = format!(
        "SELECT {INDICATEUR}, (SELECT MAX(v.periode_jour) FROM indicateur_valeurs v WHERE v.indicateur_id = indicateurs.id AND v.etat <> 'rejetee') AS derniere \
         FROM indicateurs WHERE responsable IS NOT NULL ORDER BY id"
    );
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| Ok((indicateur(r)?, r.try_get::<Option<i64>, _>("derniere")?)))
        .collect()
}

/// Claims the reminder of `periode` for an indicator; false when it was already sent.
pub async fn reclamer_rappel(
    conn: &mut AnyConnection,
    id: i64,
    periode: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE indicateurs SET rappel_periode = $1 WHERE id = $2 AND (rappel_periode IS NULL OR rappel_periode <> $1)")
        .bind(periode)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

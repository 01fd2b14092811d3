//! Strict query-string parsing shared by the API and the pages: unknown or repeated parameters
//! are refused with the parameter named, and each value is checked where it is read.

use crate::problem::Problem;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;

/// The raw query string of a request, decoded.
#[derive(Debug, Default)]
pub struct RawQuery(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for RawQuery {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        Ok(RawQuery(form_urlencoded_pairs(query)))
    }
}

pub fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parameters checked against the list an endpoint accepts.
pub struct Params {
    values: HashMap<String, String>,
    lists: HashMap<String, Vec<String>>,
}

impl Params {
    /// Refuses parameters not in `allowed` and repeated ones.
    pub fn parse(raw: RawQuery, allowed: &[&str]) -> Result<Params, Problem> {
        Params::parse_with_lists(raw, allowed, &[])
    }

    /// Like [`Params::parse`], but the names in `lists` may repeat (`odd=3&odd=17`) and may
    /// carry comma-separated values (`odd=3,17`): read them with [`Params::list`].
    pub fn parse_with_lists(
        raw: RawQuery,
        allowed: &[&str],
        lists: &[&str],
    ) -> Result<Params, Problem> {
        let mut values = HashMap::new();
        let mut multi: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in raw.0 {
            if lists.contains(&k.as_str()) {
                let entry = multi.entry(k.clone()).or_default();
                entry.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(String::from),
                );
                if entry.len() > 100 {
                    return Err(Problem::bad_request(&k, "trop de valeurs (100 au plus)"));
                }
                continue;
            }
            if !allowed.contains(&k.as_str()) {
                let known = if allowed.is_empty() {
                    "aucun paramètre accepté".to_string()
                } else {
                    format!("paramètres acceptés : {}", allowed.join(", "))
                };
                let shown: String = k.chars().take(40).collect();
                return Err(Problem::bad_request(
                    &shown,
                    format!("paramètre inconnu ({known})"),
                ));
            }
            if values.insert(k.clone(), v).is_some() {
                return Err(Problem::bad_request(&k, "paramètre répété"));
            }
        }
        Ok(Params {
            values,
            lists: multi,
        })
    }

    /// The values of a list parameter (empty when absent).
    pub fn list(&self, name: &str) -> &[String] {
        self.lists.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A whole number within `min..=max`, or `default` when absent.
    pub fn number(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, Problem> {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(Problem::bad_request(
                    name,
                    format!("nombre entier de {min} à {max} attendu"),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(decode("saint+%C3%A9tienne"), "saint étienne");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%41"), "A");
    }

    #[test]
    fn refuses_unknown_and_repeated_parameters() {
        let raw = |q: &str| RawQuery(form_urlencoded_pairs(q));
        let e = Params::parse(raw("q=a&foo=1"), &["q"]).err().unwrap();
        assert_eq!(e.errors[0].champ, "foo");
        let e = Params::parse(raw("q=a&q=b"), &["q"]).err().unwrap();
        assert_eq!(e.errors[0].message, "paramètre répété");
        let p = Params::parse(raw("q=a&limit=5"), &["q", "limit"]).unwrap();
        assert_eq!(p.number("limit", 10, 1, 50).unwrap(), 5);
        assert!(p.number("q", 10, 1, 50).is_err());
        assert_eq!(p.number("absent", 10, 1, 50).unwrap(), 10);
    }
}

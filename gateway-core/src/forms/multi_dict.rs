//! `MultiDict`: names with one or more values each, in the order they first appeared.

use std::collections::HashMap;
use std::fmt;

/// What `urllib.parse.parse_qs` returns (a dict of lists), in the shape of werkzeug's
/// `MultiDict`: every name with all its values, names in the order they first appeared,
/// values in the order they came.
///
/// [`get`](Self::get) gives the first value (werkzeug's `MultiDict.get`, Python's
/// `parse_qs(qs)[name][0]`), [`get_all`](Self::get_all) every value. `Debug` prints it as
/// Python prints the dict.
///
/// ```
/// use gateway_core::forms::{parse_qs, QueryOptions};
///
/// let query = parse_qs("tag=a&q=rust&tag=b", &QueryOptions::default()).unwrap();
/// assert_eq!(query.get("q"), Some("rust"));
/// assert_eq!(query.get_all("tag"), ["a", "b"]);
/// assert_eq!(query.get_all("missing"), [] as [&str; 0]);
/// assert_eq!(format!("{query:?}"), r#"{"tag": ["a", "b"], "q": ["rust"]}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MultiDict {
    entries: Vec<(String, Vec<String>)>,
}

impl MultiDict {
    /// An empty dict.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first value of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).first().map(String::as_str)
    }

    /// Every value of `name`, in order; empty when the name is missing.
    pub fn get_all(&self, name: &str) -> &[String] {
        self.entries
            .iter()
            .find(|(key, _)| key == name)
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// Whether `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.entries.iter().any(|(key, _)| key == name)
    }

    /// How many distinct names there are (`len()` of Python's dict).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no name at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `value` to the values of `name` (a new name goes last).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        match self.entries.iter_mut().find(|(key, _)| *key == name) {
            Some((_, values)) => values.push(value.into()),
            None => self.entries.push((name, vec![value.into()])),
        }
    }

    /// Every name with its values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> + '_ {
        self.entries
            .iter()
            .map(|(name, values)| (name.as_str(), values.as_slice()))
    }
}

/// Groups `(name, value)` pairs the way `parse_qs` groups what `parse_qsl` found.
impl FromIterator<(String, String)> for MultiDict {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        // An index while grouping, so that many distinct names cost no quadratic search.
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in pairs {
            match index.get(&name) {
                Some(&at) => entries[at].1.push(value),
                None => {
                    index.insert(name.clone(), entries.len());
                    entries.push((name, vec![value]));
                }
            }
        }
        Self { entries }
    }
}

impl IntoIterator for MultiDict {
    type Item = (String, Vec<String>);
    type IntoIter = std::vec::IntoIter<(String, Vec<String>)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl fmt::Debug for MultiDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> MultiDict {
        items
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn names_keep_the_order_they_first_appeared_in() {
        let dict = pairs(&[("b", "1"), ("a", "2"), ("b", "3")]);
        let names: Vec<&str> = dict.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(dict.get_all("b"), ["1", "3"]);
        assert_eq!(dict.len(), 2);
    }

    #[test]
    fn get_is_the_first_value() {
        let dict = pairs(&[("a", "first"), ("a", "second")]);
        assert_eq!(dict.get("a"), Some("first"));
        assert_eq!(dict.get("b"), None);
        assert!(dict.contains_key("a") && !dict.contains_key("b"));
    }

    #[test]
    fn append_groups_like_collect() {
        let mut dict = MultiDict::new();
        dict.append("a", "1");
        dict.append("b", "2");
        dict.append("a", "3");
        assert_eq!(dict, pairs(&[("a", "1"), ("b", "2"), ("a", "3")]));
    }

    #[test]
    fn into_iter_gives_owned_groups() {
        let groups: Vec<_> = pairs(&[("a", "1"), ("a", "2")]).into_iter().collect();
        assert_eq!(
            groups,
            [("a".to_string(), vec!["1".to_string(), "2".to_string()])]
        );
    }
}

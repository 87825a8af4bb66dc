//! ContentDirectory's Browse and Search over a [`Snapshot`]: which objects a folder holds,
//! in which order, and which page of them is answered.

use super::content::{date_of, Snapshot};
use super::didl::{Container, Object};
use super::soap::Fault;

/// Most objects answered by one Browse or Search (a TV pages through the rest).
pub const MAX_PER_CALL: usize = 500;

/// The top folders: id and title, in menu order.
pub const TOP: [(&str, &str); 6] = [
    ("plan", "本站本季度计划"),
    ("series", "按系列"),
    ("themes", "按主题"),
    ("local", "本地制作"),
    ("recent", "最近添加"),
    ("all", "全部影片"),
];

/// One page of a listing and how many objects there are in all.
pub struct Listing {
    pub objects: Vec<Object>,
    pub total: usize,
}

/// What the caller asks for besides the object.
pub struct Paging<'a> {
    pub start: usize,
    /// 0: as many as allowed.
    pub count: usize,
    pub sort: &'a str,
}

/// What a folder holds.
enum Children {
    Folders(Vec<Container>),
    Films(Vec<usize>),
}

/// `BrowseDirectChildren` of `id`. `plan` is the caller's station plan (film ids).
pub fn children(snap: &Snapshot, plan: &[String], id: &str, p: &Paging) -> Result<Listing, Fault> {
    let sort = parse_sort(p.sort);
    match contents(snap, plan, id)? {
        Children::Folders(folders) => {
            let total = folders.len();
            let objects = page(folders, p).map(Object::Container).collect();
            Ok(Listing { objects, total })
        }
        Children::Films(mut films) => {
            sort_films(snap, &mut films, &sort);
            let total = films.len();
            let objects = page(films, p)
                .map(|i| Object::Item(snap.item(i, id)))
                .collect();
            Ok(Listing { objects, total })
        }
    }
}

/// `BrowseMetadata` of `id`: the object itself.
pub fn metadata(snap: &Snapshot, plan: &[String], id: &str) -> Result<Object, Fault> {
    if let Some(film) = id.strip_prefix("film/") {
        let &i = snap.by_id.get(film).ok_or(Fault::NoSuchObject)?;
        return Ok(Object::Item(snap.item(i, &snap.home_of(i))));
    }
    let (parent, title) = match id {
        "0" => ("-1".to_owned(), "电教片库".to_owned()),
        top if TOP.iter().any(|(t, _)| *t == top) => {
            let title = TOP.iter().find(|(t, _)| *t == top).map(|(_, n)| *n);
            ("0".to_owned(), title.unwrap_or_default().to_owned())
        }
        other => {
            let (parent, groups) = if other.starts_with("series/") {
                ("series", &snap.series)
            } else {
                ("themes", &snap.themes)
            };
            let g = groups
                .iter()
                .find(|g| g.id == other)
                .ok_or(Fault::NoSuchObject)?;
            (parent.to_owned(), g.name.clone())
        }
    };
    let child_count = match contents(snap, plan, id)? {
        Children::Folders(f) => f.len(),
        Children::Films(f) => f.len(),
    };
    Ok(Object::Container(Container {
        id: id.to_owned(),
        parent_id: parent,
        title,
        child_count,
    }))
}

/// Search results: `hits` (indexes into the snapshot, in relevance order) paged and sorted.
pub fn results(snap: &Snapshot, mut hits: Vec<usize>, p: &Paging) -> Listing {
    let sort = parse_sort(p.sort);
    if !sort.is_empty() {
        sort_films(snap, &mut hits, &sort);
    }
    let total = hits.len();
    let objects = page(hits, p)
        .map(|i| Object::Item(snap.item(i, &snap.home_of(i))))
        .collect();
    Listing { objects, total }
}

fn contents(snap: &Snapshot, plan: &[String], id: &str) -> Result<Children, Fault> {
    let folder = |id: &str, title: &str, count: usize, parent: &str| Container {
        id: id.to_owned(),
        parent_id: parent.to_owned(),
        title: title.to_owned(),
        child_count: count,
    };
    Ok(match id {
        "0" => Children::Folders(
            TOP.iter()
                .map(|(id, title)| {
                    let count = match contents(snap, plan, id) {
                        Ok(Children::Folders(f)) => f.len(),
                        Ok(Children::Films(f)) => f.len(),
                        Err(_) => 0,
                    };
                    folder(id, title, count, "0")
                })
                .collect(),
        ),
        "plan" => Children::Films(planned(snap, plan)),
        "series" | "themes" => {
            let groups = if id == "series" {
                &snap.series
            } else {
                &snap.themes
            };
            Children::Folders(
                groups
                    .iter()
                    .map(|g| folder(&g.id, &g.name, g.films.len(), id))
                    .collect(),
            )
        }
        "local" => Children::Films(snap.local.clone()),
        "recent" => Children::Films(snap.recent.clone()),
        "all" => Children::Films((0..snap.films.len()).collect()),
        other => {
            let groups = if other.starts_with("series/") {
                &snap.series
            } else if other.starts_with("theme/") {
                &snap.themes
            } else if let Some(film) = other.strip_prefix("film/") {
                // An item has no children.
                snap.by_id.get(film).ok_or(Fault::NoSuchObject)?;
                return Ok(Children::Films(Vec::new()));
            } else {
                return Err(Fault::NoSuchObject);
            };
            let g = groups
                .iter()
                .find(|g| g.id == other)
                .ok_or(Fault::NoSuchObject)?;
            Children::Films(g.films.clone())
        }
    })
}

/// The plan's films that can be played, in plan order, each once.
fn planned(snap: &Snapshot, plan: &[String]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(plan.len());
    for id in plan {
        if let Some(&i) = snap.by_id.get(id) {
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out
}

fn page<T>(all: Vec<T>, p: &Paging) -> impl Iterator<Item = T> {
    let count = match p.count {
        0 => MAX_PER_CALL,
        n => n.min(MAX_PER_CALL),
    };
    all.into_iter().skip(p.start).take(count)
}

/// A sort key: by title or by date, ascending or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Title(bool),
    Date(bool),
}

/// `+dc:title,-dc:date`; properties we do not sort on are passed over (TVs send
/// `+upnp:class` and the like along with the ones that matter).
fn parse_sort(criteria: &str) -> Vec<Key> {
    criteria
        .split(',')
        .filter_map(|c| {
            let c = c.trim();
            let (ascending, prop) = match c.as_bytes().first() {
                Some(b'-') => (false, &c[1..]),
                Some(b'+') => (true, &c[1..]),
                _ => (true, c),
            };
            match prop {
                "dc:title" => Some(Key::Title(ascending)),
                "dc:date" => Some(Key::Date(ascending)),
                _ => None,
            }
        })
        .collect()
}

fn sort_films(snap: &Snapshot, films: &mut [usize], keys: &[Key]) {
    if keys.is_empty() {
        return;
    }
    let dates: std::collections::HashMap<usize, String> =
        if keys.iter().any(|k| matches!(k, Key::Date(_))) {
            films
                .iter()
                .map(|&i| (i, date_of(&snap.films[i].film)))
                .collect()
        } else {
            Default::default()
        };
    films.sort_by(|&a, &b| {
        keys.iter()
            .map(|k| match *k {
                Key::Title(asc) => {
                    let o = snap.films[a].film.title.cmp(&snap.films[b].film.title);
                    if asc {
                        o
                    } else {
                        o.reverse()
                    }
                }
                Key::Date(asc) => {
                    let o = dates.get(&a).cmp(&dates.get(&b));
                    if asc {
                        o
                    } else {
                        o.reverse()
                    }
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_criteria_keep_title_and_date_and_pass_over_the_rest() {
        assert_eq!(
            parse_sort("+upnp:class,-dc:date, +dc:title"),
            vec![Key::Date(false), Key::Title(true)]
        );
        assert!(parse_sort("").is_empty());
    }
}

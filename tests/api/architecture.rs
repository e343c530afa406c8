//! The architecture, checked: the top-level modules of `src/lib.rs` form no import cycle, and
//! `pages`, `export` and `cli` never import `routes` (they work from `service` and `views`).
//!
//! Every `src/**/*.rs` file of the library is lexed (proc-macro2, so comments and strings are no
//! paths, while paths inside macros and attributes are); each `crate::<module>` path and each
//! `super::` path that climbs out of its top-level module is an edge of the module graph. A test
//! on synthetic sources proves the checker finds what it must.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Top-level module → the top-level modules its files name.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// Modules that must not import `routes`.
const ABOVE_ROUTES: [&str; 3] = ["pages", "export", "cli"];

/// The module path of a file under `src/`: `routes/hasil.rs` → [routes, hasil], `routes/mod.rs`
/// → [routes], `lib.rs` → [].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

fn is_path_sep(tokens: &[TokenTree], i: usize) -> bool {
    matches!((tokens.get(i), tokens.get(i + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

fn ident(t: Option<&TokenTree>) -> Option<String> {
    match t {
        Some(TokenTree::Ident(i)) => Some(i.to_string()),
        _ => None,
    }
}

/// The first segment of each path in a `{a::b, c}` group.
fn group_heads(g: &proc_macro2::Group) -> Vec<String> {
    let tokens: Vec<TokenTree> = g.stream().into_iter().collect();
    let mut out = Vec::new();
    let mut at_start = true;
    for t in &tokens {
        match t {
            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
            TokenTree::Ident(i) if at_start => {
                out.push(i.to_string());
                at_start = false;
            }
            _ => at_start = false,
        }
    }
    out
}

/// The top-level modules named at position `i` (just after a `::`).
fn named_at(tokens: &[TokenTree], i: usize) -> Vec<String> {
    match tokens.get(i) {
        Some(TokenTree::Ident(x)) => vec![x.to_string()],
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => group_heads(g),
        _ => vec![],
    }
}

/// Collects the top-level modules that code at module path `path` names.
fn references(path: &[String], stream: TokenStream, out: &mut BTreeSet<String>) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        // An inline module: its body sits one level deeper.
        if ident(tokens.get(i)).as_deref() == Some("mod")
            && let (Some(name), Some(TokenTree::Group(body))) = (ident(tokens.get(i + 1)), tokens.get(i + 2))
            && body.delimiter() == Delimiter::Brace
        {
            let mut inner = path.to_vec();
            inner.push(name);
            references(&inner, body.stream(), out);
            i += 3;
            continue;
        }
        match &tokens[i] {
            TokenTree::Ident(x) if *x == "crate" && is_path_sep(&tokens, i + 1) => {
                out.extend(named_at(&tokens, i + 3));
                i += 3;
                continue;
            }
            TokenTree::Ident(x) if *x == "super" && is_path_sep(&tokens, i + 1) => {
                let mut ups = 0;
                let mut j = i;
                while ident(tokens.get(j)).as_deref() == Some("super") && is_path_sep(&tokens, j + 1) {
                    ups += 1;
                    j += 3;
                }
                // Climbing to the crate root: the next segment names a top-level module.
                if ups == path.len() {
                    out.extend(named_at(&tokens, j));
                }
                i = j;
                continue;
            }
            TokenTree::Group(g) => references(path, g.stream(), out),
            _ => {}
        }
        i += 1;
    }
}

/// The module graph of a library's files, given as (path under `src/`, source).
fn graph(files: &[(PathBuf, String)]) -> Graph {
    let top: BTreeSet<String> = files.iter().filter_map(|(p, _)| module_path(p).first().cloned()).collect();
    let mut g: Graph = top.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for (p, src) in files {
        let path = module_path(p);
        let Some(from) = path.first() else { continue };
        let tokens = TokenStream::from_str(src).unwrap_or_else(|e| panic!("{}: cannot lex: {e}", p.display()));
        let mut named = BTreeSet::new();
        references(&path, tokens, &mut named);
        let edges = g.entry(from.clone()).or_default();
        edges.extend(named.into_iter().filter(|m| m != from && top.contains(m)));
    }
    g
}

/// One cycle of the graph (`a → b → … → a`), if any.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, m: &str, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_owned());
        for next in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(g, next, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

/// Every rule the graph breaks, as one line each.
fn violations(g: &Graph) -> Vec<String> {
    let mut out: Vec<String> = ABOVE_ROUTES
        .iter()
        .filter(|m| g.get(**m).is_some_and(|e| e.contains("routes")))
        .map(|m| format!("`{m}` imports `routes`"))
        .collect();
    if let Some(c) = find_cycle(g) {
        out.push(format!("import cycle: {}", c.join(" → ")));
    }
    out
}

/// The library's source files (not the binaries').
fn library_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if p.is_dir() {
                if rel != Path::new("bin") {
                    walk(&p, root, out);
                }
            } else if p.extension().is_some_and(|x| x == "rs") && rel != Path::new("main.rs") {
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

#[test]
fn the_top_level_modules_form_no_cycle_and_nothing_above_routes_imports_it() {
    let files = library_sources();
    assert!(files.len() > 50, "found only {} source files", files.len());
    let g = graph(&files);
    // The checker sees the real edges (a blind checker would pass anything).
    assert!(g["routes"].contains("service") && g["service"].contains("repo"), "{g:#?}");
    let broken = violations(&g);
    assert!(broken.is_empty(), "{}\n\nthe module graph: {g:#?}", broken.join("\n"));
}

fn synthetic(files: &[(&str, &str)]) -> Graph {
    let files: Vec<(PathBuf, String)> = files.iter().map(|(p, s)| (PathBuf::from(p), s.to_string())).collect();
    graph(&files)
}

#[test]
fn the_checker_finds_a_synthetic_cycle() {
    // Direct, through `use crate::{…}` groups, a macro's tokens, and `super::super::` from a
    // nested file; comments and strings are not paths.
    let g = synthetic(&[
        ("lib.rs", "pub mod alpha; pub mod beta; pub mod gamma;"),
        (
            "alpha/mod.rs",
            "pub mod inner; // crate::gamma::nothing\nconst S: &str = \"crate::gamma::x\";",
        ),
        ("alpha/inner.rs", "pub fn f() -> u8 { super::super::beta::g() }"),
        ("beta.rs", "use crate::{gamma::G, self as _};\npub fn g() -> u8 { G }"),
        (
            "gamma.rs",
            "pub const G: u8 = 1;\npub fn h() { tracing::info!(\"{}\", crate::alpha::inner::f()); }",
        ),
    ]);
    assert_eq!(g["alpha"], BTreeSet::from(["beta".to_owned()]), "{g:#?}");
    assert_eq!(g["beta"], BTreeSet::from(["gamma".to_owned()]), "{g:#?}");
    assert_eq!(g["gamma"], BTreeSet::from(["alpha".to_owned()]), "{g:#?}");
    let cycle = find_cycle(&g).expect("the three-module cycle");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    assert_eq!(violations(&g).len(), 1);

    // A `super::` inside an inline module stays in its file's module: `alpha::beta` is no `beta`,
    // so there is no cycle here.
    let g = synthetic(&[
        ("alpha.rs", "mod beta { pub fn g() {} }\nmod tests { use super::beta::g; }"),
        ("beta.rs", "pub fn h() { crate::alpha::x(); }"),
    ]);
    assert!(g["alpha"].is_empty(), "{g:#?}");
    assert_eq!(find_cycle(&g), None, "{g:#?}");
}

#[test]
fn the_checker_finds_pages_export_or_cli_importing_routes() {
    for (file, src) in [
        ("pages/report.rs", "use crate::routes::hasil::UnitHasil;"),
        ("pages/report.rs", "fn f() { let _ = super::super::routes::api; }"),
        ("export.rs", "fn f(r: &crate::routes::results::Results) {}"),
        ("cli.rs", "use crate::{config, routes::keys};"),
    ] {
        let g = synthetic(&[("routes/mod.rs", "pub mod hasil;"), ("service.rs", ""), (file, src)]);
        let broken = violations(&g);
        assert_eq!(broken.len(), 1, "{file}: {src} → {broken:?}");
        assert!(broken[0].ends_with("imports `routes`"), "{broken:?}");
    }
    // `service` may import `routes`-free modules; `routes` importing `pages` is allowed.
    let g = synthetic(&[("routes/mod.rs", "use crate::pages::x;"), ("pages/mod.rs", "pub fn x() {}")]);
    assert!(violations(&g).is_empty());
}

//! Bodies are written in Markdown and shown as HTML: the one rule that makes that safe.
//!
//! pulldown-cmark parses (tables and strikethrough on); raw HTML written in the body (blocks and
//! inline) is dropped before rendering, images become plain links (no third-party loads), and
//! headings move down one level (`#` becomes `<h2>`: the page keeps its single `<h1>`). The HTML
//! then goes through ammonia with a short allow-list of tags, `http`, `https` and `mailto`
//! links only (a `javascript:` link loses its `href`), no attribute but `href`/`title` on links,
//! `colspan`/`rowspan` on cells, and `rel="noopener noreferrer nofollow"` on every link.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

fn plus_bas(l: HeadingLevel) -> HeadingLevel {
    match l {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// The events to render: no raw HTML, images as links, headings one level down.
fn evenements(md: &str) -> impl Iterator<Item = Event<'_>> {
    Parser::new_ext(md, options()).filter_map(|e| match e {
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: plus_bas(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(plus_bas(level)))),
        Event::Start(Tag::Image {
            dest_url, title, ..
        }) => Some(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url,
            title,
            id: CowStr::Borrowed(""),
        })),
        Event::End(TagEnd::Image) => Some(Event::End(TagEnd::Link)),
        autre => Some(autre),
    })
}

fn nettoyeur() -> ammonia::Builder<'static> {
    let balises: HashSet<&str> = [
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::empty();
    b.tags(balises)
        .add_tag_attributes("a", ["href", "title"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("th", ["colspan", "rowspan"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    b
}

/// The body as safe HTML, ready to be inserted as is in a page.
pub fn en_html(md: &str) -> String {
    let mut brut = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut brut, evenements(md));
    nettoyeur().clean(&brut).to_string()
}

/// The body as plain text (search, API summaries): the words, no markup, no raw HTML.
pub fn texte_brut(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for e in Parser::new_ext(md, options()) {
        match e {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The web addresses (`http`, `https`) the body links to, in order, without duplicates: the
/// broken-link check follows them too.
pub fn liens(md: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in Parser::new_ext(md, options()) {
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = e {
            let u = dest_url.trim();
            if (u.starts_with("http://") || u.starts_with("https://"))
                && !out.iter().any(|x| x == u)
            {
                out.push(u.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        let h = en_html("# Titre\n\nUn **texte** avec un [lien](https://exemple.fr).\n\n- a\n- b");
        assert!(h.contains("<h2>Titre</h2>"), "{h}");
        assert!(h.contains("<strong>texte</strong>"), "{h}");
        assert!(
            h.contains(
                r#"<a href="https://exemple.fr" rel="noopener noreferrer nofollow">lien</a>"#
            ),
            "{h}"
        );
        assert!(h.contains("<li>a</li>"), "{h}");
    }

    #[test]
    fn script_tags_are_removed() {
        for md in [
            "<script>alert(1)</script>",
            "avant <script>alert(1)</script> après",
            "<div><script src=\"https://x.fr/a.js\"></script></div>",
        ] {
            let h = en_html(md);
            assert!(!h.to_lowercase().contains("<script"), "{md} → {h}");
            assert!(!h.contains("alert(1)</script"), "{md} → {h}");
        }
    }

    #[test]
    fn javascript_links_lose_their_target() {
        for md in [
            "[clic](javascript:alert(1))",
            "[clic](JavaScript:alert(1))",
            "[clic](  javascript:alert(1))",
            "<javascript:alert(1)>",
            "[clic](data:text/html;base64,PHNjcmlwdD4=)",
            "![img](javascript:alert(1))",
        ] {
            let h = en_html(md);
            // The text may stay visible; no link leads there.
            let bas = h.to_lowercase();
            assert!(!bas.contains("href=\"javascript"), "{md} → {h}");
            assert!(!bas.contains("href=\"data"), "{md} → {h}");
            assert!(!bas.contains("href=\" javascript"), "{md} → {h}");
        }
    }

    #[test]
    fn event_handlers_and_raw_html_are_removed() {
        for md in [
            "<img src=x onerror=alert(1)>",
            "<a href=\"https://x.fr\" onclick=\"alert(1)\">x</a>",
            "texte <span onmouseover=\"alert(1)\">survol</span>",
            "<p style=\"color:red\" onload=\"alert(1)\">p</p>",
            "<iframe src=\"https://x.fr\"></iframe>",
            "<style>body{display:none}</style>",
        ] {
            let h = en_html(md);
            let bas = h.to_lowercase();
            for interdit in [
                "onerror",
                "onclick",
                "onmouseover",
                "onload",
                "<iframe",
                "<style",
                "style=",
                "<img",
                "<span",
            ] {
                assert!(!bas.contains(interdit), "{md} → {h}");
            }
        }
        // Raw HTML is dropped, not shown as text; the Markdown around it stays.
        let h = en_html("**gras** <b>brut</b>");
        assert!(h.contains("<strong>gras</strong>"), "{h}");
        assert!(!h.contains("<b>"), "{h}");
    }

    #[test]
    fn images_become_links_and_titles_shift() {
        let h = en_html("![plan](https://exemple.fr/plan.png)");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains(r#"href="https://exemple.fr/plan.png""#), "{h}");
        assert!(en_html("## Sous-titre").contains("<h3>Sous-titre</h3>"));
    }

    #[test]
    fn plain_text_and_links() {
        let md = "# Titre\n\nUn [lien](https://a.fr) et <b>du HTML</b>, `code`.\n\n[autre](http://b.fr/x) [relatif](/ressources) [a](https://a.fr)";
        assert_eq!(
            texte_brut(md),
            "Titre Un lien et du HTML, code. autre relatif a"
        );
        assert_eq!(liens(md), vec!["https://a.fr", "http://b.fr/x"]);
    }
}

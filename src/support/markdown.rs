//! Markdown that people write (task descriptions, comments) to HTML that is
//! safe to put in a page: CommonMark through `pulldown-cmark`, then the
//! `ammonia` allow-list sanitiser, which drops raw HTML, scripts, event
//! attributes and `javascript:` links, and marks links `noopener noreferrer`.

use pulldown_cmark::{html, Options, Parser};

/// Past this many bytes the text is shown escaped rather than rendered:
/// rendering is linear, but a page need not render a novel.
pub const MAX_RENDERED: usize = 100_000;

/// Renders `text` to sanitised HTML.
pub fn to_safe_html(text: &str) -> String {
    if text.len() > MAX_RENDERED {
        return format!("<pre>{}</pre>", ammonia::clean_text(text));
    }
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(text, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_renders_and_scripts_do_not() {
        let out = to_safe_html("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(out.contains("<strong>bold</strong>"), "{out}");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
    }

    #[test]
    fn event_attributes_are_dropped() {
        let out = to_safe_html("<img src=x onerror=alert(1)> [ok](https://example.com)");
        assert!(!out.contains("onerror"), "{out}");
        assert!(out.contains("href=\"https://example.com\""), "{out}");
        assert!(out.contains("noopener"), "{out}");
    }
}

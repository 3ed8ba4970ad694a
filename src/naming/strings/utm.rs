//! UTM links of GA4 / UTM strings: which dimension fills which utm
//! parameter, and the tagged URL (pure functions).

use super::DEFAULT_LANDING;

/// A landing page: `s` when it is an http(s) URL, else the default.
pub fn landing_page(s: &str) -> String {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && s.len() > "https://".len()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
    {
        s.to_string()
    } else {
        DEFAULT_LANDING.to_string()
    }
}

/// The utm parameter a dimension fills, by its name or slug.
pub fn utm_parameter(name: &str, slug: &str) -> Option<&'static str> {
    let words = format!("{} {}", name.to_lowercase(), slug.to_lowercase());
    ["source", "medium", "campaign", "term", "content"]
        .into_iter()
        .find(|p| words.contains(p))
        .map(|p| match p {
            "source" => "utm_source",
            "medium" => "utm_medium",
            "campaign" => "utm_campaign",
            "term" => "utm_term",
            _ => "utm_content",
        })
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The tagged URL of a UTM string: `landing` plus one utm parameter per part
/// `(dimension name, dimension slug, utm code or text)` that maps to one, in
/// the standard order (source, medium, campaign, term, content). Parts that
/// map to no parameter, or are empty, are left out.
pub fn utm_url(landing: &str, parts: &[(&str, &str, &str)]) -> String {
    let landing = landing_page(landing);
    let mut params: Vec<(&'static str, String)> = Vec::new();
    for key in [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    ] {
        if let Some((_, _, v)) = parts
            .iter()
            .find(|(n, s, v)| utm_parameter(n, s) == Some(key) && !v.trim().is_empty())
        {
            params.push((key, encode_query_value(v.trim())));
        }
    }
    if params.is_empty() {
        return landing;
    }
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let (base, fragment) = match landing.split_once('#') {
        Some((b, f)) => (b.to_string(), format!("#{f}")),
        None => (landing.clone(), String::new()),
    };
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{base}{sep}{query}{fragment}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_url_maps_dimensions_by_name_in_standard_order() {
        let url = utm_url(
            "https://shop.example/spring",
            &[
                ("Campaign name", "campaign-name", "Spring sale"),
                ("Source", "source", "facebook"),
                ("Medium", "medium", "cpc"),
            ],
        );
        assert_eq!(
            url,
            "https://shop.example/spring?utm_source=facebook&utm_medium=cpc&utm_campaign=Spring%20sale"
        );
    }

    #[test]
    fn utm_url_appends_to_an_existing_query_and_keeps_the_fragment() {
        let url = utm_url(
            "https://a.example/p?x=1#top",
            &[("Source", "source", "a&b=c"), ("Country", "country", "de")],
        );
        assert_eq!(url, "https://a.example/p?x=1&utm_source=a%26b%3Dc#top");
    }

    #[test]
    fn utm_url_falls_back_to_the_default_landing_page() {
        assert_eq!(
            utm_url("javascript:alert(1)", &[("Medium", "medium", "email")]),
            "https://example.com/?utm_medium=email"
        );
        assert_eq!(utm_url("", &[]), DEFAULT_LANDING);
    }

    #[test]
    fn utm_parameters_come_from_names_or_slugs() {
        assert_eq!(utm_parameter("Traffic source", "x"), Some("utm_source"));
        assert_eq!(utm_parameter("Kw", "term"), Some("utm_term"));
        assert_eq!(utm_parameter("Ad content", "ad"), Some("utm_content"));
        assert_eq!(utm_parameter("Country", "country"), None);
    }
}

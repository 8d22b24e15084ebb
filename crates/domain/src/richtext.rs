//! A small, safe rich-text format for announcements: a subset of Markdown rendered to HTML
//! with everything escaped. Paragraphs (blank line), line breaks, `## heading`, `- item`
//! lists, `**bold**`, `*italic*` and `[text](https://…)` links (http and https only).
//! Anything else is shown as typed.

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders inline markup of one line; the input is raw text, the output safe HTML.
fn inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
            && end > 0
        {
            out.push_str("<strong>");
            out.push_str(&inline(&after[..end]));
            out.push_str("</strong>");
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('*')
            && let Some(end) = after.find('*')
            && end > 0
        {
            out.push_str("<em>");
            out.push_str(&inline(&after[..end]));
            out.push_str("</em>");
            rest = &after[end + 1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('[')
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let text = &after[..close];
            let url = after[close + 2..close + 2 + end].trim();
            if is_safe_url(url) && !text.is_empty() {
                out.push_str(&format!(
                    "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                    escape(url),
                    escape(text)
                ));
                rest = &after[close + 2 + end + 1..];
                continue;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push_str(&escape(&c.to_string()));
        }
        rest = chars.as_str();
    }
    out
}

/// Only absolute http(s) URLs without spaces or quotes become links.
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > 8
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>' || c.is_control())
}

pub fn to_html(text: &str) -> String {
    let mut out = String::new();
    let normalized = text.replace("\r\n", "\n");
    for block in normalized.split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        if lines.iter().all(|l| l.trim_start().starts_with("- ")) {
            out.push_str("<ul>");
            for l in &lines {
                out.push_str("<li>");
                out.push_str(&inline(l.trim_start().trim_start_matches("- ").trim()));
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        } else if lines.len() == 1 && lines[0].starts_with("## ") {
            out.push_str("<h3>");
            out.push_str(&inline(lines[0].trim_start_matches("## ").trim()));
            out.push_str("</h3>");
        } else {
            out.push_str("<p>");
            let rendered: Vec<String> = lines.iter().map(|l| inline(l.trim())).collect();
            out.push_str(&rendered.join("<br>"));
            out.push_str("</p>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_subset() {
        let html = to_html(
            "## Jadwal\n\nSosialisasi **daring** pada *Sabtu*.\nTautan: [Zoom](https://zoom.us/j/123)\n\n- satu\n- dua",
        );
        assert_eq!(
            html,
            "<h3>Jadwal</h3><p>Sosialisasi <strong>daring</strong> pada <em>Sabtu</em>.<br>Tautan: \
             <a href=\"https://zoom.us/j/123\" rel=\"noopener noreferrer\">Zoom</a></p><ul><li>satu</li><li>dua</li></ul>"
        );
    }

    #[test]
    fn escapes_everything_else() {
        let html = to_html(
            "<script>alert(1)</script> [x](javascript:alert(1)) [y](https://a.id\" onclick=\"z) 5 * 3",
        );
        assert!(!html.contains("<script"));
        assert!(!html.contains("href=\"javascript"));
        assert!(!html.contains("onclick=\""));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("5 * 3"));
        assert_eq!(to_html("a < b & c"), "<p>a &lt; b &amp; c</p>");
    }
}

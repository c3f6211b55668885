//! The offline HTML page of a notice: one self-contained file (inline style, no scripts, no external CSS,
//! JavaScript, fonts or images) that the website team can publish as it is or copy from. Every piece of text
//! is escaped, so a company name like `<script>` or `"><img onerror=…>` prints as the characters it is.

use super::Notice;

/// Escapes text for HTML element content and attribute values; line breaks become `<br>`, and control
/// characters (which HTML cannot carry) are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:\"Microsoft YaHei\",\"PingFang SC\",\"Noto Sans CJK SC\",\"Source Han Sans SC\",\
SimSun,sans-serif;margin:2em auto;max-width:75em;padding:0 1em;color:#222;line-height:1.6}\
h1{font-size:1.5em;text-align:center;margin-bottom:.2em}\
p.sub{text-align:center;margin-top:0;color:#444}\
table{border-collapse:collapse;width:100%;margin:1em 0}\
th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:left}\
th{background:#eee;white-space:nowrap}\
table.intro th{width:9em}\
td.code{font-family:Consolas,\"DejaVu Sans Mono\",monospace;white-space:nowrap}\
p.note{color:#444;font-size:.9em}\
@media print{body{margin:0;max-width:none}}";

/// The whole page.
pub fn page(n: &Notice) -> String {
    let mut h = String::with_capacity(2048 + n.rows.len() * 256);
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", escape(&n.title)));
    h.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    h.push_str(&format!("<h1>{}</h1>\n", escape(&n.title)));
    if !n.subtitle.is_empty() {
        h.push_str(&format!("<p class=\"sub\">{}</p>\n", escape(&n.subtitle)));
    }
    if !n.intro.is_empty() {
        h.push_str("<table class=\"intro\">\n");
        for (k, v) in &n.intro {
            h.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
                escape(k),
                escape(v)
            ));
        }
        h.push_str("</table>\n");
    }
    h.push_str("<table class=\"list\">\n<thead><tr>");
    for c in &n.columns {
        h.push_str(&format!("<th scope=\"col\">{}</th>", escape(c)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &n.rows {
        h.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            if n.code_columns.contains(&c) {
                h.push_str(&format!("<td class=\"code\">{}</td>", escape(cell)));
            } else {
                h.push_str(&format!("<td>{}</td>", escape(cell)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    for note in &n.notes {
        h.push_str(&format!("<p class=\"note\">{}</p>\n", escape(note)));
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_control_characters_are_escaped_or_dropped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\"\n二行\u{7}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;<br>二行"
        );
    }

    #[test]
    fn the_page_has_no_external_resources_and_escapes_every_cell() {
        let n = Notice {
            kind: super::super::Kind::Items,
            title: "抽查事项清单 <b>".into(),
            subtitle: "永州".into(),
            intro: vec![("部门".into(), "市场监管局 & 卫健委".into())],
            columns: vec!["编码".into(), "名称".into()],
            code_columns: vec![0],
            wide: vec![1],
            rows: vec![vec!["=1+1".into(), "<img src=x onerror=alert(1)>".into()]],
            notes: vec!["注：\"引号\"".into()],
        };
        let p = page(&n);
        assert!(p.contains("<title>抽查事项清单 &lt;b&gt;</title>"));
        assert!(p.contains("<td>市场监管局 &amp; 卫健委</td>"));
        assert!(p.contains("<td class=\"code\">=1+1</td>"));
        assert!(p.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"));
        assert!(p.contains("注：&quot;引号&quot;"));
        for external in ["<script", "<link", "src=\"", "href=", "url(", "@import", "<img"] {
            assert!(!p.contains(external), "{external} in the page");
        }
    }
}

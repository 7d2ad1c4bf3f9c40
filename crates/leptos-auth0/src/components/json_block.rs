//! Shows JSON text indented, as text (never as HTML), without building a JSON tree.

use leptos::prelude::*;

/// Re-indents compact JSON text with two spaces per level; strings are copied untouched.
/// Text that is not JSON comes out re-spaced but otherwise unchanged.
pub fn pretty_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|next| next.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|next| matches!(next, '}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ if c.is_whitespace() => {}
            _ => out.push(c),
        }
    }
    out
}

/// A `<pre>` with the JSON text indented.
#[component]
pub fn JsonBlock(
    /// JSON text, as received.
    #[prop(into)]
    text: String,
) -> impl IntoView {
    view! { <pre class="json">{pretty_json(&text)}</pre> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_arrays_are_indented() {
        assert_eq!(
            pretty_json(r#"{"a":1,"b":[true,null],"c":{}}"#),
            "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ],\n  \"c\": {}\n}"
        );
    }

    #[test]
    fn strings_are_copied_untouched() {
        assert_eq!(
            pretty_json(r#"{"x":"a, b: {c} \"[d]\" <b>"}"#),
            "{\n  \"x\": \"a, b: {c} \\\"[d]\\\" <b>\"\n}"
        );
    }

    #[test]
    fn pretty_json_matches_serde_json_pretty_printing() {
        let text = r#"{"aud":["a","b"],"e":-15,"n":{"x":[]},"sub":"auth0|1"}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            pretty_json(text),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }
}

//! Reading Python source as the interpreter would: UTF-8 by default, a BOM,
//! or the encoding a PEP 263 coding cookie names.

use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "line {line}: the file is not valid UTF-8 and has no coding cookie; \
         save it as UTF-8 or declare its encoding on line 1 or 2, e.g. `# -*- coding: latin-1 -*-`"
    )]
    NotUtf8 { line: usize },
    #[error("unknown encoding {0:?} in the coding cookie")]
    UnknownEncoding(String),
    #[error("the file is not valid {encoding}, as its coding cookie declares")]
    Malformed { encoding: String },
}

/// Decode `bytes` to text, honouring a BOM or a coding cookie.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, SourceError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return utf8(rest);
    }
    match coding_cookie(bytes) {
        None => utf8(bytes),
        Some(name) => {
            let normalized = name.to_ascii_lowercase().replace('_', "-");
            if normalized == "utf-8" || normalized == "utf8" || normalized.starts_with("utf-8-") {
                return utf8(bytes);
            }
            let label = match normalized.as_str() {
                "latin-1" | "iso-8859-1" | "iso8859-1" | "l1" | "latin1" => "iso-8859-1",
                other => other,
            };
            if label == "iso-8859-1" {
                // True Latin-1: every byte is the code point of the same value.
                return Ok(Cow::Owned(bytes.iter().map(|&b| b as char).collect()));
            }
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
                .ok_or_else(|| SourceError::UnknownEncoding(name.clone()))?;
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(SourceError::Malformed { encoding: name });
            }
            Ok(text)
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, SourceError> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        SourceError::NotUtf8 { line }
    })
}

/// PEP 263: `coding[:=]\s*([-\w.]+)` in a comment on line 1 or 2 (line 2 only
/// if line 1 is a comment or blank).
fn coding_cookie(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n').take(2);
    let first = lines.next()?;
    if let Some(name) = cookie_in_line(first) {
        return Some(name);
    }
    let first_trimmed = first.trim_ascii_start();
    if first_trimmed.is_empty() || first_trimmed.starts_with(b"#") {
        return lines.next().and_then(cookie_in_line);
    }
    None
}

fn cookie_in_line(line: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(line).ok()?;
    let comment = line.trim_start().strip_prefix('#')?;
    let at = comment.find("coding")?;
    let rest = &comment[at + "coding".len()..];
    let rest = rest.strip_prefix([':', '='])?.trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_the_default_and_a_bom_is_dropped() {
        assert_eq!(decode("x = 'é'\n".as_bytes()).unwrap(), "x = 'é'\n");
        assert_eq!(decode(b"\xef\xbb\xbfx = 1\n").unwrap(), "x = 1\n");
    }

    #[test]
    fn cookies_on_line_one_or_two() {
        let latin = b"# -*- coding: latin-1 -*-\ns = '\xe9'\n";
        assert_eq!(
            decode(latin).unwrap(),
            "# -*- coding: latin-1 -*-\ns = 'é'\n"
        );
        let second = b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\x80'\n";
        assert!(decode(second).unwrap().contains('€'));
        // A cookie on line two only counts after a comment line.
        let code_first = b"x = 1\n# coding: latin-1\ns = '\xe9'\n";
        assert!(matches!(
            decode(code_first),
            Err(SourceError::NotUtf8 { line: 3 })
        ));
    }

    #[test]
    fn bad_input_is_explained() {
        assert!(matches!(
            decode(b"a = 1\nb = '\xff'\n"),
            Err(SourceError::NotUtf8 { line: 2 })
        ));
        assert!(matches!(
            decode(b"# coding: klingon\n"),
            Err(SourceError::UnknownEncoding(_))
        ));
    }
}

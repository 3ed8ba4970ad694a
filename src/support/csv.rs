//! CSV through the `csv` crate, for every export and import: RFC 4180 quoting
//! on the way out with spreadsheet formulas defused, and a reader that
//! reports the line each record starts on.

/// First characters that make a spreadsheet read a cell as a formula: the
/// four operators, and tab or carriage return (which spreadsheets skip
/// before an operator), as OWASP's CSV-injection guidance lists them.
pub const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as it is written: a leading `'` before any of [`FORMULA_LEADS`], so
/// a spreadsheet shows the text instead of running it.
fn defused(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_LEADS) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// One CSV line (CRLF-terminated) from fields: each defused, and quoted
/// only where RFC 4180 needs it. Exports write line by line, so a large one
/// streams instead of being built in memory.
pub fn line(fields: &[&str]) -> String {
    let size = fields.iter().map(|f| f.len() + 3).sum::<usize>() + 2;
    // A writer per line, so its buffer is sized to the line, not the
    // crate's 8 KiB default: exports call this once per row.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .buffer_capacity(size.max(16))
        .from_writer(Vec::with_capacity(size));
    // Writing into a Vec cannot fail, and fields are &str (valid UTF-8).
    let written = fields
        .iter()
        .try_for_each(|f| w.write_field(defused(f).as_bytes()))
        .and_then(|()| w.write_record(None::<&[u8]>))
        .and_then(|()| w.flush().map_err(csv::Error::from));
    match (written, w.into_inner()) {
        (Ok(()), Ok(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
        _ => String::new(),
    }
}

/// Parses CSV text: commas, double-quoted fields with `""` for a quote and
/// line breaks inside quotes, CRLF or LF, a leading byte-order mark. Returns
/// each record with the line it starts on; blank lines are skipped. A quoted
/// field left open at the end is refused with its line, rather than read as
/// the rest of the file.
pub fn parse(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut last_start = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("Line {}: {}", p.line(), reason(&e)),
            None => reason(&e),
        })?;
        // The reader's own line count lags on records after the first, so
        // the line is counted from the record's byte offset, past the blank
        // lines the reader skipped before it.
        let byte = record.position().map_or(0, |p| p.byte() as usize);
        let skipped = text.get(byte..).map_or(0, |rest| {
            rest.len() - rest.trim_start_matches(['\r', '\n']).len()
        });
        let start = byte + skipped;
        let line = 1 + text
            .get(..start)
            .map_or(0, |head| head.matches('\n').count());
        last_start = start;
        out.push((line, record.iter().map(str::to_string).collect()));
    }
    // The reader is lenient: an unclosed quote swallows the rest of the text
    // into one field. Its record then holds an odd number of quote marks.
    if let Some((line, _)) = out.last() {
        let tail = text.get(last_start..).unwrap_or("");
        if tail.bytes().filter(|b| *b == b'"').count() % 2 == 1 {
            return Err(format!("Line {line}: a quoted field is never closed."));
        }
    }
    Ok(out)
}

fn reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8.".into(),
        _ => format!("the CSV could not be read ({e})."),
    }
}

#[cfg(test)]
mod tests {
    use super::{line, parse};

    #[test]
    fn fields_starting_like_a_formula_are_defused() {
        for v in ["=1+1", "+1", "-1", "@SUM(A1)"] {
            assert_eq!(line(&[v]), format!("'{v}\r\n"));
        }
        assert_eq!(line(&["\t=1+1"]), "'\t=1+1\r\n");
        assert_eq!(line(&["\r@SUM(A1)"]), "\"'\r@SUM(A1)\"\r\n");
        assert_eq!(
            line(&["plain", "a=b", "a,b", "say \"hi\""]),
            "plain,a=b,\"a,b\",\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        let text = [line(&["value", "label"]), line(&["a,b", "two\nlines"])].concat();
        assert_eq!(
            parse(&text).expect("csv"),
            vec![
                (1, vec!["value".to_string(), "label".to_string()]),
                (2, vec!["a,b".to_string(), "two\nlines".to_string()]),
            ]
        );
    }

    #[test]
    fn parses_quotes_commas_and_line_breaks() {
        let rows = parse("\u{feff}value,label\r\n\"a,b\",\"say \"\"hi\"\"\"\n\nc,\"two\nlines\"\n")
            .expect("csv");
        assert_eq!(
            rows,
            vec![
                (1, vec!["value".to_string(), "label".to_string()]),
                (2, vec!["a,b".to_string(), "say \"hi\"".to_string()]),
                (4, vec!["c".to_string(), "two\nlines".to_string()]),
            ]
        );
    }

    #[test]
    fn refuses_an_unclosed_quote_and_keeps_empty_trailing_fields() {
        assert_eq!(
            parse("value\n\"open\nmore").unwrap_err(),
            "Line 2: a quoted field is never closed."
        );
        assert_eq!(
            parse("a,,").expect("csv"),
            vec![(1, vec!["a".into(), "".into(), "".into()])]
        );
    }
}

//! A small document layout on top of `pdf-writer`, enough for official minutes (berita
//! acara): A4 pages, a title, wrapped paragraphs, label–value lines, tables with a header
//! row that repeats after a page break, a signature block and page numbers.
//!
//! Text uses the standard Type 1 fonts Helvetica and Helvetica-Bold with WinAnsiEncoding,
//! so nothing is embedded and every PDF reader has the glyphs. Characters outside
//! WinAnsi are replaced by `?`. Line breaking measures text with the fonts' AFM widths.

pub mod certificate;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = 60.0;
const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 1.3;

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => REGULAR,
            Font::Bold => BOLD,
        }
    }
}

/// Helvetica widths (1/1000 em) for 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Helvetica-Bold widths (1/1000 em) for 32..=126.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// The WinAnsi byte of a character, `?` when it has none.
pub fn win_ansi(c: char) -> u8 {
    let u = c as u32;
    match u {
        0x20..=0x7e | 0xa0..=0xff => u as u8,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            '\t' | '\n' | '\r' => b' ',
            _ => b'?',
        },
    }
}

fn encode(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi).collect()
}

fn char_width(font: Font, b: u8) -> f32 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    let w = match b {
        32..=126 => table[usize::from(b - 32)],
        0x97 | 0x85 | 0x99 => 1000,
        0x91 | 0x92 | 0x82 => 222,
        0x93 | 0x94 | 0x84 => 333,
        0x95 => 350,
        _ => 556,
    };
    f32::from(w)
}

/// Width of `text` in points at `size`.
pub fn text_width(font: Font, size: f32, text: &str) -> f32 {
    encode(text)
        .iter()
        .map(|b| char_width(font, *b))
        .sum::<f32>()
        * size
        / 1000.0
}

/// Breaks `text` into lines no wider than `width`; words longer than a line are cut.
/// Explicit newlines start a new line.
pub fn wrap(font: Font, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(font, size, &candidate) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line: cut it.
            let mut piece = String::new();
            for ch in word.chars() {
                piece.push(ch);
                if text_width(font, size, &piece) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(ch);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// A table column: heading, share of the text width (relative), right-aligned or not.
#[derive(Debug, Clone)]
pub struct Column {
    pub heading: String,
    pub weight: f32,
    pub right: bool,
}

impl Column {
    pub fn new(heading: &str, weight: f32) -> Column {
        Column {
            heading: heading.to_owned(),
            weight,
            right: false,
        }
    }
    pub fn right(heading: &str, weight: f32) -> Column {
        Column {
            right: true,
            ..Column::new(heading, weight)
        }
    }
}

/// A document being laid out, top to bottom.
pub struct Document {
    title: String,
    footer: String,
    pages: Vec<Content>,
    y: f32,
}

impl Document {
    /// A new document; `footer` is printed on every page before "n / N".
    pub fn new(title: &str, footer: &str) -> Document {
        let mut d = Document {
            title: title.to_owned(),
            footer: footer.to_owned(),
            pages: Vec::new(),
            y: 0.0,
        };
        d.new_page();
        d
    }

    fn width() -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Makes room for `height` points, starting a page when needed.
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn text_at(&mut self, font: Font, size: f32, x: f32, y: f32, text: &str) {
        let bytes = encode(text);
        let page = self.page();
        page.begin_text();
        page.set_font(font.name(), size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let page = self.page();
        page.set_line_width(width);
        page.move_to(x1, y1);
        page.line_to(x2, y2);
        page.stroke();
    }

    /// Vertical space in points.
    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// Centred bold lines (the document's heading).
    pub fn title_block(&mut self, lines: &[&str], size: f32) {
        for l in lines {
            for part in wrap(Font::Bold, size, l, Self::width()) {
                self.ensure(size * LEADING);
                let w = text_width(Font::Bold, size, &part);
                let y = self.y - size;
                self.text_at(Font::Bold, size, (PAGE_WIDTH - w) / 2.0, y, &part);
                self.y -= size * LEADING;
            }
        }
        self.y -= size * 0.5;
    }

    /// A bold section heading, kept with the start of what follows (a table's header and
    /// first rows, or a few lines of text).
    pub fn heading(&mut self, text: &str) {
        let size = 11.5;
        self.ensure(size * LEADING + 7.0 * BODY_SIZE * LEADING);
        self.y -= size * 0.6;
        for part in wrap(Font::Bold, size, text, Self::width()) {
            let y = self.y - size;
            self.text_at(Font::Bold, size, MARGIN, y, &part);
            self.y -= size * LEADING;
        }
        self.y -= 2.0;
    }

    /// A wrapped paragraph.
    pub fn paragraph(&mut self, text: &str) {
        self.paragraph_with(Font::Regular, BODY_SIZE, text);
    }

    pub fn paragraph_with(&mut self, font: Font, size: f32, text: &str) {
        for part in wrap(font, size, text, Self::width()) {
            self.ensure(size * LEADING);
            let y = self.y - size;
            self.text_at(font, size, MARGIN, y, &part);
            self.y -= size * LEADING;
        }
        self.y -= size * 0.4;
    }

    /// "Label : value" lines with aligned values.
    pub fn key_values(&mut self, pairs: &[(String, String)]) {
        let label_w = pairs
            .iter()
            .map(|(k, _)| text_width(Font::Regular, BODY_SIZE, k))
            .fold(0.0_f32, f32::max)
            .min(Self::width() * 0.4);
        let value_x = MARGIN + label_w + 14.0;
        let value_w = PAGE_WIDTH - MARGIN - value_x;
        for (k, v) in pairs {
            let lines = wrap(Font::Regular, BODY_SIZE, v, value_w);
            self.ensure(BODY_SIZE * LEADING * lines.len().max(1) as f32);
            let y = self.y - BODY_SIZE;
            self.text_at(Font::Regular, BODY_SIZE, MARGIN, y, k);
            self.text_at(Font::Regular, BODY_SIZE, value_x - 9.0, y, ":");
            for (i, l) in lines.iter().enumerate() {
                let y = self.y - BODY_SIZE - i as f32 * BODY_SIZE * LEADING;
                self.text_at(Font::Regular, BODY_SIZE, value_x, y, l);
            }
            self.y -= BODY_SIZE * LEADING * lines.len().max(1) as f32;
        }
        self.y -= BODY_SIZE * 0.4;
    }

    /// A table; the header row repeats at the top of every page the table reaches.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let size = 9.0;
        let pad = 3.0;
        let total: f32 = columns.iter().map(|c| c.weight.max(0.01)).sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| c.weight.max(0.01) / total * Self::width())
            .collect();
        let heading: Vec<String> = columns.iter().map(|c| c.heading.clone()).collect();
        let line_h = size * LEADING;
        let layout = |font: Font, cells: &[String]| -> Vec<Vec<String>> {
            cells
                .iter()
                .zip(&widths)
                .map(|(t, w)| wrap(font, size, t, w - 2.0 * pad))
                .collect()
        };
        let head_cells = layout(Font::Bold, &heading);
        let head_h = head_cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * pad;
        let draw_row = |doc: &mut Document, font: Font, cells: &[Vec<String>], h: f32| {
            let top = doc.y;
            let mut x = MARGIN;
            for ((lines, w), col) in cells.iter().zip(&widths).zip(columns) {
                for (i, l) in lines.iter().enumerate() {
                    let tx = if col.right {
                        x + w - pad - text_width(font, size, l)
                    } else {
                        x + pad
                    };
                    let ty = top - pad - size - i as f32 * line_h + 1.5;
                    doc.text_at(font, size, tx, ty, l);
                }
                x += w;
            }
            doc.y -= h;
            let y = doc.y;
            doc.line(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.4);
        };
        let mut header_on_page = false;
        for row in rows {
            let cells = layout(Font::Regular, row);
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * pad;
            if self.y - h - if header_on_page { 0.0 } else { head_h } < BOTTOM {
                self.new_page();
                header_on_page = false;
            }
            if !header_on_page {
                let y = self.y;
                self.line(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.8);
                draw_row(self, Font::Bold, &head_cells, head_h);
                header_on_page = true;
            }
            draw_row(self, Font::Regular, &cells, h);
        }
        if rows.is_empty() {
            self.ensure(head_h);
            let y = self.y;
            self.line(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.8);
            draw_row(self, Font::Bold, &head_cells, head_h);
        }
        self.y -= BODY_SIZE;
    }

    /// Signature lines, two per row: (role, name) each with room to sign above the name.
    pub fn signatures(&mut self, place_date: &str, people: &[(String, String)]) {
        let block_h: f32 = 86.0;
        self.ensure(BODY_SIZE * 2.0 + block_h.min(block_h * people.len().div_ceil(2) as f32));
        if !place_date.is_empty() {
            let w = text_width(Font::Regular, BODY_SIZE, place_date);
            let y = self.y - BODY_SIZE;
            self.text_at(
                Font::Regular,
                BODY_SIZE,
                PAGE_WIDTH - MARGIN - w,
                y,
                place_date,
            );
            self.y -= BODY_SIZE * 2.0;
        }
        let col_w = Self::width() / 2.0;
        for pair in people.chunks(2) {
            self.ensure(block_h);
            let top = self.y;
            for (i, (role, name)) in pair.iter().enumerate() {
                let x = MARGIN + i as f32 * col_w;
                let role_line = wrap(Font::Regular, BODY_SIZE, role, col_w - 12.0);
                let mut y = top - BODY_SIZE;
                for l in role_line.iter().take(2) {
                    self.text_at(Font::Regular, BODY_SIZE, x, y, l);
                    y -= BODY_SIZE * LEADING;
                }
                let sign_y = top - block_h + BODY_SIZE * 2.2;
                self.line(x, sign_y, x + col_w - 24.0, sign_y, 0.5);
                let name = wrap(Font::Bold, BODY_SIZE, name, col_w - 12.0);
                if let Some(n) = name.first() {
                    self.text_at(Font::Bold, BODY_SIZE, x, sign_y - BODY_SIZE - 2.0, n);
                }
            }
            self.y = top - block_h;
        }
    }

    /// Number of pages laid out so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The finished PDF.
    pub fn finish(mut self) -> Vec<u8> {
        let n = self.pages.len();
        let footer = self.footer.clone();
        for i in 0..n {
            let label = format!("{footer}   {} / {n}", i + 1);
            let bytes = encode(&label);
            let w = text_width(Font::Regular, 8.0, &label);
            let page = &mut self.pages[i];
            page.begin_text();
            page.set_font(REGULAR, 8.0);
            page.next_line(PAGE_WIDTH - MARGIN - w, 30.0);
            page.show(Str(&bytes));
            page.end_text();
        }

        let mut pdf = Pdf::new();
        let catalog_id = Ref::new(1);
        let tree_id = Ref::new(2);
        let regular_id = Ref::new(3);
        let bold_id = Ref::new(4);
        let info_id = Ref::new(5);
        let first = 6;
        let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(first + 2 * i as i32)).collect();
        pdf.catalog(catalog_id).pages(tree_id);
        pdf.pages(tree_id)
            .kids(page_ids.iter().copied())
            .count(n as i32);
        for (i, content) in self.pages.into_iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
            page.parent(tree_id);
            page.contents(content_id);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(REGULAR, regular_id);
            fonts.pair(BOLD, bold_id);
            fonts.finish();
            resources.finish();
            page.finish();
            let data = content.finish();
            pdf.stream(content_id, &data);
        }
        pdf.type1_font(regular_id)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold_id)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info_id)
            .title(TextStr(&self.title))
            .producer(TextStr("Kolabik"));
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).filter(|w| *w == needle).count()
    }

    #[test]
    fn widths_and_wrapping() {
        // "Hello": H 722 + e 556 + l 222 + l 222 + o 556 = 2278.
        assert!((text_width(Font::Regular, 10.0, "Hello") - 22.78).abs() < 1e-3);
        let lines = wrap(Font::Regular, 10.0, "satu dua tiga empat lima enam", 60.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(Font::Regular, 10.0, l) <= 60.0, "{l}");
        }
        assert_eq!(win_ansi('—'), 0x97);
        assert_eq!(win_ansi('é'), 0xe9);
        assert_eq!(win_ansi('漢'), b'?');
    }

    #[test]
    fn a_long_table_breaks_pages_and_the_output_is_a_pdf() {
        let mut d = Document::new("Berita Acara Hasil Penilaian", "Kolabik");
        d.title_block(
            &["Berita Acara Hasil Penilaian", "Penilaian — KIPP 2022"],
            14.0,
        );
        d.paragraph(
            "Pada hari ini telah dilaksanakan penilaian. "
                .repeat(20)
                .trim(),
        );
        d.key_values(&[("Metode".into(), "Rata-rata".into())]);
        d.heading("Peringkat");
        let rows: Vec<Vec<String>> = (1..=120)
            .map(|i| {
                vec![
                    i.to_string(),
                    format!("Usulan inovasi nomor {i}"),
                    "81,5".into(),
                ]
            })
            .collect();
        d.table(
            &[
                Column::right("No", 1.0),
                Column::new("Judul", 6.0),
                Column::right("Nilai", 2.0),
            ],
            &rows,
        );
        d.signatures(
            "Pasuruan, 1 Desember 2022",
            &[
                ("Juri".into(), "Siti Rahmawati".into()),
                ("Ketua Panitia".into(), "Budi".into()),
                ("Juri".into(), "Andi".into()),
            ],
        );
        let pages = d.page_count();
        assert!(pages >= 3, "{pages}");
        let pdf = d.finish();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
        assert_eq!(
            count(&pdf, b"/Type /Page") - count(&pdf, b"/Type /Pages"),
            pages
        );
        assert!(count(&pdf, b"(Berita Acara Hasil Penilaian)") >= 1);
        assert!(count(&pdf, b"/Helvetica-Bold") == 1);
        assert!(count(&pdf, b"/WinAnsiEncoding") == 2);
    }
}

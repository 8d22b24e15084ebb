//! A certificate (piagam): one A4 landscape page with a decorative border, the city's emblem
//! drawn as vector paths (no image files), centred text, the signatory's block, the
//! verification code and a QR code of the verification URL drawn as vector squares, with a
//! link annotation over it so the code is clickable in a PDF reader.
//!
//! The page content is not compressed, so the link annotation's URI can be read from the
//! bytes (the browser test follows it).

use pdf_writer::types::{ActionType, AnnotationType};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};

use crate::{BOLD, Font, REGULAR, encode, text_width, wrap};

/// A4 landscape in points.
pub const WIDTH: f32 = 842.0;
pub const HEIGHT: f32 = 595.0;

/// Modules of white around the QR symbol (the standard's quiet zone).
const QUIET: usize = 4;

/// The texts of one certificate, already composed.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    pub issuer: &'a str,
    pub heading: &'a str,
    pub given_to: &'a str,
    pub recipient: &'a str,
    pub innovation_title: &'a str,
    pub award_line: &'a str,
    pub competition_line: &'a str,
    pub place_date: &'a str,
    pub signatory_position: &'a str,
    pub signatory_name: &'a str,
    /// "NIP. …" or empty.
    pub signatory_nip: &'a str,
    pub code: &'a str,
    /// The absolute verification URL encoded in the QR code and the link.
    pub verify_url: &'a str,
    /// "Pindai untuk memeriksa keaslian piagam" or similar, under the QR code.
    pub verify_hint: &'a str,
    /// For a revoked certificate, the banner drawn across it ("DICABUT …"): a copy that
    /// the committee downloads for the record must not pass for a valid one.
    pub revoked: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("the verification URL does not fit in a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
}

/// The QR symbol of `data` as rows of dark (true) modules, without the quiet zone.
pub fn qr_matrix(data: &str) -> Result<(usize, Vec<bool>), CertificateError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((width, dark))
}

/// Draws the symbol with its lower-left corner (quiet zone included) at (x, y), `size`
/// points square: a white square, then one rectangle per horizontal run of dark modules.
fn draw_qr(page: &mut Content, x: f32, y: f32, size: f32, width: usize, dark: &[bool]) {
    let m = size / (width + 2 * QUIET) as f32;
    page.save_state();
    page.set_fill_gray(1.0);
    page.rect(x, y, size, size);
    page.fill_nonzero();
    page.set_fill_gray(0.0);
    for row in 0..width {
        let mut col = 0;
        while col < width {
            if !dark[row * width + col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && dark[row * width + col] {
                col += 1;
            }
            let rx = x + (QUIET + start) as f32 * m;
            // Row 0 is the top of the symbol; PDF's y grows upwards.
            let ry = y + size - (QUIET + row + 1) as f32 * m;
            page.rect(rx, ry, (col - start) as f32 * m, m);
        }
    }
    page.fill_nonzero();
    page.restore_state();
}

const GREEN: (f32, f32, f32) = (0.05, 0.33, 0.22);
const GOLD: (f32, f32, f32) = (0.78, 0.60, 0.16);
const SEA: (f32, f32, f32) = (0.55, 0.78, 0.92);
const RED: (f32, f32, f32) = (0.70, 0.08, 0.08);

fn fill(page: &mut Content, c: (f32, f32, f32)) {
    page.set_fill_rgb(c.0, c.1, c.2);
}

fn stroke(page: &mut Content, c: (f32, f32, f32)) {
    page.set_stroke_rgb(c.0, c.1, c.2);
}

/// The border: a thick green frame, a thin gold one inside it, and gold diamonds in the
/// corners.
fn border(page: &mut Content) {
    page.save_state();
    stroke(page, GREEN);
    page.set_line_width(6.0);
    page.rect(18.0, 18.0, WIDTH - 36.0, HEIGHT - 36.0);
    page.stroke();
    stroke(page, GOLD);
    page.set_line_width(1.6);
    page.rect(28.0, 28.0, WIDTH - 56.0, HEIGHT - 56.0);
    page.stroke();
    page.set_line_width(0.6);
    page.rect(33.0, 33.0, WIDTH - 66.0, HEIGHT - 66.0);
    page.stroke();
    fill(page, GOLD);
    for (cx, cy) in [
        (28.0, 28.0),
        (WIDTH - 28.0, 28.0),
        (28.0, HEIGHT - 28.0),
        (WIDTH - 28.0, HEIGHT - 28.0),
    ] {
        let r = 9.0;
        page.move_to(cx, cy + r);
        page.line_to(cx + r, cy);
        page.line_to(cx, cy - r);
        page.line_to(cx - r, cy);
        page.close_path();
    }
    page.fill_nonzero();
    page.restore_state();
}

/// A five-pointed star centred at (cx, cy) with outer radius `r`.
fn star(page: &mut Content, cx: f32, cy: f32, r: f32) {
    let inner = r * 0.382;
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { inner };
        let a = std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
        let (x, y) = (cx + radius * a.cos(), cy + radius * a.sin());
        if i == 0 {
            page.move_to(x, y);
        } else {
            page.line_to(x, y);
        }
    }
    page.close_path();
}

/// A stylised city emblem: a green shield with a gold rim, a gold star over a gold band,
/// and the sea of the Madura Strait as three waves. Centred at `cx`, top at `top`, `w` wide.
fn emblem(page: &mut Content, cx: f32, top: f32, w: f32) {
    let h = w * 1.2;
    let (l, r, b) = (cx - w / 2.0, cx + w / 2.0, top - h);
    let shield = |page: &mut Content, inset: f32| {
        let (l, r, t) = (l + inset, r - inset, top - inset);
        let b = b + inset * 1.4;
        page.move_to(l, t);
        page.line_to(r, t);
        page.line_to(r, t - h * 0.45);
        page.cubic_to(r, b + h * 0.25, cx + w * 0.15, b + h * 0.08, cx, b);
        page.cubic_to(
            cx - w * 0.15,
            b + h * 0.08,
            l,
            b + h * 0.25,
            l,
            t - h * 0.45,
        );
        page.close_path();
    };
    page.save_state();
    fill(page, GOLD);
    shield(page, 0.0);
    page.fill_nonzero();
    fill(page, GREEN);
    shield(page, w * 0.06);
    page.fill_nonzero();
    // The band across the shield.
    fill(page, GOLD);
    page.rect(l + w * 0.06, top - h * 0.42, w * 0.88, h * 0.05);
    page.fill_nonzero();
    // The star above it.
    star(page, cx, top - h * 0.22, w * 0.17);
    page.fill_nonzero();
    // Three waves below it.
    stroke(page, SEA);
    page.set_line_width(w * 0.035);
    for i in 0..3 {
        let y = top - h * (0.55 + 0.09 * i as f32);
        let half = w * (0.33 - 0.06 * i as f32);
        let (x0, x1) = (cx - half, cx + half);
        let step = (x1 - x0) / 4.0;
        page.move_to(x0, y);
        for k in 0..4 {
            let xa = x0 + step * k as f32;
            let lift = if k % 2 == 0 { w * 0.05 } else { -w * 0.05 };
            page.cubic_to(
                xa + step * 0.3,
                y + lift,
                xa + step * 0.7,
                y + lift,
                xa + step,
                y,
            );
        }
        page.stroke();
    }
    page.restore_state();
}

fn text(page: &mut Content, font: Font, size: f32, x: f32, y: f32, s: &str) {
    let bytes = encode(s);
    page.begin_text();
    page.set_font(font.name(), size);
    page.next_line(x, y);
    page.show(Str(&bytes));
    page.end_text();
}

/// Centred lines of `s` wrapped to `width`, the first baseline at `y`; returns the y below.
fn centred(page: &mut Content, font: Font, size: f32, cx: f32, y: f32, width: f32, s: &str) -> f32 {
    let mut y = y;
    for line in wrap(font, size, s, width) {
        let w = text_width(font, size, &line);
        text(page, font, size, cx - w / 2.0, y, &line);
        y -= size * 1.25;
    }
    y
}

/// The certificate as a one-page PDF.
pub fn certificate(c: &Certificate<'_>) -> Result<Vec<u8>, CertificateError> {
    let (qr_width, dark) = qr_matrix(c.verify_url)?;
    let mut page = Content::new();
    border(&mut page);
    let cx = WIDTH / 2.0;
    emblem(&mut page, cx, HEIGHT - 50.0, 52.0);

    fill(&mut page, GREEN);
    let mut y = HEIGHT - 130.0;
    y = centred(&mut page, Font::Bold, 13.0, cx, y, 600.0, c.issuer) - 20.0;
    fill(&mut page, GOLD);
    y = centred(&mut page, Font::Bold, 30.0, cx, y, 640.0, c.heading) - 6.0;
    page.set_fill_gray(0.35);
    y = centred(
        &mut page,
        Font::Regular,
        9.0,
        cx,
        y,
        640.0,
        &format!("Nomor verifikasi: {}", c.code),
    ) - 22.0;
    page.set_fill_gray(0.1);
    y = centred(&mut page, Font::Regular, 13.0, cx, y, 640.0, c.given_to) - 14.0;
    fill(&mut page, GREEN);
    y = centred(&mut page, Font::Bold, 22.0, cx, y, 640.0, c.recipient) - 10.0;
    page.set_fill_gray(0.1);
    y = centred(
        &mut page,
        Font::Regular,
        13.0,
        cx,
        y,
        600.0,
        c.innovation_title,
    ) - 6.0;
    y = centred(&mut page, Font::Bold, 15.0, cx, y, 640.0, c.award_line) - 4.0;
    centred(
        &mut page,
        Font::Regular,
        12.0,
        cx,
        y,
        640.0,
        c.competition_line,
    );

    // The signatory, right.
    let sx = WIDTH - 260.0;
    let sw = 200.0;
    let mut sy = 168.0;
    page.set_fill_gray(0.1);
    sy = centred(
        &mut page,
        Font::Regular,
        11.0,
        sx + sw / 2.0,
        sy,
        sw,
        c.place_date,
    );
    sy = centred(
        &mut page,
        Font::Bold,
        11.0,
        sx + sw / 2.0,
        sy,
        sw,
        c.signatory_position,
    );
    let name_y = sy.min(150.0) - 52.0;
    let after = centred(
        &mut page,
        Font::Bold,
        11.0,
        sx + sw / 2.0,
        name_y,
        sw,
        c.signatory_name,
    );
    page.set_line_width(0.6);
    page.set_stroke_gray(0.1);
    page.move_to(sx + 10.0, name_y - 3.0);
    page.line_to(sx + sw - 10.0, name_y - 3.0);
    page.stroke();
    if !c.signatory_nip.is_empty() {
        centred(
            &mut page,
            Font::Regular,
            10.0,
            sx + sw / 2.0,
            after,
            sw,
            c.signatory_nip,
        );
    }

    // The QR code and the code, left.
    let qr_size = 92.0;
    let (qx, qy) = (70.0, 62.0);
    draw_qr(&mut page, qx, qy, qr_size, qr_width, &dark);
    page.set_fill_gray(0.1);
    let tx = qx + qr_size + 8.0;
    text(&mut page, Font::Bold, 10.0, tx, qy + 56.0, c.code);
    page.set_fill_gray(0.35);
    let mut hy = qy + 42.0;
    for line in wrap(Font::Regular, 8.0, c.verify_hint, 170.0)
        .iter()
        .take(3)
    {
        text(&mut page, Font::Regular, 8.0, tx, hy, line);
        hy -= 10.0;
    }
    for line in wrap(Font::Regular, 7.0, c.verify_url, 200.0).iter().take(3) {
        text(&mut page, Font::Regular, 7.0, tx, hy, line);
        hy -= 9.0;
    }

    if let Some(banner) = c.revoked {
        let (bh, by) = (46.0, HEIGHT / 2.0 - 23.0);
        fill(&mut page, RED);
        page.rect(40.0, by, WIDTH - 80.0, bh);
        page.fill_nonzero();
        page.set_fill_gray(1.0);
        centred(
            &mut page,
            Font::Bold,
            20.0,
            cx,
            by + 16.0,
            WIDTH - 120.0,
            banner,
        );
    }

    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let info_id = Ref::new(5);
    let page_id = Ref::new(6);
    let content_id = Ref::new(7);
    let link_id = Ref::new(8);
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id).kids([page_id]).count(1);
    let mut p = pdf.page(page_id);
    p.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
    p.parent(tree_id);
    p.contents(content_id);
    p.annotations([link_id]);
    let mut resources = p.resources();
    let mut fonts = resources.fonts();
    fonts.pair(REGULAR, regular_id);
    fonts.pair(BOLD, bold_id);
    fonts.finish();
    resources.finish();
    p.finish();
    pdf.stream(content_id, &page.finish());
    let mut link = pdf.annotation(link_id);
    link.subtype(AnnotationType::Link)
        .rect(Rect::new(qx, qy, qx + qr_size, qy + qr_size))
        .contents(TextStr(c.verify_url))
        .border(0.0, 0.0, 0.0, None);
    link.action()
        .action_type(ActionType::Uri)
        .uri(Str(c.verify_url.as_bytes()));
    link.finish();
    pdf.type1_font(regular_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold_id)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("{} — {}", c.heading, c.recipient);
    pdf.document_info(info_id)
        .title(TextStr(&title))
        .producer(TextStr("Kolabik"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://kolabik.pasuruankota.go.id/verifikasi/KLB-2022-7QH3-M9XD";

    /// Reads back the `x y w h re` rectangles of a content stream after the first one (the
    /// white background) and paints them black on a white raster, one pixel per `scale`
    /// of a point.
    fn rasterise(content: &[u8], size: f32, px: usize) -> Vec<u8> {
        let text = String::from_utf8_lossy(content);
        let mut nums: Vec<f32> = Vec::new();
        let mut rects = Vec::new();
        for tok in text.split_whitespace() {
            if tok == "re" && nums.len() >= 4 {
                let n = nums.len();
                rects.push((nums[n - 4], nums[n - 3], nums[n - 2], nums[n - 1]));
            }
            match tok.parse::<f32>() {
                Ok(v) => nums.push(v),
                Err(_) => nums.clear(),
            }
        }
        let mut img = vec![255_u8; px * px];
        let scale = px as f32 / size;
        for (x, y, w, h) in rects.into_iter().skip(1) {
            let (x0, x1) = (
                (x * scale).round() as usize,
                ((x + w) * scale).round() as usize,
            );
            // Raster rows go down, PDF's y goes up.
            let (y0, y1) = (
                ((size - y - h) * scale).round() as usize,
                ((size - y) * scale).round() as usize,
            );
            for row in y0..y1.min(px) {
                for col in x0..x1.min(px) {
                    img[row * px + col] = 0;
                }
            }
        }
        img
    }

    #[test]
    fn the_drawn_qr_code_decodes_to_the_url() {
        let (width, dark) = qr_matrix(URL).unwrap();
        let mut page = Content::new();
        let size = 100.0;
        draw_qr(&mut page, 0.0, 0.0, size, width, &dark);
        let px = 400;
        let img = rasterise(&page.finish(), size, px);
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| img[y * px + x]);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, decoded) = grids[0].decode().unwrap();
        assert_eq!(decoded, URL);
    }

    fn sample(revoked: Option<&str>) -> Vec<u8> {
        certificate(&Certificate {
            issuer: "PEMERINTAH KOTA PASURUAN",
            heading: "PIAGAM PENGHARGAAN",
            given_to: "diberikan kepada",
            recipient: "Dinas Perikanan",
            innovation_title: "atas inovasi \u{201c}Si Ikan\u{201d}",
            award_line: "sebagai Juara 1 Kategori Tata Kelola",
            competition_line: "dalam Kompetisi Inovasi Layanan Publik (Kolabik) Kota Pasuruan 2022",
            place_date: "Pasuruan, 12 Desember 2022",
            signatory_position: "Wali Kota Pasuruan",
            signatory_name: "Dr. Rahmat Santoso",
            signatory_nip: "",
            code: "KLB-2022-7QH3-M9XD",
            verify_url: URL,
            verify_hint: "Pindai untuk memeriksa keaslian piagam ini",
            revoked,
        })
        .unwrap()
    }

    fn has(pdf: &[u8], needle: &[u8]) -> bool {
        pdf.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_revoked_certificate_says_so_across_the_page() {
        let banner = "DICABUT 5 Januari 2023: TIDAK BERLAKU";
        assert!(has(&sample(Some(banner)), b"(DICABUT 5 Januari 2023"));
        assert!(!has(&sample(None), b"DICABUT"));
    }

    #[test]
    fn the_certificate_is_one_landscape_page_with_a_link() {
        let pdf = sample(None);
        let has = |needle: &[u8]| has(&pdf, needle);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(has(b"/MediaBox [0 0 842 595]"));
        assert!(has(format!("/URI ({URL})").as_bytes()));
        assert!(has(b"/Subtype /Link"));
        assert!(has(b"(PIAGAM PENGHARGAAN)"));
        assert!(has(b"(Dinas Perikanan)"));
        assert!(has(b"(KLB-2022-7QH3-M9XD)"));
        // No image: the emblem and the QR code are paths.
        assert!(!has(b"/Image"));
    }
}

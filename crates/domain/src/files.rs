//! What an uploaded file really is, judged by its first bytes rather than its name.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
        }
    }
    pub fn parse(content_type: &str) -> Option<FileKind> {
        match content_type {
            "application/pdf" => Some(FileKind::Pdf),
            "image/png" => Some(FileKind::Png),
            "image/jpeg" => Some(FileKind::Jpeg),
            _ => None,
        }
    }
}

/// Recognises PDF, PNG and JPEG by their signatures.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else {
        None
    }
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path
/// segment, letters, digits, spaces, dots, dashes and underscores only, at most 120
/// characters, with the extension that matches the content.
pub fn clean_filename(raw: &str, kind: FileKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let mut cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned = cleaned.trim_matches(['.', ' ']).chars().take(120).collect();
    if cleaned.is_empty() {
        cleaned = "berkas".to_owned();
    }
    format!("{cleaned}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"MZ\x90\x00 an exe named .pdf"), None);
        assert_eq!(sniff(b"<html>"), None);
    }

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(
            clean_filename("../../etc/passwd", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            clean_filename("C:\\Users\\x\\Materi Sosialisasi 2022.PDF", FileKind::Pdf),
            "Materi Sosialisasi 2022.pdf"
        );
        assert_eq!(
            clean_filename("foto\"<b>.png", FileKind::Jpeg),
            "foto__b_.jpg"
        );
        assert_eq!(clean_filename("", FileKind::Png), "berkas.png");
    }
}

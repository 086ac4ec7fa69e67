//! Attachment rules with no I/O: which file types are accepted (told from the
//! content, never the name), how names are cleaned, and how files are shown.

crate::text_enum! {
    /// The accepted file types; the code is the MIME type stored and served.
    FileType, "file-type" {
        Jpeg => "image/jpeg",
        Png => "image/png",
        Gif => "image/gif",
        Webp => "image/webp",
        Heif => "image/heif",
        Mp4 => "video/mp4",
        QuickTime => "video/quicktime",
        Webm => "video/webm",
        Pdf => "application/pdf",
        Text => "text/plain",
        Zip => "application/zip",
    }
}

/// What a file is, broadly: a name claiming one family with content of another is a disguise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Image,
    Video,
    Pdf,
    Text,
    Zip,
}

impl FileType {
    pub fn family(self) -> Family {
        match self {
            FileType::Jpeg | FileType::Png | FileType::Gif | FileType::Webp | FileType::Heif => Family::Image,
            FileType::Mp4 | FileType::QuickTime | FileType::Webm => Family::Video,
            FileType::Pdf => Family::Pdf,
            FileType::Text => Family::Text,
            FileType::Zip => Family::Zip,
        }
    }

    /// Browsers show images, video and PDF themselves; the rest is downloaded.
    pub fn inline(self) -> bool {
        match self.family() {
            Family::Image | Family::Video | Family::Pdf => true,
            Family::Text | Family::Zip => false,
        }
    }

    /// Shown as a thumbnail (`<img>`) on the ticket page. HEIF is not: most
    /// browsers cannot draw it.
    pub fn previewable(self) -> bool {
        match self {
            FileType::Jpeg | FileType::Png | FileType::Gif | FileType::Webp => true,
            FileType::Heif
            | FileType::Mp4
            | FileType::QuickTime
            | FileType::Webm
            | FileType::Pdf
            | FileType::Text
            | FileType::Zip => false,
        }
    }

    /// The MIME type sent with the file; text says its encoding.
    pub fn served_as(self) -> &'static str {
        match self {
            FileType::Text => "text/plain; charset=utf-8",
            other => other.code(),
        }
    }

    /// File name endings that fit this type; the first is added to a name with none of them.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Jpeg => &["jpg", "jpeg", "jfif"],
            FileType::Png => &["png"],
            FileType::Gif => &["gif"],
            FileType::Webp => &["webp"],
            FileType::Heif => &["heic", "heif"],
            FileType::Mp4 => &["mp4", "m4v"],
            FileType::QuickTime => &["mov", "qt"],
            FileType::Webm => &["webm"],
            FileType::Pdf => &["pdf"],
            FileType::Text => &["txt", "log", "csv", "json", "md", "out", "err", "trace", "ini", "cfg", "conf"],
            FileType::Zip => &["zip"],
        }
    }
}

/// The family a name ending claims, for the endings of accepted binary types.
/// Text endings claim nothing: a log may be called anything.
fn claimed_family(extension: &str) -> Option<Family> {
    [FileType::Jpeg, FileType::Png, FileType::Gif, FileType::Webp, FileType::Heif]
        .iter()
        .chain(&[FileType::Mp4, FileType::QuickTime, FileType::Webm, FileType::Pdf, FileType::Zip])
        .find(|t| t.extensions().contains(&extension))
        .map(|t| t.family())
}

/// Why a file is refused; each is a message for the uploader (the i18n key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRefusal {
    /// A program or script: never accepted, whatever it is called.
    Executable,
    /// The name says one kind of file, the content is another.
    Disguised,
    /// Not among the accepted types (including text that is not UTF-8).
    NotAllowed,
    /// Nothing in it.
    Empty,
}

impl TypeRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            TypeRefusal::Executable => "attachment-executable",
            TypeRefusal::Disguised => "attachment-disguised",
            TypeRefusal::NotAllowed => "attachment-type-refused",
            TypeRefusal::Empty => "attachment-empty",
        }
    }
}

/// How many leading bytes `detect` needs (WebM names itself within the first 256).
pub const SNIFF_BYTES: usize = 4096;

/// The type of a file from its first bytes (`head`, up to `SNIFF_BYTES`) and
/// whether all of it was UTF-8 text without NULs; `name` only to catch disguises.
pub fn detect(head: &[u8], is_text: bool, name: &str) -> Result<FileType, TypeRefusal> {
    if head.is_empty() {
        return Err(TypeRefusal::Empty);
    }
    let found = match infer::get(head) {
        Some(kind) => match kind.matcher_type() {
            infer::MatcherType::App => return Err(TypeRefusal::Executable),
            infer::MatcherType::Text if kind.mime_type() == "text/x-shellscript" => {
                return Err(TypeRefusal::Executable);
            }
            // HTML or XML is kept as plain text: it is served as text, never run.
            infer::MatcherType::Text if is_text => FileType::Text,
            _ => binary_type(kind.mime_type()).ok_or(TypeRefusal::NotAllowed)?,
        },
        None if is_text => FileType::Text,
        None => return Err(TypeRefusal::NotAllowed),
    };
    match claimed_family(&extension(name)) {
        Some(claimed) if claimed != found.family() => Err(TypeRefusal::Disguised),
        _ => Ok(found),
    }
}

fn binary_type(mime: &str) -> Option<FileType> {
    Some(match mime {
        "image/jpeg" => FileType::Jpeg,
        "image/png" => FileType::Png,
        "image/gif" => FileType::Gif,
        "image/webp" => FileType::Webp,
        "image/heif" => FileType::Heif,
        "video/mp4" | "video/x-m4v" => FileType::Mp4,
        "video/quicktime" => FileType::QuickTime,
        "video/webm" => FileType::Webm,
        "application/pdf" => FileType::Pdf,
        "application/zip" => FileType::Zip,
        _ => return None,
    })
}

/// The lower-cased ending after the last dot, or "".
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_lowercase(),
        _ => String::new(),
    }
}

/// Longest file name kept (in characters); longer names keep their ending.
const MAX_NAME_CHARS: usize = 120;

/// The uploader's file name made safe to store and show: no folders, no
/// control or quote characters, not too long, never empty.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':') { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name = if trimmed.is_empty() { "file".to_owned() } else { trimmed.to_owned() };
    if name.chars().count() <= MAX_NAME_CHARS {
        return name;
    }
    let ext = extension(&name);
    let keep = MAX_NAME_CHARS.saturating_sub(ext.chars().count() + 1);
    let stem: String = name.chars().take(keep).collect();
    if ext.is_empty() { stem } else { format!("{stem}.{ext}") }
}

/// The stored name: cleaned, and ending as its real type does, so that opening
/// a downloaded `run.bat` that is really text cannot run it (`run.bat.txt`).
pub fn stored_name(raw: &str, file_type: FileType) -> String {
    let name = clean_name(raw);
    if file_type.extensions().contains(&extension(&name).as_str()) {
        name
    } else {
        format!("{name}.{}", file_type.extensions()[0])
    }
}

/// Checks, chunk by chunk, that a whole file is UTF-8 text without NUL bytes
/// (a log); a character split across chunks is carried over.
#[derive(Debug, Default)]
pub struct TextCheck {
    carry: Vec<u8>,
    failed: bool,
}

impl TextCheck {
    pub fn push(&mut self, chunk: &[u8]) {
        if self.failed {
            return;
        }
        if chunk.contains(&0) {
            self.failed = true;
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = [self.carry.as_slice(), chunk].concat();
            &joined
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => self.carry.clear(),
            // Cut off mid-character at the end: wait for the next chunk.
            Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.failed = true,
        }
    }

    /// True if everything pushed was text.
    pub fn finish(&self) -> bool {
        !self.failed && self.carry.is_empty()
    }
}

/// A size for people: `512 B`, `3.4 KB`, `12.0 MB`.
pub fn human_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    const PE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
    const MACH_O: &[u8] = b"\xcf\xfa\xed\xfe\x07\0\0\x01\x03\0\0\0";

    fn mp4(brand: &[u8; 4]) -> Vec<u8> {
        let mut v = b"\0\0\0\x18ftyp".to_vec();
        v.extend_from_slice(brand);
        v.extend_from_slice(b"\0\0\0\0isommp41");
        v
    }

    #[test]
    fn accepted_types_are_told_from_content() {
        assert_eq!(detect(PNG, false, "a.png"), Ok(FileType::Png));
        assert_eq!(detect(JPEG, false, "photo.JPG"), Ok(FileType::Jpeg));
        assert_eq!(detect(PDF, false, "manual.pdf"), Ok(FileType::Pdf));
        assert_eq!(detect(&mp4(b"isom"), false, "clip.mp4"), Ok(FileType::Mp4));
        assert_eq!(detect(&mp4(b"qt  "), false, "IMG_0001.MOV"), Ok(FileType::QuickTime));
        assert_eq!(detect(&mp4(b"heic"), false, "IMG_0002.HEIC"), Ok(FileType::Heif));
        assert_eq!(detect(b"GIF89a\x01\0\x01\0", false, "x.gif"), Ok(FileType::Gif));
        assert_eq!(detect(b"RIFF\0\0\0\0WEBPVP8 ", false, "x.webp"), Ok(FileType::Webp));
        assert_eq!(detect(b"PK\x03\x04\x14\0\0\0\0\0", false, "logs.zip"), Ok(FileType::Zip));
        assert_eq!(detect("2026-11-23 错误 E42\n".as_bytes(), true, "device.log"), Ok(FileType::Text));
        assert_eq!(detect(b"<html><body>hi</body></html>", true, "page.html"), Ok(FileType::Text));
    }

    #[test]
    fn the_name_does_not_decide_the_type() {
        // A PNG called .jpg is still an image (a common, harmless mix-up), and stored as PNG.
        assert_eq!(detect(PNG, false, "photo.jpg"), Ok(FileType::Png));
        assert_eq!(detect(PNG, false, "no-ending"), Ok(FileType::Png));
        assert_eq!(detect(PDF, false, "scan.txt"), Ok(FileType::Pdf));
    }

    #[test]
    fn programs_and_disguises_are_refused() {
        for (bytes, name) in [(ELF, "photo.jpg"), (PE, "photo.jpg"), (MACH_O, "report.pdf"), (ELF, "a.log")] {
            assert_eq!(detect(bytes, false, name), Err(TypeRefusal::Executable), "{name}");
        }
        assert_eq!(detect(b"#!/bin/sh\nrm -rf /\n", true, "photo.jpg"), Err(TypeRefusal::Executable));
        assert_eq!(detect(b"#!/bin/sh\nrm -rf /\n", true, "log.txt"), Err(TypeRefusal::Executable));
        // Text dressed as an image or a PDF.
        assert_eq!(detect(b"@echo off\r\nformat c:\r\n", true, "photo.jpg"), Err(TypeRefusal::Disguised));
        assert_eq!(detect(b"plain words", true, "invoice.pdf"), Err(TypeRefusal::Disguised));
        // A video named as a picture.
        assert_eq!(detect(&mp4(b"isom"), false, "photo.png"), Err(TypeRefusal::Disguised));
    }

    #[test]
    fn other_types_are_refused() {
        assert_eq!(detect(b"\x1f\x8b\x08\0\0\0\0\0", false, "a.gz"), Err(TypeRefusal::NotAllowed));
        assert_eq!(detect(b"BM\x3e\0\0\0\0\0\0\0", false, "a.bmp"), Err(TypeRefusal::NotAllowed));
        assert_eq!(detect(b"\x00\x01\x02\x03 binary", false, "a.bin"), Err(TypeRefusal::NotAllowed));
        assert_eq!(detect(b"<svg xmlns='http://www.w3.org/2000/svg'/>", true, "x.svg"), Ok(FileType::Text));
        assert_eq!(detect(b"", true, "empty.txt"), Err(TypeRefusal::Empty));
    }

    #[test]
    fn text_is_checked_across_chunks() {
        let text = "日志：温度过高\n".as_bytes();
        let mut check = TextCheck::default();
        for chunk in text.chunks(1) {
            check.push(chunk);
        }
        assert!(check.finish());

        let mut check = TextCheck::default();
        check.push(b"abc\0def");
        assert!(!check.finish(), "NUL bytes are binary");

        let mut check = TextCheck::default();
        check.push(b"abc\xff");
        assert!(!check.finish(), "not UTF-8");

        let mut check = TextCheck::default();
        check.push(&"温".as_bytes()[..2]);
        assert!(!check.finish(), "cut off mid-character at the end");

        // GBK-encoded Chinese is not UTF-8.
        let mut check = TextCheck::default();
        check.push(b"\xc8\xd5\xd6\xbe");
        assert!(!check.finish());
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\Users\\王\\Desktop\\发票.pdf"), "发票.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\nc\"d.txt"), "a_b_c_d.txt");
        assert_eq!(clean_name("  .hidden  "), "hidden");
        assert_eq!(clean_name(""), "file");
        assert_eq!(clean_name("..."), "file");
        let long = format!("{}.jpeg", "长".repeat(300));
        let cleaned = clean_name(&long);
        assert_eq!(cleaned.chars().count(), MAX_NAME_CHARS);
        assert!(cleaned.ends_with(".jpeg"));
    }

    #[test]
    fn stored_names_end_as_their_type() {
        assert_eq!(stored_name("照片.JPG", FileType::Jpeg), "照片.JPG");
        assert_eq!(stored_name("photo.jpg", FileType::Png), "photo.jpg.png");
        assert_eq!(stored_name("run.bat", FileType::Text), "run.bat.txt");
        assert_eq!(stored_name("device.log", FileType::Text), "device.log");
        assert_eq!(stored_name("scan", FileType::Pdf), "scan.pdf");
    }

    #[test]
    fn every_type_has_a_family_and_an_ending() {
        for t in FileType::ALL {
            assert!(!t.extensions().is_empty());
            assert!(!t.previewable() || t.inline(), "{t}: a thumbnail is shown inline");
        }
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 * 1024 + 400), "3.4 KB");
        assert_eq!(human_size(20 * 1024 * 1024), "20.0 MB");
    }
}
